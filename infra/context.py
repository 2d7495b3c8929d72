"""The deploy-time knobs (cdk.json context or `cdk synth -c key=value`) and the environment they become."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Node

MIN_APPROVALS = "forge:minApprovals"
WORKER_CONCURRENCY = "forge:workerConcurrency"
DELETION_PROTECTION = "forge:databaseDeletionProtection"
MULTI_AZ = "forge:databaseMultiAz"
ALARM_EMAIL = "forge:alarmEmail"

# The Powertools names the library also defaults to (forge.observability); set here so every function and
# container logs and emits metrics under the same service whatever imports first.
SERVICE = "plugin-forge"
METRICS_NAMESPACE = "PluginForge"

# Lambda and the read-only containers can write only under /tmp: forge.config's FORGE_HOME default (~/.local)
# is for a workstation.
FORGE_HOME = "/tmp/plugin-forge"


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

    @classmethod
    def from_node(cls, node: Node) -> ForgeContext:
        email = str(node.try_get_context(ALARM_EMAIL) or "").strip()
        if email and "@" not in email:
            raise ValueError(f"context {ALARM_EMAIL} must be an e-mail address, got {email!r}")
        return cls(
            min_approvals=_int(node, MIN_APPROVALS, cls.min_approvals, 1, 10),
            worker_concurrency=_int(node, WORKER_CONCURRENCY, cls.worker_concurrency, 1, 64),
            database_deletion_protection=_bool(node, DELETION_PROTECTION, cls.database_deletion_protection),
            database_multi_az=_bool(node, MULTI_AZ, cls.database_multi_az),
            alarm_email=email,
        )

    def environment(self, bucket_name: str) -> dict[str, str]:
        """What every Lambda function and Fargate container reads through forge.config.Settings."""
        return {
            # In AWS the Lambda sandbox or the Fargate task is the isolation boundary; bubblewrap is local only.
            "FORGE_ISOLATION": "none",
            "FORGE_HOME": FORGE_HOME,
            "S3_BUCKET": bucket_name,
            "FORGE_MIN_APPROVALS": str(self.min_approvals),
            # Read by Settings but not a throttle in AWS (yet): see docs/aws.md.
            "FORGE_WORKER_CONCURRENCY": str(self.worker_concurrency),
            "POWERTOOLS_SERVICE_NAME": SERVICE,
            "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
        }
