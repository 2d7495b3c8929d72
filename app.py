#!/usr/bin/env python3
"""The CDK app: `cdk synth` / `cdk deploy` (cdk.json runs this with the project's virtualenv), or `make synth`."""

import json
import os
import sys
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import Validations
from cdk_nag import AwsSolutionsChecks

from infra.layer_bundle import LayerNotBuiltError
from infra.stack import PluginForgeStack

# The CDK CLI hands cdk.json's context (feature flags, forge:* keys) over in CDK_CONTEXT_JSON; `make synth`
# runs this file without the CLI, so it reads the same context itself and both make the same template.
context = None
if "CDK_CONTEXT_JSON" not in os.environ:
    context = json.loads((Path(__file__).resolve().parent / "cdk.json").read_text())["context"]
app = cdk.App(context=context)
# Environment-agnostic: the same template deploys to whichever account and region the credentials select.
try:
    PluginForgeStack(app, "PluginForge")
except LayerNotBuiltError as exc:  # the one failure with a known remedy: say it, without a traceback
    sys.exit(f"synth: {exc}")
# cdk-nag 3.x runs as a CDK policy-validation plugin: an unacknowledged AwsSolutions finding fails the synth
# (and so the deploy), with the report in cdk.out/validation-report.json.
Validations.of(app).add_plugins(AwsSolutionsChecks(app, write_suppressions_to_cloud_formation=True))
app.synth()
