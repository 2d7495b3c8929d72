"""The synthesized cloud assembly the infra tests read, and how it is made (with cdk-nag's AwsSolutions pack).

The synth only packages the Lambda layer `make layer` staged in build/lambda-layer/; the tests build it the same way
first (infra/layer_build.py): the first run downloads the locked wheels, later runs reuse them, offline, and a run
whose layer is up to date costs one hash of its inputs.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import Validations
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks

from infra.layer_build import build_layer
from infra.stack import REPO_ROOT, PluginForgeStack

# jsii prints a Node.js end-of-life banner on every start unless told not to; it says nothing about the stack.
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")

STACK = "PluginForge"


@dataclass(frozen=True)
class Synth:
    stack: PluginForgeStack
    template: Template
    resources: dict[str, dict[str, Any]]
    outdir: Path
    assets: dict[str, Any]
    # CDK's policy-validation report (cdk-nag 3.x reports there) and the error synth raised, if validation failed.
    validation_report: dict[str, Any]
    validation_error: str | None

    @property
    def template_path(self) -> Path:
        return self.outdir / f"{STACK}.template.json"

    def of_type(self, kind: str) -> dict[str, dict[str, Any]]:
        return {k: r for k, r in self.resources.items() if r["Type"] == kind}

    def logical_id(self, construct: Any) -> str:
        return str(self.stack.resolve(self.stack.get_logical_id(construct.node.default_child)))

    @property
    def state_machine(self) -> dict[str, Any]:
        (machine,) = self.of_type("AWS::StepFunctions::StateMachine").values()
        return machine["Properties"]

    def substituted(self, name: str) -> dict[str, Any]:
        """The resource a DefinitionSubstitution points at (by Ref or Fn::GetAtt)."""
        value = self.state_machine["DefinitionSubstitutions"][name]
        logical_id = value["Ref"] if "Ref" in value else value["Fn::GetAtt"][0]
        return self.resources[logical_id]

    def staged_file_asset(self, s3_key: Any) -> Path:
        """Where the synth staged the asset a resource's S3 key names (assets are keyed by their hash)."""
        asset_hash = str(s3_key).split(".")[0]
        return self.outdir / self.assets["files"][asset_hash]["source"]["path"]

    def statements(self, role_logical_id: str) -> list[dict[str, Any]]:
        """Every IAM statement attached to a role (its inline policies)."""
        found = []
        for policy in self.of_type("AWS::IAM::Policy").values():
            if {"Ref": role_logical_id} in policy["Properties"]["Roles"]:
                found += policy["Properties"]["PolicyDocument"]["Statement"]
        return found


def actions(statement: dict[str, Any]) -> set[str]:
    action = statement["Action"]
    return {action} if isinstance(action, str) else set(action)


def synthesize(outdir: Path) -> Synth:
    build_layer(REPO_ROOT)  # what `make synth` runs first (`make layer`)
    # The context cdk.json gives `cdk synth` (feature flags, forge:*), so the test sees the template the CLI makes.
    return synthesize_variant(outdir, {})


def synthesize_variant(outdir: Path, context: dict[str, Any]) -> Synth:
    """The stack synthesized with cdk.json's context plus `context` (a deploy-time choice such as the generation
    provider), cdk-nag included: what `cdk synth -c key=value` makes. cdk-nag 3.x is a CDK policy-validation plugin;
    acknowledged rules are also written to the template's Metadata, so the tests can see what was acknowledged and
    why. Each call is one more JSII synthesis (~10 s): a variant only for what the default stack cannot show."""
    base = json.loads((REPO_ROOT / "cdk.json").read_text())["context"]
    app = cdk.App(outdir=str(outdir), context={**base, **context})
    stack = PluginForgeStack(app, STACK)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app, write_suppressions_to_cloud_formation=True))
    error = None
    try:
        app.synth()
    except RuntimeError as exc:
        error = str(exc)
    template = Template.from_json(json.loads((outdir / f"{STACK}.template.json").read_text()))
    assets = json.loads((outdir / f"{STACK}.assets.json").read_text())
    report_path = outdir / "validation-report.json"
    report = json.loads(report_path.read_text()) if report_path.is_file() else {"pluginReports": []}
    return Synth(stack, template, template.to_json()["Resources"], outdir, assets, report, error)
