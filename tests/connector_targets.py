"""Real marketplaces-in-a-box for the connector tests: a Subversion repository served by svnserve on loopback with
authentication (WordPress.org), and a package released through the real Package, Sign, approvals and Publish
steps with only the connectors the test enables."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from forge.models.job import Job, Step
from forge.models.spec import load_spec
from forge.packaging.archive import zip_tree
from forge.pipeline import artifacts_layout
from forge.pipeline.deps import PipelineDeps
from forge.private_files import private_dir
from tests.integration.supply_chain.flow import EXAMPLE, approve, source_tree, step

SVN_USER = "forge-bot"
SVN_PASSWORD = "s3cret-svn-password"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class SvnServer:
    root: Path
    url: str

    def repository(self, slug: str) -> str:
        return f"{self.url}/{slug}"

    def create(self, slug: str) -> None:
        """A plugin repository as WordPress.org hands it to an approved author: trunk/, tags/, assets/."""
        repo = self.root / slug
        subprocess.run(["svnadmin", "create", str(repo)], check=True)
        (repo / "conf" / "svnserve.conf").write_text(
            "[general]\nanon-access = none\nauth-access = write\npassword-db = passwd\nrealm = wordpress-org-test\n"
        )
        (repo / "conf" / "passwd").write_text(f"[users]\n{SVN_USER} = {SVN_PASSWORD}\n")
        subprocess.run(
            ["svn", "mkdir", "-q", "-m", "layout", *(f"file://{repo}/{d}" for d in ("trunk", "tags", "assets"))],
            check=True,
        )

    def svn(self, *args: str, anonymous: bool = False) -> subprocess.CompletedProcess[str]:
        auth = [] if anonymous else ["--username", SVN_USER, "--password", SVN_PASSWORD]
        return subprocess.run(
            ["svn", "--non-interactive", "--no-auth-cache", *auth, *args], capture_output=True, text=True, check=False
        )

    def cat(self, slug: str, path: str) -> bytes:
        done = subprocess.run(["svn", "cat", f"file://{self.root}/{slug}/{path}"], capture_output=True, check=True)
        return done.stdout

    def log(self, slug: str) -> str:
        return subprocess.run(
            ["svn", "log", "-v", f"file://{self.root}/{slug}"], capture_output=True, text=True, check=True
        ).stdout

    def ls(self, slug: str, path: str) -> list[str]:
        done = subprocess.run(["svn", "ls", f"file://{self.root}/{slug}/{path}"], capture_output=True, text=True)
        return done.stdout.split() if done.returncode == 0 else []


@contextmanager
def svnserve(root: Path) -> Iterator[SvnServer]:
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    process = subprocess.Popen(
        [
            "svnserve",
            "--daemon",
            "--foreground",
            "--listen-host",
            "127.0.0.1",
            "--listen-port",
            str(port),
            "-r",
            str(root),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield SvnServer(root, f"svn://127.0.0.1:{port}")
    finally:
        process.terminate()
        process.wait(timeout=10)


def local_secret(deps: PipelineDeps, name: str, value: str, schedule: str | None = "90 days") -> None:
    """A credential in the local runtime's secret folder, referenced from forge_secrets (never in a row)."""
    folder = private_dir(deps.settings.forge_home / "secrets")
    path = folder / name
    path.write_text(value)
    path.chmod(0o600)
    deps.repos.publications.register_secret(name, f"forge-home:{name}", schedule)


def enable_wordpress_org(deps: PipelineDeps, server: SvnServer) -> None:
    local_secret(deps, "wporg-svn", SVN_PASSWORD)
    deps.repos.publications.configure(
        "wordpress_org", server.url, {"username": SVN_USER, "secret": "wporg-svn"}, enabled=True
    )


def wordpress_tree(slug: str, version: str, extra: str = "") -> dict[str, bytes]:
    tree = source_tree(slug, version)
    tree["readme.txt"] = (
        f"=== Test ===\nContributors: molam\nRequires at least: 6.2\nTested up to: 6.6\nStable tag: {version}\n"
        f"License: GPLv2 or later\n\nA test plugin.{extra}\n"
    ).encode()
    return tree


def approved_job(deps: PipelineDeps, version: str | None = None, extra: str = "") -> Job:
    """Packaged, signed and approved by two people: what Publish is handed."""
    spec = load_spec(EXAMPLE)
    if version:
        spec = spec.model_copy(update={"version": version})
    job, _ = deps.repos.jobs.create(spec, "tester", None)
    deps.artifacts.put(artifacts_layout.source_zip(job.id), zip_tree(wordpress_tree(spec.slug, spec.version, extra)))
    step(deps, job, Step.PACKAGE)
    step(deps, job, Step.SIGN)
    job = deps.repos.jobs.get(job.id)
    assert job.plugin_package_id is not None
    approve(deps, job.plugin_package_id, "alice", "bob")
    return job


def published_job(deps: PipelineDeps, version: str | None = None, extra: str = "") -> Job:
    job = approved_job(deps, version, extra)
    step(deps, job, Step.PUBLISH)
    return deps.repos.jobs.get(job.id)
