"""The host a URL written in code points at: shared by every language's network rules."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Schemes that open a connection (HTTP, FTP, WebSocket, raw sockets); `//host/…` is scheme-relative.
URL = re.compile(r"^(?:(?:https?|ftps?|wss?|tcp|ssl|tls|udp):)?//", re.I)
SCHEMED_URL = re.compile(r"^(?:https?|ftps?|wss?|tcp|ssl|tls|udp)://", re.I)


def url_host(value: str, scheme_relative: bool = False) -> str | None:
    """The lower-cased host of an absolute URL (`https://Evil.example:8443/x` is `evil.example`); None for a
    relative URL or a value that is not one. `scheme_relative` also reads `//host/path` (a browser resolves it
    against the page's scheme)."""
    value = value.strip()
    if not (SCHEMED_URL.match(value) or (scheme_relative and URL.match(value))):
        return None
    try:
        return (urlsplit(value).hostname or "").lower() or None
    except ValueError:
        return None
