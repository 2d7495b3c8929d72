"""The deploy-time knobs (cdk.json context or `cdk synth -c key=value`) and the environment they become."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from constructs import Node

MIN_APPROVALS = "forge:minApprovals"
WORKER_CONCURRENCY = "forge:workerConcurrency"
DELETION_PROTECTION = "forge:databaseDeletionProtection"
MULTI_AZ = "forge:databaseMultiAz"
ALARM_EMAIL = "forge:alarmEmail"
COGNITO_DOMAIN_PREFIX = "forge:cognitoDomainPrefix"
CALLBACK_URL = "forge:callbackUrl"
# The sha256 of the WooCommerce zip the sandbox image installs (functions/Dockerfile's sandbox target refuses to build
# without it): the forge cannot fetch WooCommerce to pin it here, so whoever deploys supplies it.
WOOCOMMERCE_SHA256 = "forge:woocommerceSha256"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
# How Generate writes the plugin (forge.generation): offline templates (default), Amazon Bedrock, or an
# OpenAI-compatible endpoint (SIRA). The LLM providers need what the default stack lacks (infra/generation.py).
GENERATION_PROVIDER = "forge:generationProvider"
GENERATION_PROVIDERS = ("template", "bedrock", "openai")
BEDROCK_MODEL_ID = "forge:bedrockModelId"
DEFAULT_BEDROCK_MODEL_ID = "anthropic.claude-3-5-sonnet-20240620-v1:0"  # forge.config.Settings' default
_MODEL_ID = re.compile(r"^[a-z0-9][a-z0-9.:_-]{2,199}$")
SIRA_API_URL = "forge:siraApiUrl"
SIRA_MODEL = "forge:siraModel"
# A NAT gateway (one, in one AZ) that only Generate is placed behind: the egress an external endpoint needs. Off by
# default: nothing else in the VPC may reach the internet.
NAT_GATEWAY = "forge:natGateway"
# Where the hosted sign-in sends the authorization code: a port on the operator's own machine (docs/api.md).
DEFAULT_CALLBACK_URL = "http://localhost:8765/callback"
# Cognito's rules for a domain prefix: lowercase letters, digits and inner hyphens, at most 63 characters, and
# none of the reserved words.
_PREFIX = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_RESERVED_IN_PREFIX = ("aws", "amazon", "cognito")

# The Powertools names the library also defaults to (forge.observability); set here so every function and
# container logs and emits metrics under the same service whatever imports first.
SERVICE = "plugin-forge"
METRICS_NAMESPACE = "PluginForge"

# Lambda and the read-only containers can write only under /tmp: forge.config's FORGE_HOME default (~/.local)
# is for a workstation.
FORGE_HOME = "/tmp/plugin-forge"  # noqa: S108 - Lambda's /tmp belongs to one function instance


def _int(node: Node, key: str, default: int, low: int, high: int) -> int:
    raw = node.try_get_context(key)
    try:
        value = default if raw is None else int(raw)
    except (TypeError, ValueError):
        raise ValueError(f"context {key} must be an integer, got {raw!r}") from None
    # The same bounds forge.config.Settings enforces, so a bad value fails the synth, not the first invocation.
    if not low <= value <= high:
        raise ValueError(f"context {key} must be between {low} and {high}, got {value}")
    return value


def _domain_prefix(node: Node) -> str:
    prefix = str(node.try_get_context(COGNITO_DOMAIN_PREFIX) or "").strip()
    if prefix and (not _PREFIX.match(prefix) or any(word in prefix for word in _RESERVED_IN_PREFIX)):
        raise ValueError(
            f"context {COGNITO_DOMAIN_PREFIX} must be 1-63 lowercase letters, digits and inner hyphens without "
            f"{', '.join(_RESERVED_IN_PREFIX)}, got {prefix!r}"
        )
    return prefix


def _callback_url(node: Node) -> str:
    url = str(node.try_get_context(CALLBACK_URL) or DEFAULT_CALLBACK_URL).strip()
    parts = urlsplit(url)
    # Cognito accepts plain http only for localhost; anything else must be https.
    local = parts.scheme == "http" and parts.hostname == "localhost"
    if not (parts.scheme == "https" or local) or not parts.hostname or parts.fragment:
        raise ValueError(f"context {CALLBACK_URL} must be an https URL (or http://localhost...), got {url!r}")
    return url


def _sha256(node: Node, key: str) -> str:
    value = str(node.try_get_context(key) or "").strip().lower()
    if value and not _SHA256.match(value):
        raise ValueError(f"context {key} must be a sha256 in hex (64 characters), got {value!r}")
    return value


def _choice(node: Node, key: str, choices: tuple[str, ...], default: str) -> str:
    value = str(node.try_get_context(key) or default).strip()
    if value not in choices:
        raise ValueError(f"context {key} must be one of {', '.join(choices)}, got {value!r}")
    return value


def _https_url(node: Node, key: str) -> str:
    url = str(node.try_get_context(key) or "").strip()
    parts = urlsplit(url)
    if url and (parts.scheme != "https" or not parts.hostname):
        raise ValueError(f"context {key} must be an https URL, got {url!r}")
    return url


def _model_id(node: Node) -> str:
    model = str(node.try_get_context(BEDROCK_MODEL_ID) or DEFAULT_BEDROCK_MODEL_ID).strip()
    if not _MODEL_ID.match(model):
        raise ValueError(f"context {BEDROCK_MODEL_ID} must be a Bedrock model id, got {model!r}")
    return model


def _bool(node: Node, key: str, default: bool) -> bool:
    raw = node.try_get_context(key)
    if raw is None:
        return default
    if isinstance(raw, bool):
        return raw
    # `cdk synth -c key=false` arrives as a string.
    if str(raw).lower() in ("true", "1", "yes"):
        return True
    if str(raw).lower() in ("false", "0", "no"):
        return False
    raise ValueError(f"context {key} must be true or false, got {raw!r}")


@dataclass(frozen=True)
class ForgeContext:
    min_approvals: int = 2
    worker_concurrency: int = 3
    # Protected by default: turning it off is a deliberate `-c forge:databaseDeletionProtection=false`.
    database_deletion_protection: bool = True
    database_multi_az: bool = False
    # Where alarm notifications go (an SNS e-mail subscription); none when empty.
    alarm_email: str = ""
    # The hosted sign-in's domain prefix (<prefix>.auth.<region>.amazoncognito.com); empty: derived from the stack
    # name and account (infra/api.py), unique per account without anyone choosing one.
    cognito_domain_prefix: str = ""
    callback_url: str = DEFAULT_CALLBACK_URL
    woocommerce_sha256: str = ""
    generation_provider: str = "template"
    bedrock_model_id: str = DEFAULT_BEDROCK_MODEL_ID
    sira_api_url: str = ""
    sira_model: str = ""
    nat_gateway: bool = False

    @classmethod
    def from_node(cls, node: Node) -> ForgeContext:
        email = str(node.try_get_context(ALARM_EMAIL) or "").strip()
        if email and "@" not in email:
            raise ValueError(f"context {ALARM_EMAIL} must be an e-mail address, got {email!r}")
        provider = _choice(node, GENERATION_PROVIDER, GENERATION_PROVIDERS, cls.generation_provider)
        sira_api_url = _https_url(node, SIRA_API_URL)
        if provider == "openai" and not sira_api_url:
            raise ValueError(f"context {GENERATION_PROVIDER}=openai needs {SIRA_API_URL} (the endpoint's https URL)")
        return cls(
            generation_provider=provider,
            bedrock_model_id=_model_id(node),
            sira_api_url=sira_api_url,
            sira_model=str(node.try_get_context(SIRA_MODEL) or "").strip(),
            nat_gateway=_bool(node, NAT_GATEWAY, cls.nat_gateway),
            min_approvals=_int(node, MIN_APPROVALS, cls.min_approvals, 2, 10),
            worker_concurrency=_int(node, WORKER_CONCURRENCY, cls.worker_concurrency, 1, 64),
            database_deletion_protection=_bool(node, DELETION_PROTECTION, cls.database_deletion_protection),
            database_multi_az=_bool(node, MULTI_AZ, cls.database_multi_az),
            alarm_email=email,
            cognito_domain_prefix=_domain_prefix(node),
            callback_url=_callback_url(node),
            woocommerce_sha256=_sha256(node, WOOCOMMERCE_SHA256),
        )

    def environment(self, bucket_name: str) -> dict[str, str]:
        """What every Lambda function and Fargate container reads through forge.config.Settings. Not
        FORGE_ISOLATION=none: only the Fargate tasks say that (infra/containers.py); a Lambda left at the default
        refuses to run an untrusted tool (no bubblewrap there) rather than run it beside its credentials."""
        return {
            "FORGE_HOME": FORGE_HOME,
            "S3_BUCKET": bucket_name,
            "FORGE_MIN_APPROVALS": str(self.min_approvals),
            # Locally it bounds the container steps running at once; in AWS the working step Lambdas get it as
            # reserved concurrency (infra/concurrency.py, docs/aws.md).
            "FORGE_WORKER_CONCURRENCY": str(self.worker_concurrency),
            # The API puts it in every execution's input: the repair loop's Choice reads it (forge.pipeline.jobs).
            "FORGE_GENERATION_PROVIDER": self.generation_provider,
            "POWERTOOLS_SERVICE_NAME": SERVICE,
            "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
            # We use no pydantic plugins; without this, the first model built in each cold start scans every
            # installed distribution's entry points for them (about 10 ms of the API's load, docs/benchmarks.md).
            "PYDANTIC_DISABLE_PLUGINS": "__all__",
        }
