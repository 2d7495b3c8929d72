"""The Subversion command-line client, as a WordPress.org plugin author runs it: non-interactive, credentials never
cached and never on the command line (the password goes in on stdin), its own configuration folder (nothing read
from or written to ~/.subversion), and a time limit on every command."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from forge.errors import ForgeError, TransientError

TIMEOUT_SECONDS = 300
_COMMITTED = re.compile(r"Committed revision (\d+)\.")
# What svn says when the server cannot be reached: worth a retry, not a verdict on the release.
_UNREACHABLE = ("E170013", "E000111", "E670002", "E175002", "E000110")


@dataclass(frozen=True)
class SvnCredentials:
    username: str
    password: str


class Svn:
    def __init__(self, config_dir: Path, credentials: SvnCredentials | None = None) -> None:
        self.config_dir = config_dir
        self.credentials = credentials

    def run(self, *args: str, cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        argv = ["svn", "--non-interactive", "--no-auth-cache", "--config-dir", str(self.config_dir)]
        stdin = None
        if self.credentials is not None:
            argv += ["--username", self.credentials.username, "--password-from-stdin"]
            stdin = self.credentials.password + "\n"
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "HOME": str(self.config_dir)}
        try:
            done = subprocess.run(  # noqa: S603 - a fixed program; the arguments are ours
                [*argv, *args],
                cwd=cwd,
                input=stdin,
                capture_output=True,
                text=True,
                env=env,
                timeout=TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise TransientError(f"svn {args[0]} took longer than {TIMEOUT_SECONDS} s") from None
        if check and done.returncode != 0:
            said = done.stderr.strip()[-800:]
            if any(code in said for code in _UNREACHABLE):
                raise TransientError(f"svn {args[0]}: the repository cannot be reached: {said}")
            raise ForgeError(f"svn {args[0]} failed: {said}")
        return done

    def exists(self, url: str) -> bool:
        done = self.run("info", url, check=False)
        if done.returncode == 0:
            return True
        if "E170000" in done.stderr or "W170000" in done.stderr or "non-existent" in done.stderr:
            return False
        raise ForgeError(f"svn info {url} failed: {done.stderr.strip()[-800:]}")

    @staticmethod
    def committed_revision(output: str) -> int | None:
        found = _COMMITTED.search(output)
        return int(found.group(1)) if found else None
