"""The PluginForge stack: one construct per concern, wired together here and nowhere else."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Stack, Tags
from constructs import Construct

from infra.artifacts import Artifacts
from infra.containers import Containers
from infra.context import ForgeContext
from infra.functions import Functions
from infra.network import Network
from infra.pipeline import Pipeline

# The checkout this file is in: the stack packages ITS functions/, layers/ and statemachine/, whatever
# directory the synth was started from.
REPO_ROOT = Path(__file__).resolve().parent.parent


class PluginForgeStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, repo_root: Path = REPO_ROOT, **kwargs: object) -> None:
        super().__init__(
            scope,
            construct_id,
            description="Plugin Forge: generate, build, test, sandbox, package, sign, approve, publish",
            **kwargs,
        )
        context = ForgeContext.from_node(self.node)
        Tags.of(self).add("project", "plugin-forge")

        self.network = Network(self, "Network")
        self.artifacts = Artifacts(self, "Artifacts")
        self.functions = Functions(
            self, "Functions", repo_root=repo_root, bucket=self.artifacts.bucket, context=context
        )
        self.containers = Containers(
            self,
            "Containers",
            repo_root=repo_root,
            vpc=self.network.vpc,
            bucket=self.artifacts.bucket,
            context=context,
        )
        self.pipeline = Pipeline(
            self,
            "Pipeline",
            repo_root=repo_root,
            network=self.network,
            functions=self.functions,
            containers=self.containers,
        )
