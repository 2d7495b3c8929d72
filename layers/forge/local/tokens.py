"""Local stand-in for Cognito: RS256 JWTs signed by a key pair created on first run in FORGE_HOME/auth.

Anyone who can read FORGE_HOME can mint tokens, exactly as anyone with the machine's root can; the
point is that the API code path (claims -> principal -> role checks) is the one AWS runs.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from forge.api.auth import ADMIN, OPS
from forge.private_files import private_dir, secret_file

ISSUER = "plugin-forge-local"
AUDIENCE = "plugin-forge-api"
ROLE_GROUPS = {"ops": [OPS], "admin": [ADMIN, OPS]}


class TokenError(Exception):
    pass


def _new_signing_key() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


class LocalIssuer:
    def __init__(self, auth_dir: Path) -> None:
        self.auth_dir = auth_dir
        self._private: Any = None
        self._public: Any = None

    def _load(self) -> None:
        if self._private is not None:
            return
        private_dir(self.auth_dir)
        pem = secret_file(self.auth_dir / "jwt-signing-key.pem", _new_signing_key)
        self._private = serialization.load_pem_private_key(pem, password=None)
        self._public = self._private.public_key()

    def mint(self, user: str, role: str, ttl_seconds: int = 12 * 3600) -> str:
        if role not in ROLE_GROUPS:
            raise TokenError(f"role must be one of {', '.join(ROLE_GROUPS)}")
        if not user or len(user) > 128:
            raise TokenError("user must be 1 to 128 characters")
        self._load()
        now = int(time.time())
        claims = {
            "sub": user,
            "cognito:username": user,
            "cognito:groups": ROLE_GROUPS[role],
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + ttl_seconds,
            "jti": str(uuid.uuid4()),
        }
        return jwt.encode(claims, self._private, algorithm="RS256")

    def verify(self, token: str) -> dict[str, Any]:
        self._load()
        try:
            claims = jwt.decode(
                token,
                self._public,
                algorithms=["RS256"],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise TokenError("token expired") from None
        except jwt.InvalidTokenError as exc:
            raise TokenError(f"invalid token: {exc}") from None
        # API Gateway hands Cognito groups to the Lambda as one comma-separated string.
        claims["cognito:groups"] = ",".join(claims.get("cognito:groups", []))
        return claims
