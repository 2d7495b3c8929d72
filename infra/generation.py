"""What the LLM generation providers need in AWS (forge:generationProvider; forge.generation): the default `template`
provider needs nothing and the VPC keeps no route out.

- `bedrock`: a bedrock-runtime interface endpoint, and InvokeModel (what the Converse API is authorized as) on the
  configured model (`forge:bedrockModelId`) for generate only.
- `openai`: the endpoint's URL (`forge:siraApiUrl`, `forge:siraModel`) and its API key in a Secrets Manager secret only
  generate reads (put the key there after the deploy). The endpoint must be reachable: `forge:natGateway=true` adds a
  NAT gateway that only generate is placed behind (docs/aws.md has the cost); without it, the synth warns.
"""

from __future__ import annotations

import re

from aws_cdk import Annotations, Aws, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.context import ForgeContext
from infra.nag import acknowledge, acknowledge_wildcards
from infra.network import Network

# A cross-region inference profile's id starts with its geography (us.anthropic..., eu.anthropic...).
_INFERENCE_PROFILE = re.compile(r"^(us|eu|apac|us-gov|global)\.(.+)$")


class Generation(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        context: ForgeContext,
        network: Network,
        function: lambda_.Function,
    ) -> None:
        super().__init__(scope, construct_id)
        self.sira_api_key: secretsmanager.Secret | None = None
        if context.generation_provider != "template":
            # The zip Lambda has neither php nor isolation: Build lints the model's PHP (forge.generation.llm_provider).
            function.add_environment("FORGE_GENERATION_LINT", "build")
        if context.generation_provider == "bedrock":
            self._bedrock(context.bedrock_model_id, network, function)
        elif context.generation_provider == "openai":
            self.sira_api_key = self._openai(context, function)

    def _bedrock(self, model_id: str, network: Network, function: lambda_.Function) -> None:
        network.add_endpoint("BedrockRuntime", ec2.InterfaceVpcEndpointAwsService.BEDROCK_RUNTIME)
        function.add_environment("FORGE_BEDROCK_MODEL_ID", model_id)
        profile = _INFERENCE_PROFILE.match(model_id)
        if profile is None:
            resources = [f"arn:{Aws.PARTITION}:bedrock:{Aws.REGION}::foundation-model/{model_id}"]
        else:
            # An inference profile routes to the model in the regions of its geography: the profile, and that model.
            resources = [
                f"arn:{Aws.PARTITION}:bedrock:{Aws.REGION}:{Aws.ACCOUNT_ID}:inference-profile/{model_id}",
                f"arn:{Aws.PARTITION}:bedrock:*::foundation-model/{profile.group(2)}",
            ]
            acknowledge_wildcards(
                function,
                (f"Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/{profile.group(2)}",),
                "A cross-region inference profile invokes its one model in whichever region of its geography it "
                "routes to; the model is fixed, only the region is not.",
            )
        function.add_to_role_policy(iam.PolicyStatement(actions=["bedrock:InvokeModel"], resources=resources))

    def _openai(self, context: ForgeContext, function: lambda_.Function) -> secretsmanager.Secret:
        function.add_environment("SIRA_API_URL", context.sira_api_url)
        if context.sira_model:
            function.add_environment("SIRA_MODEL", context.sira_model)
        secret = secretsmanager.Secret(
            self,
            "SiraApiKey",
            description="Plugin Forge: the API key of the OpenAI-compatible endpoint (SIRA) generate calls; put the "
            "key here after the deploy (aws secretsmanager put-secret-value)",
            removal_policy=RemovalPolicy.DESTROY,
        )
        acknowledge(
            secret,
            "AwsSolutions-SMG4",
            "The key is issued by the endpoint's provider; it is replaced by putting the new key in the secret when "
            "the provider rotates it, which no rotation function here can do.",
        )
        function.add_environment("SIRA_API_KEY_SECRET_ID", secret.secret_arn)
        secret.grant_read(function)
        if not context.nat_gateway:
            Annotations.of(self).add_warning_v2(
                "forge:generationEgress",
                f"generate has no route to {context.sira_api_url}: the VPC has no NAT gateway. Set "
                "-c forge:natGateway=true, or reach the endpoint privately (PrivateLink, peering).",
            )
        return secret
