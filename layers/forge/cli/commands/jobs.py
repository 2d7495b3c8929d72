"""Job and approval commands: clients of the ops API."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from forge.cli.client import ForgeClient, spec_payload
from forge.cli.listing import JsonFlag, new_table, print_json, print_table
from forge.cli.output import console, friendly, untrusted
from forge.cli.progress import ICONS, Follower
from forge.models.job import JobStatus
from forge.models.package import ApprovalStatus


def print_approval_hint(detail: dict[str, Any]) -> None:
    request = detail.get("approval_request")
    if request and request["status"] == ApprovalStatus.PENDING:
        job_id = untrusted(detail["job"]["id"])
        console.print(f"\n[bold]Waiting for {untrusted(request['required_approvals'])} approvals.[/] Approvers run:")
        console.print(f"  forge approve {job_id} --as <approver>")


def register(app: typer.Typer, db_app: typer.Typer) -> None:  # noqa: C901 - the sum of its commands (each <= 4)
    @app.command()
    @friendly
    def run(
        spec: Annotated[Path, typer.Argument(help="Plugin spec (YAML or JSON)")],
        idempotency_key: Annotated[str | None, typer.Option(help="Same key, same job")] = None,
        follow_progress: Annotated[bool, typer.Option("--follow/--no-follow", help="Show live progress")] = True,
    ) -> None:
        """Submit a plugin spec and follow it until it waits for approval or ends."""
        payload = spec_payload(spec)
        client = ForgeClient()
        job = client.submit(payload, idempotency_key)
        console.print(
            f"job [bold]{untrusted(job['id'])}[/] {untrusted(payload['slug'])} {untrusted(payload['version'])} "
            f"({untrusted(job['status'])})"
        )
        if not follow_progress:
            return
        detail = Follower(client, job["id"], console).follow()
        status = detail["job"]["status"]
        if status == JobStatus.AWAITING_APPROVAL:
            print_approval_hint(detail)
        elif status != JobStatus.SUCCESS:
            console.print(f"[red]job {untrusted(status)}:[/] {untrusted(detail['job']['error'] or '', multiline=True)}")
            raise typer.Exit(1)

    @app.command()
    @friendly
    def approve(
        job_id: Annotated[str, typer.Argument(help="The job waiting for approval")],
        as_user: Annotated[str | None, typer.Option("--as", help="Approver name (local runtime)")] = None,
        reject: Annotated[bool, typer.Option("--reject", help="Reject instead of approve")] = False,
        comment: Annotated[str | None, typer.Option(help="Reason, recorded with the decision")] = None,
        code: Annotated[
            str | None, typer.Option("--code", help="TOTP code from your authenticator (local runtime: optional)")
        ] = None,
    ) -> None:
        """Approve (or reject) the package a job is waiting on."""
        client = ForgeClient(user=as_user)
        detail = client.job(job_id)
        request = detail.get("approval_request")
        if not request or request["status"] != ApprovalStatus.PENDING:
            raise typer.BadParameter(f"job {job_id} is {detail['job']['status']}; nothing awaits approval")
        result = client.decide(request["id"], approve=not reject, comment=comment, mfa_code=code)
        verb = "rejected" if reject else "approved"
        console.print(
            f"{untrusted(result['approval']['approver_id'])} {verb} job {untrusted(job_id)}; request is "
            f"{untrusted(result['request']['status'])}" + (" (workflow released)" if result["released"] else "")
        )

    @app.command("jobs")
    @friendly
    def list_jobs(
        status: Annotated[str | None, typer.Option(help="Filter by status")] = None,
        cms: Annotated[str | None, typer.Option(help="Filter by platform")] = None,
        requested_by: Annotated[str | None, typer.Option(help="Filter by requester")] = None,
        limit: Annotated[int, typer.Option(min=1, max=200)] = 20,
        as_json: Annotated[bool, JsonFlag] = False,
    ) -> None:
        """List recent jobs, newest first."""
        page = ForgeClient().jobs(status=status, cms=cms, requested_by=requested_by, limit=limit)
        if as_json:
            print_json(page)
            return
        # The id is what `forge job ID` needs whole, and a status is read at a glance: neither is ever folded.
        table = new_table("job", "status", other=("plugin", "step", "requested by", "created"))
        for job in page["items"]:
            cells = (
                job["id"],
                job["status"],
                f"{job['slug']} {job['version']}",
                job["current_step"] or "",
                job["requested_by"],
                job["created_at"][:19],
            )
            table.add_row(*(untrusted(cell, multiline=True) for cell in cells))
        print_table(table)

    @app.command("job")
    @friendly
    def show_job(
        job_id: Annotated[str, typer.Argument(help="Job id")],
        logs: Annotated[bool, typer.Option("--logs/--no-logs", help="Print each run's logs")] = True,
        as_json: Annotated[bool, JsonFlag] = False,
    ) -> None:
        """A job's runs and logs."""
        client = ForgeClient()
        detail = client.job(job_id)
        if as_json:
            print_json(detail)
            return
        job = detail["job"]
        console.print(
            f"job [bold]{untrusted(job['id'])}[/]  {untrusted(job['slug'])} {untrusted(job['version'])}  "
            f"[bold]{untrusted(job['status'])}[/]" + (f"  error: {untrusted(job['error'])}" if job["error"] else "")
        )
        table = new_table("step", "attempt", "status", "duration", other=("note",))
        for run in detail["runs"]:
            ms = run["duration_ms"]
            table.add_row(
                untrusted(run["step"]),
                untrusted(run["attempt"]),
                f"{ICONS.get(run['status'], '')} {untrusted(run['status'])}",
                f"{ms / 1000:.1f}s" if ms is not None else "",
                untrusted(run["error"] or run["artifacts"].get("summary", ""), multiline=True),
            )
        print_table(table)
        if logs:
            for run in client.logs(job_id)["runs"]:
                console.rule(untrusted(f"{run['step']} (attempt {run['attempt']}, {run['status']})"))
                console.print(untrusted(run["text"].rstrip(), multiline=True), highlight=False)
        print_approval_hint(detail)

    @app.command("approvals")
    @friendly
    def list_approvals(
        status: Annotated[
            ApprovalStatus, typer.Option(help="pending (waiting for approvers), approved, rejected, ...")
        ] = ApprovalStatus.PENDING,
        limit: Annotated[int, typer.Option(min=1, max=200)] = 50,
        as_json: Annotated[bool, JsonFlag] = False,
    ) -> None:
        """Approval requests: the pending ones, waiting longest first."""
        queue = ForgeClient().approvals(status=status.value, limit=limit)
        if as_json:
            print_json(queue)
            return
        # The job id is what `forge approve JOB` takes; the request id is in --json.
        table = new_table("job", "status", other=("plugin", "requested by", "approved by", "since"))
        for item in queue["items"]:
            request, package = item["request"], item["package"]
            approvers = ", ".join(a["approver_id"] for a in item["approvals"] if a["approved"])
            cells = (
                request["job_id"] or "",
                request["status"],
                f"{package['slug']} {package['version']}",
                request["requested_by"],
                f"{approvers or '-'} ({sum(a['approved'] for a in item['approvals'])}/{request['required_approvals']})",
                request["created_at"][:19],
            )
            table.add_row(*(untrusted(cell, multiline=True) for cell in cells))
        print_table(table)

    @app.command()
    @friendly
    def cancel(job_id: Annotated[str, typer.Argument(help="Job id")]) -> None:
        """Stop a job's execution and mark it cancelled."""
        job = ForgeClient().cancel(job_id)
        console.print(f"job {untrusted(job['id'])} {untrusted(job['status'])}")

    @app.command()
    @friendly
    def retry(job_id: Annotated[str, typer.Argument(help="A failed job")]) -> None:
        """Start a failed job again from the step that failed."""
        client = ForgeClient()
        job = client.retry(job_id)
        console.print(f"job {untrusted(job['id'])} {untrusted(job['status'])}")
        detail = Follower(client, job_id, console).follow()
        if detail["job"]["status"] == JobStatus.AWAITING_APPROVAL:
            print_approval_hint(detail)
