"""`forge approver enroll|list|events|unlock|deactivate`: an API client; admins manage approvers' MFA."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from forge.cli.client import ApiError, ForgeClient, default_user, local_authenticator
from forge.cli.groups import command_group
from forge.cli.output import console, err, friendly, untrusted
from forge.errors import ForgeError

AsAdmin = Annotated[str | None, typer.Option("--as", help="Admin doing this")]
Reason = Annotated[str, typer.Option("--reason", help="Why (recorded in the approver's security events)")]


def _admin(as_user: str | None) -> ForgeClient:
    return ForgeClient(user=as_user or default_user(), role="admin")


def _standing(approver: dict[str, Any]) -> str:
    if not approver["active"]:
        return f"deactivated {approver['deactivated_at'][:19]} by {approver['deactivated_by']}"
    if approver["locked"]:
        return f"LOCKED since {approver['locked_since'][:19]} ({approver['failed_attempts']} failed codes)"
    failures = approver["failed_attempts"]
    return f"active ({failures} recent failed code{'s' if failures != 1 else ''})" if failures else "active"


def register(app: typer.Typer, db_app: typer.Typer) -> None:
    approver_app = command_group(app, "approver", "Approvers' MFA (TOTP): enrol, list, unlock, deactivate.")

    @approver_app.command("enroll")
    @friendly
    def enroll(
        name: Annotated[str, typer.Argument(help="The approver's user name (as in their token)")],
        replace: Annotated[
            bool, typer.Option("--replace", help="Issue a new secret (also reactivates and unlocks)")
        ] = False,
        as_user: AsAdmin = None,
    ) -> None:
        """Enrol NAME for TOTP MFA and print the otpauth URI to scan into an authenticator app (once)."""
        client = _admin(as_user)
        try:
            enrolment = client.enroll(name, replace)
        except ApiError as exc:
            # The API speaks of its body field `replace`; on the command line that is the --replace flag.
            if exc.status == 409 and not replace:
                raise ForgeError(f"{name} is already enrolled; pass --replace to issue a new secret") from None
            raise
        if client.local:
            local_authenticator().remember(name, enrolment["secret"])
            err.print(f"the local runtime's authenticator (FORGE_HOME) also holds {untrusted(name)}'s secret")
        err.print(f"enrolled {untrusted(name)}; scan the URI into an authenticator app. It is not shown again.")
        console.print(f"secret: {enrolment['secret']}", markup=False)
        typer.echo(enrolment["otpauth_uri"])

    @approver_app.command("list")
    @friendly
    def list_approvers(as_user: AsAdmin = None) -> None:
        """Every enrolled approver: active, locked by failed codes, or deactivated."""
        listing = _admin(as_user).approvers()
        if not listing["approvers"]:
            console.print("no approver enrolled yet (forge approver enroll NAME)", markup=False)
        for approver in listing["approvers"]:
            console.print(f"{untrusted(approver['name'])}  {untrusted(_standing(approver))}")
        minutes = listing["window_seconds"] // 60
        err.print(f"{listing['max_failures']} failed codes within {minutes} min lock an approver", markup=False)

    @approver_app.command("events")
    @friendly
    def events(
        name: Annotated[str, typer.Argument(help="The approver")],
        limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
        as_user: AsAdmin = None,
    ) -> None:
        """NAME's security events, newest first: enrolments, failed codes, locks, unlocks, deactivation."""
        for event in _admin(as_user).approver_events(name, limit)["events"]:
            source = event["details"].get("source_ip")
            line = f"{event['created_at'][:19]}  {event['event']:<11} by {event['actor']}"
            line += f" from {source}" if source else ""
            line += f": {event['reason']}" if event["reason"] else ""
            console.print(untrusted(line))

    @approver_app.command("unlock")
    @friendly
    def unlock(
        name: Annotated[str, typer.Argument(help="The locked approver")], reason: Reason, as_user: AsAdmin = None
    ) -> None:
        """Unlock NAME after failed MFA codes locked them (check with them first that the guesses were theirs)."""
        approver = _admin(as_user).approver_action(name, "unlock", reason)
        console.print(f"{untrusted(approver['name'])} unlocked: {untrusted(_standing(approver))}")

    @approver_app.command("deactivate")
    @friendly
    def deactivate(
        name: Annotated[str, typer.Argument(help="The approver")], reason: Reason, as_user: AsAdmin = None
    ) -> None:
        """Deactivate NAME: they can no longer approve, and Publish stops counting their approvals; `enroll --replace`
        reactivates them with a new secret."""
        approver = _admin(as_user).approver_action(name, "deactivate", reason)
        console.print(f"{untrusted(approver['name'])} {untrusted(_standing(approver))}")
