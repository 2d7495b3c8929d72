"""The light steps and the API as Lambda functions: thin handlers from functions/<name>/, the library as a layer."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aws_cdk import AssetHashType, Duration
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.context import ForgeContext
from infra.layer_bundle import build_layer

RUNTIME = lambda_.Runtime.PYTHON_3_12
# The layer's wheels are manylinux x86_64 (infra/layer_bundle.py), so the functions must be too.
ARCHITECTURE = lambda_.Architecture.X86_64


@dataclass(frozen=True)
class FunctionSpec:
    # Kept below the TimeoutSeconds of the state that invokes it (statemachine/forge.asl.json), so Lambda ends a
    # stuck step and the state sees the error, instead of the state timing out while the step still runs.
    timeout_seconds: int
    memory_mb: int = 512


# The steps statemachine/forge.asl.json invokes as `${<Name>FunctionArn}`; build and sandbox are Fargate tasks.
LIGHT_STEPS: dict[str, FunctionSpec] = {
    "generate": FunctionSpec(timeout_seconds=840),
    "test": FunctionSpec(timeout_seconds=840, memory_mb=1024),
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


def placeholder(step: str) -> str:
    """The ASL placeholder naming a step's function (the local runtime uses the same names)."""
    return f"{step.capitalize()}FunctionArn"


class Functions(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, repo_root: Path, bucket: s3.IBucket, context: ForgeContext
    ) -> None:
        super().__init__(scope, construct_id)

        bundle = build_layer(repo_root)
        self.layer = lambda_.LayerVersion(
            self,
            "ForgeLayer",
            # A custom hash: the bundle already knows what its content depends on, and CDK fingerprinting
            # ~60 MB of wheels on every synth would cost seconds for nothing.
            code=lambda_.Code.from_asset(
                str(bundle.path), asset_hash=bundle.digest, asset_hash_type=AssetHashType.CUSTOM, exclude=[".complete"]
            ),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="Plugin Forge library (forge) and its runtime dependencies",
        )

        environment = context.environment(bucket.bucket_name)
        self.code_paths: dict[str, Path] = {}
        self.steps: dict[str, lambda_.Function] = {
            step: self._function(repo_root, step, spec, environment, bucket) for step, spec in LIGHT_STEPS.items()
        }
        self.api = self._function(repo_root, API, API_SPEC, environment, bucket)

        # python-pkcs11 has a manylinux cp312 wheel and is in the layer, but a zip Lambda has no PKCS#11 module
        # to load (SoftHSM locally; CloudHSM needs its client, i.e. a container image), so AWS signs with KMS
        # (asymmetric ECC_NIST_P256). The key comes with a later issue, and forge.signing.backends has no KMS
        # adapter yet: until it does, the sign step fails with "FORGE_SIGNER=kms is not supported".
        self.steps["sign"].add_environment("FORGE_SIGNER", "kms")
        self.steps["sign"].add_environment("FORGE_KMS_KEY_ALIAS", "alias/plugin-forge-signing")

    def _function(
        self, repo_root: Path, name: str, spec: FunctionSpec, environment: dict[str, str], bucket: s3.IBucket
    ) -> lambda_.Function:
        # The very folder the local runtime dispatches to; a missing handler fails the synth, not the deploy.
        source = repo_root / "functions" / name
        if not (source / "handler.py").is_file():
            raise FileNotFoundError(f"no {source / 'handler.py'}: every Lambda step needs functions/<step>/handler.py")
        self.code_paths[name] = source
        construct_id = f"{name.capitalize()}Function"
        function = lambda_.Function(
            self,
            construct_id,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler="handler.handler",
            code=lambda_.Code.from_asset(str(source), exclude=["__pycache__", "*.pyc"]),
            layers=[self.layer],
            timeout=Duration.seconds(spec.timeout_seconds),
            memory_size=spec.memory_mb,
            environment=environment,
            tracing=lambda_.Tracing.ACTIVE,
            log_group=logs.LogGroup(self, f"{construct_id}Logs", retention=logs.RetentionDays.ONE_MONTH),
            description=f"Plugin Forge {name}",
        )
        # Every function reads or writes artifacts: sources, reports, packages, signatures.
        bucket.grant_read_write(function)
        return function
