"""The local runtime's sign-in page's back end: POST /local/sign-in turns the FORGE_HOME sign-in key, a user name
and a role into a bearer token, as `forge token` does.

The key is what makes the page safe on a shared machine: the loopback port answers every local user, and a page
that minted a token for anyone who asked would give them the forge. The key is a random secret in
FORGE_HOME/auth/ui-sign-in.key (0600, in a 0700 folder): only who can read FORGE_HOME, and so could run
`forge token` anyway, can sign in. `forge up` prints the sign-in URL with the key in its fragment, which browsers
never send to a server or put in a Referer.
"""

from __future__ import annotations

import hmac
import json
import secrets
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from forge.local.tokens import LocalIssuer, TokenError
from forge.private_files import private_dir, secret_file

PATH = "/local/sign-in"
KEY_FILE = "ui-sign-in.key"
SESSION_SECONDS = 8 * 3600


def sign_in_key(auth_dir: Path) -> str:
    private_dir(auth_dir)
    return secret_file(auth_dir / KEY_FILE, lambda: secrets.token_urlsafe(32).encode()).decode().strip()


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._@-]+$")
    role: str = Field(pattern=r"^(ops|admin)$")
    key: str = Field(min_length=1, max_length=200)


def sign_in(issuer: LocalIssuer, key: str, body: bytes) -> tuple[int, dict[str, Any]]:
    """(status, JSON answer) for a sign-in request."""
    try:
        request = SignIn.model_validate(json.loads(body or b"{}"))
    except (ValueError, ValidationError):
        problems = ["user: letters, digits and . _ @ -", "role: ops or admin", "key: the sign-in key"]
        return 422, {"error": "invalid_request", "message": "the sign-in request is not valid", "problems": problems}
    if not hmac.compare_digest(request.key.encode(), key.encode()):
        message = "wrong sign-in key: open the sign-in URL `forge up` printed, or run `forge ui-url`"
        return 401, {"error": "unauthorized", "message": message, "problems": []}
    try:
        token = issuer.mint(request.user, request.role, SESSION_SECONDS)
    except TokenError as exc:
        return 422, {"error": "invalid_request", "message": str(exc), "problems": []}
    return 200, {"token": token, "user": request.user, "role": request.role, "expires_in": SESSION_SECONDS}
