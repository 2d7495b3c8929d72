"""The light steps and the API as Lambda functions: thin handlers from functions/<name>/, the library as a layer."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import AssetHashType, Duration
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.artifact_access import ARTIFACT_ACCESS, grant_artifacts
from infra.artifacts import Artifacts
from infra.context import ForgeContext
from infra.database import SECRET_ENV, Database
from infra.layer_bundle import STAMP, staged_layer
from infra.nag import (
    LAMBDA_BASIC,
    LAMBDA_VPC,
    NO_RESOURCE_LEVEL,
    acknowledge,
    acknowledge_managed_policies,
    acknowledge_wildcards,
    logical_id,
)
from infra.network import Network

RUNTIME = lambda_.Runtime.PYTHON_3_12
# The layer's wheels are manylinux x86_64 (infra/layer_build.py), so the functions must be too.
ARCHITECTURE = lambda_.Architecture.X86_64


@dataclass(frozen=True)
class FunctionSpec:
    # Kept below the TimeoutSeconds of the state that invokes it (statemachine/forge.asl.json), so Lambda ends a
    # stuck step and the state sees the error, instead of the state timing out while the step still runs.
    timeout_seconds: int
    memory_mb: int = 512
    # Whether the function reads the database (its secret's ARN and GetSecretValue); nearly all do.
    database: bool = True


# The steps statemachine/forge.asl.json invokes as `${<Name>FunctionArn}`. Build, test and sandbox, which run tools
# over plugin code or the plugin itself, are Fargate tasks (infra/containers.py): no Lambda runs plugin code.
LIGHT_STEPS: dict[str, FunctionSpec] = {
    "generate": FunctionSpec(timeout_seconds=840),
    "package": FunctionSpec(timeout_seconds=280),
    "sign": FunctionSpec(timeout_seconds=110),
    # Records the approval request and returns; the wait itself is the state's waitForTaskToken.
    "approval": FunctionSpec(timeout_seconds=60),
    "publish": FunctionSpec(timeout_seconds=280),
    "finish": FunctionSpec(timeout_seconds=60),
}
# API Gateway gives up on an integration after 29 s; a later answer would go nowhere.
API = "api"
API_SPEC = FunctionSpec(timeout_seconds=29)
# The custom resource that applies the migrations on deploy (infra/database.py).
MIGRATE = "migrate"
MIGRATE_SPEC = FunctionSpec(timeout_seconds=600)
# Who writes the marketplace bucket (a Lambda's disk is gone after the call), and for what: publish writes
# releases, the API's revoke retracts them, key rotation rewrites keys.json; all three rewrite the trust files.
MARKETPLACE_WRITERS: dict[str, str] = {"publish": "publish", API: "revoke", "rotate_keys": "trust files"}
# A zip Lambda has no PKCS#11 module to load (SoftHSM locally; CloudHSM needs its client, i.e. a container
# image), so AWS signs, and rotates, with the KMS key of infra/signing.py. Besides packages (sign), publish signs
# the release statement and the API signs the revocation list a revocation publishes.
KMS_SIGNERS = frozenset({"sign", "publish", API, "rotate_keys"})


def placeholder(step: str) -> str:
    """The ASL placeholder naming a step's function (the local runtime uses the same names)."""
    return f"{step.capitalize()}FunctionArn"


class Functions(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        repo_root: Path,
        artifacts: Artifacts,
        context: ForgeContext,
        network: Network,
        database: Database,
    ) -> None:
        super().__init__(scope, construct_id)
        self._repo_root = repo_root
        self._network = network
        self._database = database
        self._artifacts = artifacts

        # The folder `make layer` built; a missing or stale one fails the synth here, naming `make layer`.
        bundle = staged_layer(repo_root)
        self.layer = lambda_.LayerVersion(
            self,
            "ForgeLayer",
            # A custom hash: the stamp already says what the content depends on, and CDK fingerprinting
            # ~60 MB of wheels on every synth would cost seconds for nothing.
            code=lambda_.Code.from_asset(
                str(bundle.path), asset_hash=bundle.digest, asset_hash_type=AssetHashType.CUSTOM, exclude=[STAMP]
            ),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="Plugin Forge library (forge) and its runtime dependencies",
        )

        # Nearly every function talks to the database: it runs in the isolated subnets, reads the RDS secret and is
        # admitted on 5432 (FunctionSpec.database says which do not).
        self._environment = context.environment(artifacts.bucket.bucket_name)
        self._secret_arn = database.secret.secret_arn
        database.allow_from(network.function_security_group, "the Lambda functions")
        # The functions and the Fargate tasks reach S3 only through the VPC's gateway endpoint; its policy admits
        # these buckets (this is the construct that holds both the network and the buckets).
        network.restrict_s3_to([artifacts.bucket, artifacts.marketplace, artifacts.audit_bucket])
        # Placed in the egress subnets (forge:natGateway): generate, for an external LLM endpoint; nothing else.
        self._egress = frozenset({"generate"}) if network.egress_subnets is not None else frozenset()
        self.code_paths: dict[str, Path] = {}
        self.all: dict[str, lambda_.Function] = {}
        self.steps: dict[str, lambda_.Function] = {step: self.add(step, spec) for step, spec in LIGHT_STEPS.items()}
        self.api = self.add(API, API_SPEC)
        self.migrate = self.add(MIGRATE, MIGRATE_SPEC)

    def add(self, name: str, spec: FunctionSpec) -> lambda_.Function:
        """A zip function from functions/<name>/ with the layer, in the VPC, with the shared environment."""
        # The very folder the local runtime dispatches to; a missing handler fails the synth, not the deploy.
        source = self._repo_root / "functions" / name
        if not (source / "handler.py").is_file():
            raise FileNotFoundError(f"no {source / 'handler.py'}: every Lambda needs functions/<name>/handler.py")
        self.code_paths[name] = source
        construct_id = f"{name.replace('_', ' ').title().replace(' ', '')}Function"
        common: dict[str, Any] = {
            "architecture": ARCHITECTURE,
            "timeout": Duration.seconds(spec.timeout_seconds),
            "memory_size": spec.memory_mb,
            "environment": {**self._environment, **({SECRET_ENV: self._secret_arn} if spec.database else {})},
            "tracing": lambda_.Tracing.ACTIVE,
            "log_group": logs.LogGroup(self, f"{construct_id}Logs", retention=logs.RetentionDays.ONE_MONTH),
            "description": f"Plugin Forge {name}",
            "vpc": self._network.vpc,
            "vpc_subnets": (
                self._network.egress_subnets
                if name in self._egress and self._network.egress_subnets is not None
                else self._network.subnets
            ),
            "security_groups": [self._network.function_security_group],
        }
        function = lambda_.Function(
            self,
            construct_id,
            runtime=RUNTIME,
            handler="handler.handler",
            code=lambda_.Code.from_asset(str(source), exclude=["__pycache__", "*.pyc"]),
            layers=[self.layer],
            **common,
        )
        self.all[name] = function
        if spec.database:
            self._database.grant_connect(function)
        if name in KMS_SIGNERS:
            function.add_environment("FORGE_SIGNER", "kms")
        if name in ARTIFACT_ACCESS:
            grant_artifacts(self._artifacts, function, ARTIFACT_ACCESS[name])
        if name in MARKETPLACE_WRITERS:
            self._grant_marketplace(function, MARKETPLACE_WRITERS[name])
        self._acknowledge(name, function)
        return function

    def _grant_marketplace(self, function: lambda_.Function, purpose: str) -> None:
        for key, value in self._artifacts.marketplace_environment().items():
            function.add_environment(key, value)
        grant = {
            "publish": self._artifacts.grant_marketplace_publish,
            "revoke": self._artifacts.grant_marketplace_revoke,
            "trust files": self._artifacts.grant_marketplace_trust_files,
        }[purpose]
        grant(function)

    def _acknowledge(self, name: str, function: lambda_.Function) -> None:
        acknowledge_managed_policies(
            function,
            (LAMBDA_BASIC, LAMBDA_VPC),
            "The AWS-managed Lambda service-role policies: this function's own log stream and its VPC network "
            "interfaces, which AWS scopes itself.",
        )
        acknowledge_wildcards(
            function, (NO_RESOURCE_LEVEL,), "X-Ray tracing (PutTraceSegments) has no resource-level permissions."
        )
        if name in ARTIFACT_ACCESS:
            acknowledge_wildcards(
                function,
                (f"Resource::<{logical_id(self._artifacts.bucket)}.Arn>/*",),
                "Object keys in this stack's artifact bucket are per job (jobs/<id>/...), known only at run time.",
            )
        if function.runtime.name == RUNTIME.name:
            acknowledge(
                function,
                "AwsSolutions-L1",
                "Python 3.12 on purpose: the layer's wheels are built for cp312 (infra/layer_build.py) and the "
                "container images use 3.12; moving all of them is one change of RUNTIME and PYTHON_VERSION.",
            )
