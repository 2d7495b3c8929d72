"""The built ops UI (`ui/dist`, `npm run build`), served by the local runtime at `/`.

Every file is read into memory once, at start, and looked up by its exact relative path: no path is ever built
from a URL, so no request can reach a file outside the build (`/../auth/jwt-signing-key.pem` is just a name that is
not in the table). A path that is not a file is a route of the single-page app, answered with index.html.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import Path

# The UI's own origin only: no inline script, no eval, no third-party host, no framing.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
MAX_FILES = 2000
MAX_BYTES = 50 * 1024 * 1024


def default_ui_root() -> Path:
    """ui/dist of the checkout this library runs from."""
    return Path(__file__).resolve().parents[3] / "ui" / "dist"


@dataclass(frozen=True)
class UiFile:
    body: bytes
    content_type: str
    cache: str


class UiFiles:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._files: dict[str, UiFile] = {}
        if not (root / "index.html").is_file():
            return
        total = 0
        for path in sorted(root.rglob("*")):
            # Symlinks are skipped: the build writes none, and one could point anywhere.
            if path.is_symlink() or not path.is_file():
                continue
            body = path.read_bytes()
            total += len(body)
            if len(self._files) >= MAX_FILES or total > MAX_BYTES:
                break
            name = path.relative_to(root).as_posix()
            kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
            if kind.startswith("text/") or kind in ("application/javascript", "application/json"):
                kind += "; charset=utf-8"
            # Vite names assets by their content hash: they never change under a name.
            cache = "public, max-age=31536000, immutable" if name.startswith("assets/") else "no-cache"
            self._files[name] = UiFile(body, kind, cache)

    @property
    def built(self) -> bool:
        return "index.html" in self._files

    def lookup(self, url_path: str) -> UiFile | None:
        """The file for a GET of `url_path`, index.html for an app route, None when there is no UI or an asset
        is missing."""
        if not self.built:
            return None
        name = url_path.lstrip("/")
        found = self._files.get(name or "index.html")
        if found is not None:
            return found
        if name.startswith("assets/") or "." in name.rsplit("/", 1)[-1]:
            return None
        return self._files["index.html"]
