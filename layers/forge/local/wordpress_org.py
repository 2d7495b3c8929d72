"""The demo's WordPress.org: a Subversion repository per plugin under FORGE_HOME/wordpress-org, laid out as
WordPress.org hands one to an approved author (trunk/, tags/, assets/), served as file:// (no server, no
credentials: it is the forge owner's own folder). The wordpress_org connector is pointed at it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from forge.errors import ForgeError
from forge.ports.repositories import Publications
from forge.private_files import private_dir

FOLDER = "wordpress-org"
LAYOUT = ("trunk", "tags", "assets")


def _run(*argv: str) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, check=False)  # noqa: S603 - Debian's svn tools, our arguments
    if done.returncode != 0:
        raise ForgeError(f"{argv[0]} {argv[1]} failed: {done.stderr.strip()[-500:]}")


def local_plugin_repository(forge_home: Path, slug: str) -> str:
    """file:// URL of <slug>'s repository, created with its layout on first use."""
    if shutil.which("svnadmin") is None or shutil.which("svn") is None:
        raise ForgeError("Subversion is not installed (Debian package subversion; ./scripts/bootstrap.sh installs it)")
    root = private_dir(forge_home / FOLDER)
    repo = root / slug
    url = repo.as_uri()
    if not (repo / "format").is_file():
        _run("svnadmin", "create", str(repo))
        _run("svn", "mkdir", "-q", "--non-interactive", "-m", "WordPress.org layout", *(f"{url}/{d}" for d in LAYOUT))
    return url


def use_local_wordpress_org(publications: Publications, forge_home: Path, slug: str) -> str:
    """Create the plugin's local repository and enable the connector on it; the repository URL."""
    url = local_plugin_repository(forge_home, slug)
    publications.configure("wordpress_org", (forge_home / FOLDER).as_uri(), {}, enabled=True)
    return url
