"""Shopify: an app version released with the real Shopify CLI (npm @shopify/cli, pinned by scripts/bootstrap.sh),
`shopify app deploy` run as a subprocess with the Partner token from forge_secrets (SHOPIFY_CLI_PARTNERS_TOKEN, the
CLI's documented CI variable), never on the command line.

The release's files become the app folder; shopify.app.toml is written from the connector's settings when the app
does not carry one (config: client_id, application_url, scopes, api_version). The CLI's first step is to exchange
the token with Shopify's accounts service: that network call, and everything after it (the version upload and its
release on the Partner side, the App Store listing and review), is not exercised here; docs/marketplaces.md says so.

Shopify deletes no released version: a retraction waits on a person (release an earlier version from the Partner
Dashboard, or unlist the app), with the steps in manual_action.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from forge.config import Settings
from forge.errors import ForgeError
from forge.models.publication import MarketplaceConnector
from forge.packaging.archive import unzip_tree, write_tree
from forge.paths import repo_root
from forge.ports.connectors import ConnectorResult, RetractionTarget, SecretStore, VerifiedRelease

CLI_VERSION = "3.94.2"
TIMEOUT_SECONDS = 600
APP_CONFIG = "shopify.app.toml"
DEFAULT_SCOPES = "write_payment_gateways,write_payment_sessions"
WITHDRAW_STEPS = (
    "Shopify keeps every released app version: in the Partner Dashboard (Apps > {name} > Versions) release the "
    "previous good version, or unlist the app until a fixed version is released; then mark this publication done"
)


def default_cli() -> Path:
    """Where scripts/bootstrap.sh installs the pinned CLI (FORGE_SHOPIFY_CLI overrides)."""
    return repo_root() / ".tools" / "shopify-cli" / "node_modules" / ".bin" / "shopify"


@dataclass(frozen=True)
class Deployment:
    """What the CLI is given: its command, the app folder (the files it would send) and its environment."""

    argv: list[str]
    app: Path
    env: dict[str, str]


def app_config(config: dict[str, object], name: str) -> bytes:
    url = str(config.get("application_url") or "")
    if not url.startswith("https://"):
        raise ForgeError("Shopify connector config 'application_url' must be the app's https URL")
    lines = [
        f'client_id = "{config["client_id"]}"',
        f'name = "{name}"',
        f'application_url = "{url}"',
        "embedded = true",
        "",
        "[access_scopes]",
        f'scopes = "{config.get("scopes") or DEFAULT_SCOPES}"',
        "",
        "[auth]",
        f'redirect_urls = ["{url.rstrip("/")}/auth/callback"]',
        "",
        "[webhooks]",
        f'api_version = "{config.get("api_version") or "2024-10"}"',
        "",
    ]
    return "\n".join(lines).encode()


class ShopifyConnector:
    connector_type = "shopify_app_store"

    def __init__(self, cli: Path, token: str, config: dict[str, object]) -> None:
        self.cli = cli
        self.token = token
        self.config = config

    @classmethod
    def from_row(cls, row: MarketplaceConnector, settings: Settings, secrets: SecretStore) -> ShopifyConnector:
        if not row.secret_name:
            raise ForgeError(f"{row.name}: config 'secret' must name the forge_secrets row holding the Partner token")
        if not row.config.get("client_id"):
            raise ForgeError(f"{row.name}: config 'client_id' (the app's client id) is required")
        cli = Path(os.environ.get("FORGE_SHOPIFY_CLI") or default_cli())
        if not cli.is_file():
            raise ForgeError(f"the Shopify CLI is not installed at {cli}: run ./scripts/bootstrap.sh")
        return cls(cli, secrets.read(row.secret_name), row.config)

    def prepare(self, release: VerifiedRelease, work: Path) -> Deployment:
        app = work / "app"
        tree = unzip_tree(release.zip_bytes, strip_prefix=release.slug)
        tree.setdefault(APP_CONFIG, app_config(self.config, release.slug))
        write_tree(tree, app)
        argv = [
            str(self.cli),
            "app",
            "deploy",
            "--path",
            str(app),
            "--client-id",
            str(self.config["client_id"]),
            "--allow-updates",
            "--version",
            release.version,
            "--message",
            f"{release.name} {release.version}: Plugin Forge job {release.job_id}",
            "--no-color",
        ]
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(work),
            "CI": "1",
            "SHOPIFY_CLI_NO_ANALYTICS": "1",
            "SHOPIFY_CLI_PARTNERS_TOKEN": self.token,
        }
        proxy = self.config.get("https_proxy")
        if proxy:
            # The CLI's own proxy variables (global-agent, SHOPIFY_ namespace): egress through the operator's proxy.
            env["SHOPIFY_HTTPS_PROXY"] = env["SHOPIFY_HTTP_PROXY"] = str(proxy)
        return Deployment(argv, app, env)

    def deploy(self, deployment: Deployment) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - the pinned CLI; every argument is ours
            deployment.argv,
            cwd=deployment.app,
            env=deployment.env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )

    def publish(self, release: VerifiedRelease) -> ConnectorResult:
        with tempfile.TemporaryDirectory(prefix="forge-shopify-") as name:
            done = self.deploy(self.prepare(release, Path(name)))
        said = (done.stdout + done.stderr).replace(self.token, "***").strip()[-800:]
        if done.returncode != 0:
            return ConnectorResult.failed(f"shopify app deploy exited {done.returncode}: {said}")
        return ConnectorResult.done(
            f"shopify app deploy released version {release.version}: {said[-300:]}", external_id=release.version
        )

    def status(self, external_id: str) -> str:
        return f"app version {external_id}: see the Partner Dashboard (the CLI has no status command for a version)"

    def retract(self, target: RetractionTarget) -> ConnectorResult:
        return ConnectorResult.manual(
            f"{target.version} revoked ({target.reason[:200]}); Shopify cannot delete a released version",
            WITHDRAW_STEPS.format(name=target.slug),
        )
