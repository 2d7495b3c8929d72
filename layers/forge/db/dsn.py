"""Where the database is: DATABASE_URL, or (in AWS) the RDS secret named by FORGE_DATABASE_SECRET_ARN."""

from __future__ import annotations

import json
import os
from urllib.parse import quote

from forge.errors import ForgeError

# How long a warm Lambda trusts its copy of the secret: Powertools caches it for the life of the container. A password
# rotated meanwhile is caught earlier, by the first refused login (forge.db.connection re-reads with `refresh`).
SECRET_MAX_AGE_SECONDS = 300


def resolve_dsn(*, refresh: bool = False) -> str:
    """The DSN; `refresh` reads the secret again instead of using the cached copy (after a refused password)."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    secret_arn = os.environ.get("FORGE_DATABASE_SECRET_ARN")
    if secret_arn:
        from aws_lambda_powertools.utilities import parameters

        secret = json.loads(parameters.get_secret(secret_arn, max_age=SECRET_MAX_AGE_SECONDS, force_fetch=refresh))
        # Quoted whole: a host may also be a socket folder (a path) in a URL's host part.
        return (
            f"postgresql://{quote(secret['username'], safe='')}:{quote(secret['password'], safe='')}"
            f"@{quote(str(secret['host']), safe='')}:{secret.get('port', 5432)}/{secret.get('dbname', 'forge')}"
            "?sslmode=require"
        )
    raise ForgeError("no database configured: set DATABASE_URL (the local runtime sets it for you)")


def refreshed_dsn() -> str:
    """The DSN from a fresh read of the secret: what a pool calls when the server refuses the password it has."""
    return resolve_dsn(refresh=True)
