"""Where the database is: DATABASE_URL, or (in AWS) the RDS secret named by FORGE_DATABASE_SECRET_ARN."""

from __future__ import annotations

import json
import os
from urllib.parse import quote

from forge.errors import ForgeError


def resolve_dsn() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    secret_arn = os.environ.get("FORGE_DATABASE_SECRET_ARN")
    if secret_arn:
        # Powertools caches the secret for the life of the Lambda container.
        from aws_lambda_powertools.utilities import parameters

        secret = json.loads(parameters.get_secret(secret_arn, max_age=300))
        return (
            f"postgresql://{quote(secret['username'])}:{quote(secret['password'])}"
            f"@{secret['host']}:{secret.get('port', 5432)}/{secret.get('dbname', 'forge')}?sslmode=require"
        )
    raise ForgeError("no database configured: set DATABASE_URL (the local runtime sets it for you)")
