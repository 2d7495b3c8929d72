"""WordPress.org Plugin Directory, over Subversion as plugin authors use it (https://developer.wordpress.org/plugins/
wordpress-org/how-to-use-subversion/): the plugin's files in trunk/, each release copied to tags/<version>, listing
images in assets/, and trunk/readme.txt's `Stable tag` naming the release; one commit whose message names the job.

A version already tagged is never changed: the same bytes again is a success (a retried publication), different
bytes are refused. WordPress.org deletes nothing for an author, so a retraction does what an author can: trunk goes
back to the last good release (Stable tag with it) and the revoked tag is removed, in one recorded commit; with no
earlier release, the listing must be closed by a committer on wordpress.org (Advanced tab, "Close this plugin",
https://make.wordpress.org/plugins/tag/close/), which the publication waits for as a person's action.

The repository of plugin <slug> is <base_url>/<slug> (https://plugins.svn.wordpress.org/<slug>; a local
`svnserve` or file:// repository in tests and the demo). Credentials: config "username" and the password in the
forge_secrets row config "secret" names.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping
from pathlib import Path

from forge.config import Settings
from forge.errors import ForgeError
from forge.models.publication import MarketplaceConnector
from forge.packaging.archive import safe_relative_path, tree_from_dir, unzip_tree, write_tree
from forge.ports.connectors import ConnectorResult, RetractionTarget, SecretStore, VerifiedRelease
from forge.publishing.listing_assets import listing_assets
from forge.publishing.svn import Svn, SvnCredentials

README = "readme.txt"
_STABLE_TAG = re.compile(r"^(Stable tag:[ \t]*)(\S+)[ \t]*$", re.MULTILINE | re.IGNORECASE)
CLOSE_ROUTE = (
    "Close the listing on wordpress.org: log in with a committer account, open the plugin's Advanced tab, "
    "'Close this plugin' (https://make.wordpress.org/plugins/tag/close/); then mark this publication done"
)


def stable_tag(readme: bytes) -> str | None:
    found = _STABLE_TAG.search(readme.decode("utf-8", "replace"))
    return found.group(2) if found else None


def with_stable_tag(readme: bytes, version: str) -> bytes:
    text = readme.decode("utf-8")
    if _STABLE_TAG.search(text):
        return _STABLE_TAG.sub(lambda m: m.group(1) + version, text, count=1).encode()
    return text.replace("\n\n", f"\nStable tag: {version}\n\n", 1).encode()


def plugin_tree(release: VerifiedRelease) -> dict[str, bytes]:
    """trunk/ as WordPress.org wants it: the plugin's files at the top (the zip's <slug>/ folder stripped)."""
    return unzip_tree(release.zip_bytes, strip_prefix=release.slug)


class WordPressOrgConnector:
    connector_type = "wordpress_org"

    def __init__(self, base_url: str, credentials: SvnCredentials | None, listing_url: str = "") -> None:
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.listing_url = listing_url

    @classmethod
    def from_row(cls, row: MarketplaceConnector, settings: Settings, secrets: SecretStore) -> WordPressOrgConnector:
        credentials = None
        if row.secret_name:
            username = str(row.config.get("username") or "")
            if not username:
                raise ForgeError(f"{row.name}: config names a secret but no username")
            credentials = SvnCredentials(username, secrets.read(row.secret_name))
        elif not row.base_url.startswith("file://"):
            raise ForgeError(f"{row.name}: a remote repository needs config 'username' and 'secret'")
        return cls(row.base_url, credentials, str(row.config.get("listing_url") or ""))

    def repository(self, slug: str) -> str:
        return f"{self.base_url}/{safe_relative_path(slug).as_posix()}"

    def _listing(self, slug: str) -> str:
        return self.listing_url.format(slug=slug) if self.listing_url else self.repository(slug)

    def _svn(self, tmp: Path) -> Svn:
        config = tmp / "svn-config"
        config.mkdir(mode=0o700)
        return Svn(config, self.credentials)

    def publish(self, release: VerifiedRelease) -> ConnectorResult:
        tree = plugin_tree(release)
        if README not in tree:
            return ConnectorResult.failed("WordPress.org lists a plugin from its readme.txt; the release has none")
        note = ""
        if stable_tag(tree[README]) != release.version:
            tree[README] = with_stable_tag(tree[README], release.version)
            note = f"; readme.txt Stable tag set to {release.version} in trunk"
        with tempfile.TemporaryDirectory(prefix="forge-wporg-") as name:
            tmp = Path(name)
            svn = self._svn(tmp)
            url = self.repository(release.slug)
            tag = f"{url}/tags/{release.version}"
            if svn.exists(tag):
                return self._already_tagged(svn, tmp, tag, tree, release)
            wc = self._checkout(svn, url, tmp / "wc")
            self._sync(svn, wc / "trunk", tree)
            self._add_assets(svn, wc / "assets", release.slug)
            svn.run("copy", str(wc / "trunk"), str(wc / "tags" / release.version))
            message = (
                f"Release {release.slug} {release.version} (Plugin Forge job {release.job_id}, "
                f"package {release.package_id})"
            )
            done = svn.run("commit", "-m", message, str(wc))
        revision = Svn.committed_revision(done.stdout)
        return ConnectorResult.done(
            f"committed r{revision}: trunk, tags/{release.version}, assets/; Stable tag {release.version}{note}",
            external_id=f"{tag}@{revision}",
            url=self._listing(release.slug),
        )

    def _already_tagged(
        self, svn: Svn, tmp: Path, tag: str, tree: Mapping[str, bytes], release: VerifiedRelease
    ) -> ConnectorResult:
        svn.run("export", tag, str(tmp / "tagged"))
        tagged = tree_from_dir(tmp / "tagged")
        if tagged == dict(tree):
            return ConnectorResult.done(
                f"tags/{release.version} already holds these bytes", external_id=tag, url=self._listing(release.slug)
            )
        return ConnectorResult.failed(
            f"tags/{release.version} already exists with different content: refused (a released version is never "
            "changed on WordPress.org; release a new version)"
        )

    def _checkout(self, svn: Svn, url: str, wc: Path) -> Path:
        """trunk/ and assets/ in full, tags/ empty (a real plugin's tags hold every release ever made)."""
        svn.run("checkout", "--depth", "immediates", url, str(wc))
        for folder in ("trunk", "assets", "tags"):
            if not (wc / folder).is_dir():
                svn.run("mkdir", str(wc / folder))
            elif folder != "tags":
                svn.run("update", "--set-depth", "infinity", str(wc / folder))
        return wc

    def _sync(self, svn: Svn, trunk: Path, tree: Mapping[str, bytes]) -> None:
        """trunk/ becomes exactly `tree`: files it no longer has are removed from version control."""
        current = tree_from_dir(trunk, exclude=(".svn",))
        gone = sorted(set(current) - set(tree))
        if gone:
            svn.run("rm", "--force", *(str(trunk / name) for name in gone))
        write_tree(tree, trunk)
        svn.run("add", "--force", "--parents", str(trunk))

    def _add_assets(self, svn: Svn, assets: Path, slug: str) -> None:
        for name, data in listing_assets(slug).items():
            if not (assets / name).exists():
                (assets / name).write_bytes(data)
                svn.run("add", str(assets / name))
                svn.run("propset", "svn:mime-type", "image/png", str(assets / name))

    def status(self, external_id: str) -> str:
        tag = external_id.rsplit("@", 1)[0]
        with tempfile.TemporaryDirectory(prefix="forge-wporg-") as name:
            present = self._svn(Path(name)).exists(tag)
        return f"{tag} {'is in the repository' if present else 'is NOT in the repository'}"

    def retract(self, target: RetractionTarget) -> ConnectorResult:
        with tempfile.TemporaryDirectory(prefix="forge-wporg-") as name:
            tmp = Path(name)
            svn = self._svn(tmp)
            url = self.repository(target.slug)
            if not svn.exists(f"{url}/tags/{target.version}"):
                return ConnectorResult.done(f"tags/{target.version} is not in the repository: nothing to retract")
            if target.last_good is None:
                return ConnectorResult.manual(
                    f"no earlier release to point Stable tag back at; {target.version} stays listed until closed",
                    CLOSE_ROUTE,
                )
            good = target.last_good
            wc = self._checkout(svn, url, tmp / "wc")
            self._sync(svn, wc / "trunk", plugin_tree(good))
            svn.run("update", "--set-depth", "immediates", str(wc / "tags"))
            svn.run("rm", str(wc / "tags" / target.version))
            message = (
                f"Retract {target.slug} {target.version} (revoked: {target.reason[:200]}; Plugin Forge job "
                f"{target.job_id}): trunk and Stable tag back to {good.version}, tags/{target.version} removed"
            )
            done = svn.run("commit", "-m", message, str(wc))
        revision = Svn.committed_revision(done.stdout)
        return ConnectorResult.done(
            f"r{revision}: Stable tag back to {good.version}, tags/{target.version} removed (sites that installed "
            f"{target.version} keep it: WordPress.org offers no downgrade; they learn of it from revocations.json)"
        )
