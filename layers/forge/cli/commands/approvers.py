"""`forge approver enroll NAME`: an API client; an admin enrols an approver's TOTP secret."""

from __future__ import annotations

from typing import Annotated

import typer

from forge.cli.client import ApiError, ForgeClient, default_user, local_authenticator
from forge.cli.groups import command_group
from forge.cli.output import console, err, friendly, untrusted
from forge.errors import ForgeError


def register(app: typer.Typer, db_app: typer.Typer) -> None:
    approver_app = command_group(app, "approver", "Approvers' MFA (TOTP).")

    @approver_app.command("enroll")
    @friendly
    def enroll(
        name: Annotated[str, typer.Argument(help="The approver's user name (as in their token)")],
        replace: Annotated[bool, typer.Option("--replace", help="Issue a new secret to an enrolled approver")] = False,
        as_user: Annotated[str | None, typer.Option("--as", help="Admin doing the enrolment")] = None,
    ) -> None:
        """Enrol NAME for TOTP MFA and print the otpauth URI to scan into an authenticator app (once)."""
        client = ForgeClient(user=as_user or default_user(), role="admin")
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
