"""Local runtime commands: up, demo, db migrate, token."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from forge.cli.client import ForgeClient, running_api_url, spec_payload
from forge.cli.output import console, err, friendly, untrusted
from forge.cli.progress import Follower
from forge.config import get_settings
from forge.errors import ForgeError
from forge.models.job import JobStatus, RunStatus, Step

DEMO_REQUESTER = "demo-ops"
DEMO_APPROVERS = ("alice", "bob")
# The seed's name for the WordPress.org connector (migration 001), as the Publish run's artifacts list it.
WORDPRESS_ORG = "WordPress.org Plugin Directory"
DEFAULT_SPEC = Path(__file__).resolve().parents[4] / "examples" / "woocommerce.yaml"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _local_wordpress_org(slug: str) -> str:
    """The demo's WordPress.org-style Subversion repository in FORGE_HOME, with the connector pointed at it."""
    from forge.cli.database import local_deps
    from forge.local.wordpress_org import use_local_wordpress_org

    with local_deps() as deps:
        return use_local_wordpress_org(deps.repos.publications, deps.settings.forge_home, slug)


class RuntimeProcess:
    """`forge up` as a child process, its JSON logs in a file, so the demo's output stays readable."""

    def __init__(self) -> None:
        from forge.local.home import private_subdir

        self.port = _free_port()
        logs = private_subdir("logs")
        self.log_path = logs / f"runtime-{datetime.now(UTC):%Y%m%dT%H%M%S}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 120) -> str:
        log = self.log_path.open("wb")
        self.proc = subprocess.Popen(  # noqa: S603 - this interpreter running the forge's own CLI
            [sys.executable, "-m", "forge.cli.main", "up", "--port", str(self.port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=os.environ.copy(),
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                tail = self.log_path.read_text(errors="replace")[-3000:]
                raise ForgeError(
                    f"the local runtime exited with {self.proc.returncode}; its log "
                    f"({self.log_path}) ends with:\n{tail}"
                )
            if running_api_url() == url:
                import requests

                try:
                    if requests.get(f"{url}/api/v1/forge/health", timeout=2).ok:
                        return url
                except requests.RequestException:
                    pass
            time.sleep(0.2)
        self.stop()
        raise ForgeError(f"the local runtime did not come up within {timeout_s:.0f}s; see {self.log_path}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def register(app: typer.Typer, db_app: typer.Typer) -> None:  # noqa: C901 - the sum of its commands (each <= 10)
    @app.command()
    @friendly
    def up(
        port: Annotated[int, typer.Option(help="API port on the host", min=0, max=65535)] = 8080,
        host: Annotated[str, typer.Option(help="Interface to bind (loopback by default)")] = "127.0.0.1",
    ) -> None:
        """Start the local runtime (Postgres, SoftHSM, Step Functions on moto, the API) until Ctrl-C."""
        from forge.local.runtime import LocalRuntime

        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        runtime = LocalRuntime(port=port, host=host)
        runtime.start()
        try:
            for job_id, action in runtime.reconciled:
                err.print(f"reconciled job {untrusted(job_id)}: {untrusted(action)}")
            err.print(
                f"forge API on {runtime.api_url}/api/v1/forge (Swagger UI: {runtime.api_url}/api/v1/forge/docs)"
                f"; state in {untrusted(get_settings().forge_home)}; Ctrl-C stops"
            )
            err.print(f"ops UI: {runtime.ui_url}  (the part after # signs you in: keep it to yourself)", soft_wrap=True)
            stop.wait()
        finally:
            runtime.stop()
            err.print("local runtime stopped")

    @app.command()
    @friendly
    def demo(
        spec: Annotated[Path, typer.Argument(help="Plugin spec")] = DEFAULT_SPEC,
    ) -> None:
        """Run a spec through every step, approve it as two demo approvers, verify, print the release folder."""
        from forge.publishing.release import merchant_commands
        from forge.signing.release_check import check_release

        payload = spec_payload(spec)
        svn_url = _local_wordpress_org(payload["slug"])
        runtime = None
        url = running_api_url()
        if url is None:
            runtime = RuntimeProcess()
            console.print(f"starting the local runtime (log: {runtime.log_path})")
            url = runtime.start()
        try:
            client = ForgeClient(url, user=DEMO_REQUESTER)
            job = client.submit(payload)
            job_id = job["id"]
            console.print(
                f"job [bold]{untrusted(job_id)}[/]: {untrusted(payload['name'])} {untrusted(payload['version'])} "
                f"for {untrusted(payload['platform'])}"
            )
            follower = Follower(client, job_id, console)
            detail = follower.follow()
            if detail["job"]["status"] == JobStatus.AWAITING_APPROVAL:
                for approver in DEMO_APPROVERS:
                    result = ForgeClient(url, user=approver).decide(
                        detail["approval_request"]["id"], True, "demo approval"
                    )
                    console.print(
                        f"  [green]✓[/] approved by {approver}" + ("; workflow released" if result["released"] else "")
                    )
                detail = follower.follow(stop_at_approval=False)
            if detail["job"]["status"] != JobStatus.SUCCESS:
                raise ForgeError(
                    f"job {job_id} ended {detail['job']['status']}: {detail['job']['error']}; see `forge job {job_id}`"
                )
            runs = reversed(detail["runs"])
            publish = next(r for r in runs if r["step"] == Step.PUBLISH and r["status"] == RunStatus.SUCCESS)
            if "folder" not in publish["artifacts"]:
                raise ForgeError(
                    f"the demo checks a release folder, but this forge published to {publish['artifacts']['location']}"
                    " (FORGE_MARKETPLACE=s3); download it and run `forge verify DIR`"
                )
            folder = Path(publish["artifacts"]["folder"])
            # None when the WordPress.org connector does not serve this platform (its row's cms).
            wordpress = publish["artifacts"].get("publications", {}).get(WORDPRESS_ORG)
        finally:
            if runtime is not None:
                runtime.stop()
                console.print("local runtime stopped")
        report = check_release(folder)
        for check in report.checks:
            mark = "[green]✓[/]" if check.ok else "[red]✗[/]"
            console.print(f"  {mark} {untrusted(check.name)}: {untrusted(check.detail)}", soft_wrap=True)
        if not report.ok:
            raise ForgeError(f"the published release in {folder} does not verify")
        console.print("\nA merchant verifies it with nothing but openssl and coreutils:")
        for line in merchant_commands(folder, payload["slug"], payload["version"]):
            console.print(f"  {untrusted(line)}", soft_wrap=True)
        console.print(f"PUBLISHED: {untrusted(folder)}", soft_wrap=True)
        ui = f"{url}/" if runtime is None else "http://127.0.0.1:8080/ once `forge up` runs (it prints the sign-in URL)"
        console.print(f"Ops UI (dashboard, approvals, packages): {ui}", soft_wrap=True)
        if wordpress is not None:
            if not wordpress.startswith("published"):
                raise ForgeError(f"WordPress.org publication did not succeed: {wordpress}")
            console.print(f"WORDPRESS.ORG SVN: {untrusted(svn_url)}", soft_wrap=True)

    @db_app.command("migrate")
    @friendly
    def db_migrate() -> None:
        """Apply pending migrations (DATABASE_URL, else the embedded Postgres in FORGE_HOME)."""
        from forge.cli.database import command_dsn
        from forge.db.migrate import available_migrations, migrate

        with command_dsn() as dsn:
            applied = migrate(dsn)
        for m in applied:
            console.print(f"applied {m.version:03d}_{m.name}")
        console.print(f"database at version {available_migrations()[-1].version:03d} ({len(applied)} applied now)")

    @app.command("ui-url")
    @friendly
    def ui_url() -> None:
        """Print the ops UI's sign-in URL for the running local runtime (it holds the FORGE_HOME sign-in key)."""
        from forge.local.home import private_subdir
        from forge.local.sign_in import sign_in_key

        url = running_api_url()
        if url is None:
            raise ForgeError("no local runtime serves this FORGE_HOME: start one with `forge up`")
        typer.echo(f"{url}/#sign-in-key={sign_in_key(private_subdir('auth'))}")

    @app.command()
    @friendly
    def token(
        user: Annotated[str, typer.Option(help="User the token names")],
        role: Annotated[str, typer.Option(help="ops or admin")] = "ops",
        ttl: Annotated[int, typer.Option(help="Lifetime in seconds", min=60, max=7 * 86400)] = 12 * 3600,
    ) -> None:
        """Print a bearer token for the local API (the last line of output)."""
        from forge.local.home import private_subdir
        from forge.local.tokens import LocalIssuer, TokenError

        try:
            value = LocalIssuer(private_subdir("auth")).mint(user, role, ttl)
        except TokenError as exc:
            raise ForgeError(str(exc)) from None
        err.print(f"token for {user} ({role}), valid {ttl}s; send it as 'Authorization: Bearer <token>'")
        typer.echo(value)
