"""FORGE_HOME, the local forge's state and secrets: a folder only its owner can list or enter.

Everything that creates or uses it locally goes through forge_home(): created 0700, or tightened with a warning
when found open to others. Run as root with the embedded Postgres, the server's group may pass through (0710):
see forge.local.postgres.
"""

from __future__ import annotations

from pathlib import Path

from forge.config import Settings, get_settings
from forge.local.postgres import server_group
from forge.private_files import private_dir


def forge_home(settings: Settings | None = None) -> Path:
    return private_dir((settings or get_settings()).forge_home, traverse_gid=server_group())


def private_subdir(name: str, settings: Settings | None = None) -> Path:
    """A private folder directly in FORGE_HOME (logs, auth, ...)."""
    return private_dir(forge_home(settings) / name)
