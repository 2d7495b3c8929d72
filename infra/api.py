"""The public entry point: an API Gateway REST API for every endpoint of docs/openapi.json, behind Cognito.

The routes come from the OpenAPI document the Powertools resolver generates (forge.api.app), so the gateway
exposes exactly the endpoints the api Lambda serves; every method is a proxy integration to that one function,
which does its own routing, validation and role checks (forge.api.auth reads the Cognito groups claim).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from forge.api.auth import ADMIN, OPS
from infra.api_firewall import ApiFirewall
from infra.context import ForgeContext
from infra.nag import acknowledge, acknowledge_managed_policies

OPENAPI = Path("docs") / "openapi.json"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
# Liveness for load balancers and uptime checks: no user, no data (forge/api/routers/health.py).
PUBLIC_PATHS = frozenset({"/api/v1/forge/health"})
# Ops traffic: a handful of people and scripts. Enough for bursts of listing, low enough to bound a runaway
# client's cost and the database connections the Lambda opens.
THROTTLE_RATE = 20
THROTTLE_BURST = 40
# Approval decisions (approve/reject), for all callers together: a person decides at most once per TOTP step, so a
# few a second is ample, and it caps how fast the HSM/KMS signs approval statements whoever is asking.
DECISION_SUFFIXES = ("/approve", "/reject")
DECISION_THROTTLE_RATE = 5
DECISION_THROTTLE_BURST = 10


def openapi_routes(document: dict[str, Any]) -> dict[str, list[str]]:
    """{path: [METHOD, ...]} of an OpenAPI document, paths as written (`{job_id}` style parameters)."""
    routes: dict[str, list[str]] = {}
    for path, item in document.get("paths", {}).items():
        methods = sorted(m.upper() for m in item if m in HTTP_METHODS)
        if methods:
            routes[path] = methods
    if not routes:
        raise ValueError(f"{OPENAPI} has no paths: regenerate it from forge.api.app")
    return routes


def decision_paths(routes: dict[str, list[str]]) -> list[str]:
    """The approve and reject endpoints (POST), which carry an approver's TOTP code."""
    found = [path for path, methods in routes.items() if path.endswith(DECISION_SUFFIXES) and "POST" in methods]
    if len(found) != len(DECISION_SUFFIXES):
        raise ValueError(f"{OPENAPI} should have one POST endpoint ending in each of {DECISION_SUFFIXES}: {found}")
    return found


def default_prefix(scope: Construct) -> str:
    """<stack name>-<account id>: unique per account and stack, as Cognito domain prefixes must be per region."""
    stack = Stack.of(scope)
    name = re.sub(r"[^a-z0-9]+", "-", stack.stack_name.lower()).strip("-") or "forge"
    for word in ("aws", "amazon", "cognito"):  # reserved in prefixes
        name = name.replace(word, "x")
    return f"{name[:40]}-{stack.account}"


class Api(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        repo_root: Path,
        function: lambda_.IFunction,
        context: ForgeContext,
    ) -> None:
        super().__init__(scope, construct_id)
        document = json.loads((repo_root / OPENAPI).read_text(encoding="utf-8"))
        self.routes = openapi_routes(document)

        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            self_sign_up_enabled=False,  # ops accounts are created by an administrator
            sign_in_aliases=cognito.SignInAliases(username=True, email=True),
            mfa=cognito.Mfa.REQUIRED,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            password_policy=cognito.PasswordPolicy(
                min_length=14, require_digits=True, require_lowercase=True, require_uppercase=True, require_symbols=True
            ),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            feature_plan=cognito.FeaturePlan.PLUS,
            standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        # The two roles of the spec; forge.api.auth maps the `cognito:groups` claim onto them.
        self.groups = {
            name: cognito.UserPoolGroup(self, f"Group{i}", user_pool=self.user_pool, group_name=name, description=desc)
            for i, (name, desc) in enumerate(
                ((OPS, "Plugin Forge operators: submit, follow, approve"), (ADMIN, "Payments admins: also revoke"))
            )
        }
        # The hosted sign-in (password + TOTP on Cognito's own page) is how an operator gets an ID token for
        # FORGE_TOKEN (docs/api.md): no password-based API flow is enabled, so passwords only ever go to that page.
        self.domain = self.user_pool.add_domain(
            "Domain",
            cognito_domain=cognito.CognitoDomainOptions(
                domain_prefix=context.cognito_domain_prefix or default_prefix(self)
            ),
        )
        self.client = self.user_pool.add_client(
            "OpsClient",
            auth_flows=cognito.AuthFlow(user_srp=True),
            # Authorization code only (a public client: the operator's machine redeems the code with a PKCE
            # verifier); no implicit flow, which would hand tokens over in the browser's address bar.
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True, implicit_code_grant=False),
                scopes=[cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
                callback_urls=[context.callback_url],
                logout_urls=[context.callback_url],
            ),
            supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
            generate_secret=False,
            id_token_validity=Duration.hours(1),
            access_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.hours(12),
            prevent_user_existence_errors=True,
        )

        self.access_logs = logs.LogGroup(self, "AccessLogs", retention=logs.RetentionDays.ONE_YEAR)
        self.rest_api = apigw.RestApi(
            self,
            "RestApi",
            rest_api_name="plugin-forge",
            description="Plugin Forge ops API",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            # The account-level role API Gateway needs to write execution logs.
            cloud_watch_role=True,
            cloud_watch_role_removal_policy=RemovalPolicy.RETAIN,
            deploy_options=apigw.StageOptions(
                stage_name="v1",
                throttling_rate_limit=THROTTLE_RATE,
                throttling_burst_limit=THROTTLE_BURST,
                method_options={
                    f"{path}/POST": apigw.MethodDeploymentOptions(
                        throttling_rate_limit=DECISION_THROTTLE_RATE, throttling_burst_limit=DECISION_THROTTLE_BURST
                    )
                    for path in decision_paths(self.routes)
                },
                access_log_destination=apigw.LogGroupLogDestination(self.access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=False,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,  # bodies hold plugin specs and approvals; access logs are enough
                metrics_enabled=True,
                tracing_enabled=True,
            ),
        )
        self.authorizer = apigw.CognitoUserPoolsAuthorizer(
            self, "Authorizer", cognito_user_pools=[self.user_pool], results_cache_ttl=Duration.minutes(5)
        )
        # The function validates bodies against its pydantic models (with clear 4xx messages); the gateway's
        # validator checks required parameters, and bodies wherever a method declares a model.
        validator = self.rest_api.add_request_validator(
            "Validator", validate_request_parameters=True, validate_request_body=True
        )
        integration = apigw.LambdaIntegration(function, proxy=True)
        self.methods: dict[tuple[str, str], apigw.Method] = {}
        for path, methods in self.routes.items():
            resource = self.rest_api.root.resource_for_path(path)
            for method in methods:
                public = path in PUBLIC_PATHS
                added = resource.add_method(
                    method,
                    integration,
                    authorization_type=apigw.AuthorizationType.NONE if public else apigw.AuthorizationType.COGNITO,
                    authorizer=None if public else self.authorizer,
                    request_validator=validator,
                )
                self.methods[(path, method)] = added
                if public:
                    for rule in ("AwsSolutions-APIG4", "AwsSolutions-COG4"):
                        acknowledge(
                            added, rule, reason="The health check is public by design: it returns no data and no user."
                        )

        # Per-client limits (the stage's throttles above are shared by all callers).
        self.firewall = ApiFirewall(self, "Firewall", stage=self.rest_api.deployment_stage)
        acknowledge_managed_policies(
            self.rest_api,
            ("service-role/AmazonAPIGatewayPushToCloudWatchLogs",),
            "The policy AWS documents for the account-level role API Gateway writes execution logs with.",
        )
