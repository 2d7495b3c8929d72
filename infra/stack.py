"""The PluginForge stack: one construct per concern, wired together here and nowhere else."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import Annotations, CfnOutput, Stack, Tags
from constructs import Construct

from infra.api import Api
from infra.artifacts import Artifacts
from infra.concurrency import reserve_step_concurrency
from infra.containers import Containers
from infra.context import ForgeContext
from infra.database import Database, Migrations
from infra.downloads import Downloads
from infra.functions import Functions, FunctionSpec
from infra.generation import Generation
from infra.network import Network
from infra.observability import Observability
from infra.pipeline import Pipeline
from infra.schedules import (
    GAUGES_FUNCTION,
    GAUGES_SPEC,
    JOB_RECONCILIATION_FUNCTION,
    JOB_RECONCILIATION_SPEC,
    KEY_ROTATION_HANDLER,
    WORKFLOW_CALLBACKS_FUNCTION,
    WORKFLOW_CALLBACKS_SPEC,
    Schedules,
)
from infra.secrets import MfaKey
from infra.signing import Signing
from infra.task_events import TASK_STOPPED_FUNCTION, TASK_STOPPED_SPEC, TaskEvents

# The checkout this file is in: the stack packages ITS functions/, layers/ and statemachine/, whatever
# directory the synth was started from.
REPO_ROOT = Path(__file__).resolve().parent.parent
ROTATE_KEYS = "rotate_keys"
# Rotation tries a new key until IAM lets it sign (KMS: up to five minutes after creation) before registering it.
ROTATE_KEYS_SPEC = FunctionSpec(timeout_seconds=600)


class PluginForgeStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, repo_root: Path = REPO_ROOT, **kwargs: Any) -> None:
        super().__init__(
            scope,
            construct_id,
            description="Plugin Forge: generate, build, test, sandbox, package, sign, approve, publish",
            **kwargs,
        )
        context = ForgeContext.from_node(self.node)
        Tags.of(self).add("project", "plugin-forge")

        self.network = Network(self, "Network", nat_gateway=context.nat_gateway)
        self.artifacts = Artifacts(self, "Artifacts")
        self.network.log_flows_to(self.artifacts.access_logs)
        self.signing = Signing(self, "Signing")
        self.database = Database(self, "Database", network=self.network, context=context)
        self.functions = Functions(
            self,
            "Functions",
            repo_root=repo_root,
            artifacts=self.artifacts,
            context=context,
            network=self.network,
            database=self.database,
        )
        reserve_step_concurrency(self.functions.steps, context.worker_concurrency)
        for signer in (self.functions.steps["sign"], self.functions.steps["publish"], self.functions.api):
            self.signing.grant_sign(signer)
        # Prompts and responses, write-once (the spec's WORM audit).
        self.functions.steps["generate"].add_environment("FORGE_AUDIT_BUCKET", self.artifacts.audit_bucket.bucket_name)
        self.artifacts.grant_audit_write(self.functions.steps["generate"])
        # How Generate writes plugins (forge:generationProvider): nothing more for templates, an endpoint and the
        # model for Bedrock, the endpoint's URL and key secret for an OpenAI-compatible one.
        self.sira_api_key = Generation(
            self, "Generation", context=context, network=self.network, function=self.functions.steps["generate"]
        ).sira_api_key
        self.migrations = Migrations(
            self,
            "Migrations",
            repo_root=repo_root,
            function=self.functions.migrate,
            database=self.database,
            network=self.network,
        )
        self.containers = Containers(
            self,
            "Containers",
            repo_root=repo_root,
            vpc=self.network.vpc,
            artifacts=self.artifacts,
            context=context,
            database=self.database,
        )
        self.database.allow_from(self.network.build_security_group, "the build task")
        self.database.allow_from(self.network.test_security_group, "the test task's reporter")
        self.database.allow_from(self.network.sandbox_security_group, "the sandbox task's reporter")
        self.pipeline = Pipeline(
            self,
            "Pipeline",
            repo_root=repo_root,
            network=self.network,
            functions=self.functions,
            containers=self.containers,
        )
        # A container task that stops before its reporter answers fails its state with the stop reason.
        task_stopped = self.functions.add(TASK_STOPPED_FUNCTION, TASK_STOPPED_SPEC)
        self.pipeline.grant_task_failure(task_stopped)
        self.task_events = TaskEvents(self, "TaskEvents", cluster=self.containers.cluster, function=task_stopped)
        self.api = Api(self, "Api", repo_root=repo_root, function=self.functions.api, context=context)
        self.downloads = Downloads(
            self, "Downloads", marketplace=self.artifacts.marketplace, logs=self.artifacts.access_logs
        )
        self.mfa_key = MfaKey(self, "MfaKey")
        self.mfa_key.grant_to(self.functions.api)
        self.observability = Observability(
            self, "Observability", state_machine=self.pipeline.state_machine, context=context
        )
        self.schedules = self._schedules(repo_root)

        CfnOutput(self, "ApiUrl", value=self.api.rest_api.url)
        CfnOutput(self, "UserPoolId", value=self.api.user_pool.user_pool_id)
        CfnOutput(self, "UserPoolClientId", value=self.api.client.user_pool_client_id)
        # The hosted sign-in an operator gets an ID token from (docs/api.md, "Signing in to a deployed forge").
        CfnOutput(self, "SignInDomain", value=self.api.domain.base_url())
        CfnOutput(self, "StateMachineArn", value=self.pipeline.state_machine.state_machine_arn)
        CfnOutput(self, "ArtifactBucket", value=self.artifacts.bucket.bucket_name)
        CfnOutput(self, "MarketplaceBucket", value=self.artifacts.marketplace.bucket_name)
        # What merchants download from and `forge verify https://...` is given (docs/verify.md).
        CfnOutput(self, "MarketplaceUrl", value=self.downloads.url)
        CfnOutput(self, "DatabaseSecretArn", value=self.database.secret.secret_arn)

    def _schedules(self, repo_root: Path) -> Schedules:
        rotate = None
        if (repo_root / KEY_ROTATION_HANDLER).is_file():
            rotate = self.functions.add(ROTATE_KEYS, ROTATE_KEYS_SPEC)
            self.signing.grant_rotate(rotate)
            # What an operator invokes to rotate or mark a key compromised (docs/runbook.md): the database is out of
            # the CLI's reach in AWS.
            CfnOutput(self, "RotateKeysFunction", value=rotate.function_name)
        else:
            # Said loudly (a synth warning, and the infra tests check it), never silently dropped.
            Annotations.of(self).add_warning_v2(
                "forge:no-key-rotation",
                f"{KEY_ROTATION_HANDLER} does not exist yet: no key rotation function and no key rotation schedule",
            )
        gauges = self.functions.add(GAUGES_FUNCTION, GAUGES_SPEC)
        callbacks = self.functions.add(WORKFLOW_CALLBACKS_FUNCTION, WORKFLOW_CALLBACKS_SPEC)
        self.pipeline.reference.grant_task_response(callbacks)
        reconciliation = self.functions.add(JOB_RECONCILIATION_FUNCTION, JOB_RECONCILIATION_SPEC)
        self.pipeline.grant_read_executions(reconciliation)
        return Schedules(
            self,
            "Schedules",
            key_rotation=rotate,
            gauges=gauges,
            workflow_callbacks=callbacks,
            job_reconciliation=reconciliation,
        )
