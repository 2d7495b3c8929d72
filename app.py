#!/usr/bin/env python3
"""The CDK app: `cdk synth` / `cdk deploy` (cdk.json runs this with the project's virtualenv)."""

import aws_cdk as cdk

from infra.stack import PluginForgeStack

app = cdk.App()
# Environment-agnostic: the same template deploys to whichever account and region the credentials select.
PluginForgeStack(app, "PluginForge")
app.synth()
