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


ADDONS_KEY = "addons-seller-api-key"
# The fields PrestaShop's publish-on-marketplace tool sends with module_push (docs/marketplaces.md cites it).
ADDONS_FIELDS = {"id_product", "technical_name", "display_name", "channel", "product_type", "compatible_from"}


@dataclass
class AddonsServer:
    """A loopback stand-in for the Addons seller API that checks every request against the documented shape and
    answers as the tool expects; `requests` keeps what each request carried."""

    url: str
    requests: list[dict[str, object]]


@contextmanager
def addons_server() -> Iterator[AddonsServer]:
    import email.parser
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import parse_qs, urlsplit

    seen: list[dict[str, object]] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            return

        def _answer(self, status: int, body: dict[str, object]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            url = urlsplit(self.path)
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            message = email.parser.BytesParser().parsebytes(
                b"Content-Type: " + self.headers.get("Content-Type", "").encode() + b"\r\n\r\n" + raw
            )
            parts = {p.get_param("name", header="content-disposition"): p for p in message.get_payload()}  # type: ignore[union-attr]
            fields = {k: p.get_payload(decode=True).decode() for k, p in parts.items() if k != "zip"}
            record = {
                "path": url.path,
                "query": parse_qs(url.query),
                "api_key": self.headers.get("api-key"),
                "fields": fields,
                "zip": parts["zip"].get_payload(decode=True) if "zip" in parts else None,
                "zip_name": parts["zip"].get_filename() if "zip" in parts else None,
            }
            seen.append(record)
            problems = []
            if url.path != "/request/index.php" or parse_qs(url.query).get("method") != ["module_push"]:
                problems.append("not POST /request/index.php?method=module_push")
            if self.headers.get("api-key") != ADDONS_KEY:
                self._answer(401, {"success": False, "error": "bad api-key"})
                return
            if not message.is_multipart() or "zip" not in parts:
                problems.append("no multipart zip part")
            missing = (ADDONS_FIELDS | {"type_upgrade", "change_log"}) - set(fields)
            if missing:
                problems.append(f"missing fields {sorted(missing)}")
            if fields.get("type_upgrade") not in ("updatemin", "updatemaj", "new"):
                problems.append("bad type_upgrade")
            if problems:
                self._answer(400, {"success": False, "error": "; ".join(problems)})
                return
            self._answer(200, {"success": True, "productUpload": {"id_product_upload": 4242, "status": "pending"}})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield AddonsServer(f"http://127.0.0.1:{server.server_address[1]}", seen)
    finally:
        server.shutdown()
        server.server_close()


def enable_addons(deps: PipelineDeps, server: AddonsServer, cms: str = "woocommerce") -> None:
    """The Addons connector on the loopback server. Its seed row serves prestashop; the test's package is the
    example spec's platform, so the row's cms column (the only place a platform is chosen) names it too."""
    local_secret(deps, "addons-api-key", ADDONS_KEY)
    deps.repos.publications.configure(
        "prestashop_addons", server.url, {"secret": "addons-api-key", "id_product": "46347"}, enabled=True
    )
    deps.repos.publications.db.execute(  # type: ignore[attr-defined]
        "UPDATE marketplace_connectors SET cms = array_append(cms, %s) WHERE connector_type = 'prestashop_addons'"
        " AND NOT %s = ANY(cms)",
        (cms, cms),
    )


SHOPIFY_TOKEN = "atkn_forge_test_partner_token"
SHOPIFY_CLIENT_ID = "0123456789abcdef0123456789abcdef"


@dataclass
class RefusingProxy:
    """An HTTP proxy on loopback that records what a client asks for (CONNECT host:port) and refuses it: the
    network boundary of a tool that would otherwise talk to the Internet."""

    url: str
    seen: list[str]


@contextmanager
def refusing_proxy() -> Iterator[RefusingProxy]:
    import socketserver
    import threading

    seen: list[str] = []

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            seen.append(self.rfile.readline(4096).decode("latin-1").strip())
            self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield RefusingProxy(f"http://127.0.0.1:{server.server_address[1]}", seen)
    finally:
        server.shutdown()
        server.server_close()


def enable_shopify(deps: PipelineDeps, proxy: RefusingProxy, cms: str = "woocommerce") -> None:
    local_secret(deps, "shopify-partner-token", SHOPIFY_TOKEN)
    deps.repos.publications.configure(
        "shopify_app_store",
        "https://partners.shopify.com",
        {
            "secret": "shopify-partner-token",
            "client_id": SHOPIFY_CLIENT_ID,
            "application_url": "https://pay.molam.example/shopify",
            "https_proxy": proxy.url,
        },
        enabled=True,
    )
    deps.repos.publications.db.execute(  # type: ignore[attr-defined]
        "UPDATE marketplace_connectors SET cms = array_append(cms, %s) WHERE connector_type = 'shopify_app_store'"
        " AND NOT %s = ANY(cms)",
        (cms, cms),
    )
