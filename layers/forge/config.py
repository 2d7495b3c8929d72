"""Settings read from the environment, one place for every variable docs/configuration.md lists."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails

from forge.errors import ForgeError

# The names forge.generation.get_provider dispatches on; a typo fails when settings load, not in the repair loop.
GenerationProvider = Literal["template", "openai", "bedrock"]


class ConfigError(ForgeError):
    """An environment variable holds a value the forge cannot use; `problems` names each variable."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))


def _default_home() -> Path:
    return Path.home() / ".local" / "share" / "plugin-forge"


class Settings(BaseModel):
    """Each field's alias is its environment variable; `get_settings` validates the environment against them. A plain
    model rather than pydantic-settings: the forge uses none of what that adds (.env files, secrets folders, a
    command line, case-insensitive names), and it loaded asyncio for its command line into every Lambda cold start
    and every container step (about 30 ms each, docs/dependencies.md)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, validate_default=True)

    forge_home: Path = Field(default_factory=_default_home, alias="FORGE_HOME")
    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    # Never below the two-person rule (APPROVAL_FLOOR): merchants refuse a release statement naming fewer.
    min_approvals: int = Field(default=2, ge=2, le=10, alias="FORGE_MIN_APPROVALS")
    worker_concurrency: int = Field(default=3, ge=1, le=64, alias="FORGE_WORKER_CONCURRENCY")
    approval_timeout_seconds: int = Field(default=72 * 3600, ge=1, alias="FORGE_APPROVAL_TIMEOUT_SECONDS")
    state_machine_arn: str | None = Field(default=None, alias="FORGE_STATE_MACHINE_ARN")
    artifact_bucket: str | None = Field(default=None, alias="S3_BUCKET")
    allowed_api_hosts: str = Field(default="api.molam.com,sandbox.api.molam.com", alias="FORGE_ALLOWED_API_HOSTS")
    generation_provider: GenerationProvider = Field(default="template", alias="FORGE_GENERATION_PROVIDER")
    # LLM generation (issue 4): repairs after a failed build/test, the OpenAI-compatible endpoint, Bedrock.
    # Where an LLM answer's PHP is linted first: in Generate (needs php and isolation), or only in Build (the AWS
    # generate Lambda has neither; Build's failure goes back to Generate through the repair loop).
    generation_lint: str = Field(default="generate", alias="FORGE_GENERATION_LINT", pattern="^(generate|build)$")
    max_repairs: int = Field(default=2, ge=0, le=10, alias="FORGE_MAX_REPAIRS")
    sira_api_url: str | None = Field(default=None, alias="SIRA_API_URL")
    sira_model: str = Field(default="sira-codegen", alias="SIRA_MODEL")
    # Secrets Manager id of the endpoint's key in AWS; locally SIRA_API_KEY or FORGE_HOME/secrets/sira_api_key.
    sira_api_key_secret_id: str | None = Field(default=None, alias="SIRA_API_KEY_SECRET_ID")
    bedrock_model_id: str = Field(default="anthropic.claude-3-5-sonnet-20240620-v1:0", alias="FORGE_BEDROCK_MODEL_ID")
    llm_timeout_seconds: int = Field(default=300, ge=5, le=900, alias="FORGE_LLM_TIMEOUT_SECONDS")
    signer: str = Field(default="pkcs11", alias="FORGE_SIGNER")
    pkcs11_module: str = Field(default="/usr/lib/softhsm/libsofthsm2.so", alias="FORGE_PKCS11_MODULE")
    pkcs11_token_label: str = Field(default="plugin-forge", alias="FORGE_PKCS11_TOKEN")
    pkcs11_pin: str | None = Field(default=None, alias="FORGE_PKCS11_PIN")
    kms_key_alias: str = Field(default="alias/plugin-forge-signing", alias="FORGE_KMS_KEY_ALIAS")
    # The key to register when the keyset is empty and the alias does not exist yet (the stack's own key, until the
    # first rotation creates the alias).
    kms_initial_key_arn: str | None = Field(default=None, alias="FORGE_KMS_INITIAL_KEY_ARN")
    # How long a KMS call waits to connect, and then for an answer, before Sign counts KMS as unavailable and retries.
    kms_timeout_seconds: int = Field(default=5, ge=1, le=30, alias="FORGE_KMS_TIMEOUT_SECONDS")
    # FORGE_SIGNER=vault: a Vault Transit ecdsa-p256 key (VAULT_ADDR / VAULT_TOKEN as the Vault CLI reads them).
    vault_addr: str | None = Field(default=None, alias="VAULT_ADDR")
    vault_token: str | None = Field(default=None, alias="VAULT_TOKEN")
    vault_transit_mount: str = Field(default="transit", alias="FORGE_VAULT_TRANSIT_MOUNT")
    vault_transit_key: str = Field(default="plugin-forge-signing", alias="FORGE_VAULT_TRANSIT_KEY")
    # Locally, untrusted tools run in bubblewrap; in AWS the Fargate task or Lambda sandbox is the boundary.
    isolation: str = Field(default="bubblewrap", alias="FORGE_ISOLATION", pattern="^(bubblewrap|none)$")
    step_timeout_seconds: int = Field(default=600, ge=5, alias="FORGE_STEP_TIMEOUT_SECONDS")
    step_memory_mb: int = Field(default=1024, ge=64, alias="FORGE_STEP_MEMORY_MB")
    # Processes a sandboxed run may have at once, and the size of each folder it may write (docs/quality-gates.md).
    step_max_processes: int = Field(default=256, ge=16, le=32768, alias="FORGE_STEP_MAX_PROCESSES")
    step_disk_mb: int = Field(default=512, ge=16, alias="FORGE_STEP_DISK_MB")
    api_url: str = Field(default="http://127.0.0.1:8080", alias="FORGE_API_URL")
    # The @wp-playground/wordpress-builds zips for the sandbox step (default: the bootstrap's .vendor/wp folder).
    wordpress_builds: str | None = Field(default=None, alias="FORGE_WORDPRESS_BUILDS")
    # Where the npm dependency caches of the Node platforms are prepared (a folder per lock file); the checkout's
    # .vendor/npm-cache when unset (the build image sets it).
    npm_cache: str | None = Field(default=None, alias="FORGE_NPM_CACHE")
    # The Object Lock bucket that keeps every generation prompt and response (unset: the database chain only).
    audit_bucket: str | None = Field(default=None, alias="FORGE_AUDIT_BUCKET")
    # Where published releases and the trust files live: FORGE_HOME/marketplace, or (AWS) an S3 bucket and prefix.
    marketplace: str = Field(default="folder", alias="FORGE_MARKETPLACE", pattern="^(folder|s3)$")
    marketplace_bucket: str | None = Field(default=None, alias="FORGE_MARKETPLACE_BUCKET")
    marketplace_prefix: str = Field(default="", alias="FORGE_MARKETPLACE_PREFIX")
    # base64 of the 32-byte AES key sealing approvers' TOTP seeds; unset: FORGE_HOME/auth/mfa.key.
    mfa_key: str | None = Field(default=None, alias="FORGE_MFA_KEY")
    # AWS: the Secrets Manager secret whose string the MFA key is derived from (forge.auth.secret_box); when set,
    # an unreadable secret is an error, never a fallback to a per-instance key file.
    mfa_key_secret_arn: str | None = Field(default=None, alias="FORGE_MFA_KEY_SECRET_ARN")

    @property
    def artifacts_dir(self) -> Path:
        return self.forge_home / "artifacts"

    @property
    def marketplace_dir(self) -> Path:
        return self.forge_home / "marketplace"

    @property
    def allowed_hosts(self) -> frozenset[str]:
        return frozenset(h.strip().lower() for h in self.allowed_api_hosts.split(",") if h.strip())


def _config_problem(err: ErrorDetails) -> str:
    # pydantic names the field by its alias, which is the environment variable.
    variable = ".".join(str(p) for p in err["loc"]) or "(settings)"
    secret = any(word in variable.upper() for word in ("KEY", "TOKEN", "PIN", "SECRET", "PASSWORD"))
    shown = "(hidden)" if secret else repr(err.get("input"))
    return f"{variable}={shown}: {err['msg']}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings; ConfigError (not pydantic's ValidationError, a ValueError) so that no caller, such as a
    spec validator, mistakes a bad environment variable for bad input of its own."""
    try:
        return Settings.model_validate(dict(os.environ))
    except ValidationError as exc:
        raise ConfigError([_config_problem(e) for e in exc.errors()]) from None


def reset_settings() -> None:
    """Forget cached settings (tests and the local runtime change the environment)."""
    get_settings.cache_clear()
