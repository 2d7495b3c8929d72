"""Marketplace credentials, read from where their forge_secrets row says they live; never from a connector row.

forge_secrets.vault_path is one of:
- `arn:aws:secretsmanager:...`: a Secrets Manager secret (AWS), read through Powertools;
- `forge-home:<name>`: the local runtime's secret folder, FORGE_HOME/secrets/<name> (mode 0600, like the SIRA key);
- anything else: a HashiCorp Vault KV v2 path `<mount>/<path>[#<field>]` (field `value` by default), read with
  VAULT_ADDR / VAULT_TOKEN as the Vault signer reads them.

Every read goes to the store (no cache), so a credential rotated there is used from the next publication on. A
row past its rotation_schedule is still read (a publication must not fail on a calendar) but says so loudly: a
warning and the forge_secret_rotation_overdue_total metric, alarmed in AWS.
"""

from __future__ import annotations

from pathlib import Path

from forge.config import Settings
from forge.errors import ForgeError
from forge.observability import emit_metric, logger
from forge.ports.repositories import Publications
from forge.private_files import private_dir, secret_file

FORGE_HOME_PREFIX = "forge-home:"
SECRETS_MANAGER_PREFIX = "arn:aws:secretsmanager:"


def local_secret_path(settings: Settings, name: str) -> Path:
    """FORGE_HOME/secrets/<name>: where `forge publications credential` writes a local marketplace credential."""
    if not name or "/" in name or name.startswith("."):
        raise ForgeError(f"invalid local secret name {name!r}")
    return settings.forge_home / "secrets" / name


class ForgeSecretStore:
    def __init__(self, settings: Settings, references: Publications) -> None:
        self.settings = settings
        self.references = references

    def read(self, name: str) -> str:
        reference = self.references.secret(name)
        if reference.rotation_due:
            emit_metric("forge_secret_rotation_overdue_total", 1)
            logger.warning("marketplace credential past its rotation schedule", extra={"secret": name})
        where = reference.vault_path or ""
        if where.startswith(FORGE_HOME_PREFIX):
            value = self._local(where.removeprefix(FORGE_HOME_PREFIX))
        elif where.startswith(SECRETS_MANAGER_PREFIX):
            value = self._secrets_manager(where)
        elif where:
            value = self._vault(where)
        else:
            raise ForgeError(f"secret {name} has no vault_path: marketplace credentials are never kept in the row")
        if not value.strip():
            raise ForgeError(f"secret {name} is empty")
        return value.strip()

    def _local(self, name: str) -> str:
        path = local_secret_path(self.settings, name)
        private_dir(path.parent)
        if not path.is_file():
            raise ForgeError(f"local secret {path} does not exist")
        return secret_file(path, bytes).decode()

    def _secrets_manager(self, arn: str) -> str:
        from aws_lambda_powertools.utilities.parameters import get_secret
        from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

        try:
            value = get_secret(arn, max_age=0)
        except GetParameterError:
            logger.exception("cannot read a marketplace credential", extra={"secret_arn": arn})
            raise ForgeError(f"cannot read the secret {arn}; see the log") from None
        if not isinstance(value, str):
            raise ForgeError(f"secret {arn} must be a string secret")
        return value

    def _vault(self, where: str) -> str:
        from forge.signing.backends import vault_client

        location, _, key = where.partition("#")
        mount, _, path = location.partition("/")
        if not mount or not path:
            raise ForgeError(f"Vault secret path must be '<mount>/<path>[#field]', got {where!r}")
        try:
            answer = vault_client(self.settings).secrets.kv.v2.read_secret_version(
                path=path, mount_point=mount, raise_on_deleted_version=True
            )
        except Exception as exc:  # noqa: BLE001 - hvac's and requests' errors alike; the message names the path
            raise ForgeError(f"cannot read Vault secret {location}: {type(exc).__name__}") from None
        value = answer.get("data", {}).get("data", {}).get(key or "value")
        if not isinstance(value, str):
            raise ForgeError(f"Vault secret {location} has no string field {key or 'value'!r}")
        return value
