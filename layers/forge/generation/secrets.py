"""Where the LLM endpoint's key comes from: never the spec, the repository or the database.

Locally: the SIRA_API_KEY variable, else FORGE_HOME/secrets/sira_api_key. In AWS: Secrets Manager
(SIRA_API_KEY_SECRET_ID), read through boto3, which Lambda ships.
"""

from __future__ import annotations

import os
from typing import Any

from forge.config import Settings
from forge.errors import ForgeError

ENV_NAME = "SIRA_API_KEY"
FILE_NAME = "sira_api_key"


def secret_file(settings: Settings) -> os.PathLike[str]:
    return settings.forge_home / "secrets" / FILE_NAME


def sira_api_key(settings: Settings, secretsmanager: Any | None = None) -> str:
    value = os.environ.get(ENV_NAME, "").strip()
    if value:
        return value
    path = settings.forge_home / "secrets" / FILE_NAME
    if path.is_file():
        value = path.read_text(encoding="utf-8").strip()
        if value:
            return value
    if settings.sira_api_key_secret_id:
        if secretsmanager is None:
            import boto3

            secretsmanager = boto3.client("secretsmanager")
        try:
            value = secretsmanager.get_secret_value(SecretId=settings.sira_api_key_secret_id)["SecretString"]
        except Exception as exc:  # noqa: BLE001 - botocore's ClientError and endpoint errors alike (botocore is not imported here)
            raise ForgeError(f"cannot read secret {settings.sira_api_key_secret_id}: {exc}") from None
        if value.strip():
            return value.strip()
    raise ForgeError(
        f"no key for SIRA_API_URL: set {ENV_NAME}, write {path}, or set SIRA_API_KEY_SECRET_ID (Secrets Manager)"
    )
