"""API Gateway: every endpoint of docs/openapi.json, proxied to the api Lambda, behind Cognito, throttled, logged."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest

from forge.api.auth import ADMIN, OPS
from forge.auth.mfa_key_secret import MIN_SECRET_CHARS
from infra.api import (
    DECISION_THROTTLE_BURST,
    DECISION_THROTTLE_RATE,
    OPENAPI,
    PUBLIC_PATHS,
    THROTTLE_BURST,
    THROTTLE_RATE,
    decision_paths,
    openapi_routes,
)
from infra.api_firewall import DECISION_PATH_PART, DECISIONS_PER_CLIENT, PER_CLIENT
from infra.context import CALLBACK_URL, COGNITO_DOMAIN_PREFIX, DEFAULT_CALLBACK_URL, ForgeContext
from infra.secrets import MFA_KEY_SECRET_ENV, SECRET_LENGTH
from infra.stack import REPO_ROOT
from tests.infra.synthesis import Synth, actions

DOCUMENT = json.loads((REPO_ROOT / OPENAPI).read_text())


def _paths(synth: Synth) -> dict[str, str]:
    """{logical id of an ApiGateway::Resource: its full path}, walking ParentId up to the root."""
    resources = synth.of_type("AWS::ApiGateway::Resource")

    def path(logical_id: str) -> str:
        props = resources[logical_id]["Properties"]
        parent = props["ParentId"]
        prefix = path(parent["Ref"]) if "Ref" in parent else ""
        return f"{prefix}/{props['PathPart']}"

    return {logical_id: path(logical_id) for logical_id in resources}


def _methods(synth: Synth) -> dict[tuple[str, str], dict[str, Any]]:
    paths = _paths(synth)
    found = {}
    for method in synth.of_type("AWS::ApiGateway::Method").values():
        props = method["Properties"]
        resource = props["ResourceId"]
        path = paths[resource["Ref"]] if "Ref" in resource else "/"
        found[(path, props["HttpMethod"])] = props
    return found


def test_every_openapi_operation_is_a_method_and_nothing_else(synth: Synth) -> None:
    expected = {(path, method) for path, methods in openapi_routes(DOCUMENT).items() for method in methods}
    assert set(_methods(synth)) == expected
    assert len(expected) >= 9


def test_every_method_is_a_lambda_proxy_to_the_api_function(synth: Synth) -> None:
    api_function = synth.logical_id(synth.stack.functions.api)
    for key, props in _methods(synth).items():
        integration = props["Integration"]
        assert integration["Type"] == "AWS_PROXY", key
        assert integration["IntegrationHttpMethod"] == "POST", key
        assert api_function in json.dumps(integration["Uri"]), key
        assert props["RequestValidatorId"], key


def test_cognito_guards_every_method_but_health(synth: Synth) -> None:
    (authorizer_id, authorizer), *_ = synth.of_type("AWS::ApiGateway::Authorizer").items()
    assert authorizer["Properties"]["Type"] == "COGNITO_USER_POOLS"
    pool = synth.logical_id(synth.stack.api.user_pool)
    assert authorizer["Properties"]["ProviderARNs"] == [{"Fn::GetAtt": [pool, "Arn"]}]
    for (path, method), props in _methods(synth).items():
        if path in PUBLIC_PATHS:
            assert props["AuthorizationType"] == "NONE", path
        else:
            assert props["AuthorizationType"] == "COGNITO_USER_POOLS", (path, method)
            assert props["AuthorizerId"] == {"Ref": authorizer_id}, (path, method)


def test_user_pool_has_the_two_role_groups_mfa_and_no_self_sign_up(synth: Synth) -> None:
    groups = {g["Properties"]["GroupName"] for g in synth.of_type("AWS::Cognito::UserPoolGroup").values()}
    assert groups == {OPS, ADMIN}
    (pool,) = synth.of_type("AWS::Cognito::UserPool").values()
    props = pool["Properties"]
    assert props["MfaConfiguration"] == "ON"
    assert props["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert props["Policies"]["PasswordPolicy"]["MinimumLength"] >= 14


def test_stage_is_throttled_traced_and_access_logged(synth: Synth) -> None:
    (stage,) = synth.of_type("AWS::ApiGateway::Stage").values()
    props = stage["Properties"]
    (settings,) = [s for s in props["MethodSettings"] if s["ResourcePath"] == "/*"]
    assert settings["HttpMethod"] == "*"
    assert settings["ThrottlingRateLimit"] == THROTTLE_RATE
    assert settings["ThrottlingBurstLimit"] == THROTTLE_BURST
    assert props["TracingEnabled"] is True
    logs = synth.logical_id(synth.stack.api.access_logs)
    # arn:...:log-group:<name> (without the trailing :* of the group's Arn attribute)
    assert {"Ref": logs} in props["AccessLogSetting"]["DestinationArn"]["Fn::Join"][1]
    assert "$context.status" in props["AccessLogSetting"]["Format"]


def test_api_gateway_may_invoke_the_api_function(synth: Synth) -> None:
    api_function = synth.logical_id(synth.stack.functions.api)
    permissions = [
        p["Properties"]
        for p in synth.of_type("AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == "apigateway.amazonaws.com"
    ]
    assert permissions
    assert all(p["FunctionName"] == {"Fn::GetAtt": [api_function, "Arn"]} for p in permissions)


def test_an_openapi_document_without_paths_is_refused() -> None:
    with pytest.raises(ValueError, match="no paths"):
        openapi_routes({"openapi": "3.0.3", "paths": {}})
    assert openapi_routes({"paths": {"/a": {"get": {}, "parameters": []}}}) == {"/a": ["GET"]}


def test_ops_sign_in_with_the_code_flow_on_a_hosted_domain(synth: Synth) -> None:
    (client,) = synth.of_type("AWS::Cognito::UserPoolClient").values()
    props = client["Properties"]
    assert props["AllowedOAuthFlows"] == ["code"]  # no implicit flow
    assert props["AllowedOAuthFlowsUserPoolClient"] is True
    assert props["CallbackURLs"] == [DEFAULT_CALLBACK_URL]
    assert set(props["AllowedOAuthScopes"]) == {"openid", "email", "profile"}
    assert props["SupportedIdentityProviders"] == ["COGNITO"]
    assert "GenerateSecret" not in props or props["GenerateSecret"] is False  # public: PKCE, no client secret
    # SRP for SDK clients; no password flow that would send a password anywhere but the hosted page.
    assert set(props["ExplicitAuthFlows"]) == {"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
    (domain,) = synth.of_type("AWS::Cognito::UserPoolDomain").values()
    assert domain["Properties"]["UserPoolId"] == {"Ref": synth.logical_id(synth.stack.api.user_pool)}
    # <stack name>-<account>: unique per account without anyone picking a name.
    assert domain["Properties"]["Domain"] == {"Fn::Join": ["", ["pluginforge-", {"Ref": "AWS::AccountId"}]]}
    domain_id = synth.logical_id(synth.stack.api.domain)
    outputs = synth.template.to_json()["Outputs"]
    assert {"Ref": domain_id} in outputs["SignInDomain"]["Value"]["Fn::Join"][1]  # https://<prefix>.auth.<region>...


def _context(**values: str) -> ForgeContext:
    app = cdk.App(context=values)
    return ForgeContext.from_node(cdk.Stack(app, "S").node)


def test_domain_prefix_and_callback_url_come_from_context_and_are_checked() -> None:
    chosen = _context(**{COGNITO_DOMAIN_PREFIX: "acme-forge", CALLBACK_URL: "https://ops.example.org/cb"})
    assert (chosen.cognito_domain_prefix, chosen.callback_url) == ("acme-forge", "https://ops.example.org/cb")
    assert _context().callback_url == DEFAULT_CALLBACK_URL
    for bad in ("Acme", "my-aws-forge", "-x", "a" * 64):
        with pytest.raises(ValueError, match=COGNITO_DOMAIN_PREFIX):
            _context(**{COGNITO_DOMAIN_PREFIX: bad})
    for bad in ("http://ops.example.org/cb", "ftp://localhost/cb", "localhost:8765", "https://x.org/#f"):
        with pytest.raises(ValueError, match=CALLBACK_URL):
            _context(**{CALLBACK_URL: bad})


def test_the_mfa_key_is_a_generated_secret_only_the_api_function_reads(synth: Synth) -> None:
    secret_id = synth.logical_id(synth.stack.mfa_key.secret)
    secret = synth.resources[secret_id]
    assert secret["Type"] == "AWS::SecretsManager::Secret"
    generator = secret["Properties"]["GenerateSecretString"]
    assert generator["PasswordLength"] == SECRET_LENGTH >= MIN_SECRET_CHARS
    assert generator["ExcludePunctuation"] is True
    assert secret["DeletionPolicy"] == "Retain"  # losing it orphans every sealed seed
    api_function = synth.logical_id(synth.stack.functions.api)
    env = synth.resources[api_function]["Properties"]["Environment"]["Variables"]
    assert env[MFA_KEY_SECRET_ENV] == {"Ref": secret_id}
    readers = set()
    for function_id, function in synth.of_type("AWS::Lambda::Function").items():
        role = function["Properties"]["Role"]["Fn::GetAtt"][0]
        for statement in synth.statements(role):
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            if {"Ref": secret_id} in resources:
                assert actions(statement) <= {"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}
                readers.add(function_id)
        if function_id != api_function:
            assert MFA_KEY_SECRET_ENV not in function["Properties"].get("Environment", {}).get("Variables", {})
    assert readers == {api_function}


def test_approval_decisions_have_a_tighter_stage_throttle(synth: Synth) -> None:
    (stage,) = synth.of_type("AWS::ApiGateway::Stage").values()
    tighter = {s["ResourcePath"]: s for s in stage["Properties"]["MethodSettings"] if s["ResourcePath"] != "/*"}
    # MethodSettings name a resource with its slashes written ~1.
    expected = {"/" + path.replace("/", "~1") for path in decision_paths(openapi_routes(DOCUMENT))}
    assert set(tighter) == expected
    assert len(expected) == 2
    for settings in tighter.values():
        assert settings["HttpMethod"] == "POST"
        assert (settings["ThrottlingRateLimit"], settings["ThrottlingBurstLimit"]) == (
            DECISION_THROTTLE_RATE,
            DECISION_THROTTLE_BURST,
        )
        assert DECISION_THROTTLE_RATE < THROTTLE_RATE
        assert DECISION_THROTTLE_BURST < THROTTLE_BURST


def _web_acl_rules(synth: Synth) -> tuple[str, dict[str, dict[str, Any]]]:
    ((acl_id, acl),) = synth.of_type("AWS::WAFv2::WebACL").items()
    props = acl["Properties"]
    assert props["Scope"] == "REGIONAL"
    assert props["DefaultAction"] == {"Allow": {}}
    return acl_id, {rule["Name"]: rule for rule in props["Rules"]}


def test_a_web_acl_on_the_stage_limits_each_client_and_decisions_more(synth: Synth) -> None:
    acl_id, rules = _web_acl_rules(synth)
    assert set(rules) == {"DecisionsPerClient", "RequestsPerClient"}
    for rule, limit in ((rules["RequestsPerClient"], PER_CLIENT), (rules["DecisionsPerClient"], DECISIONS_PER_CLIENT)):
        rate = rule["Statement"]["RateBasedStatement"]
        assert rate["AggregateKeyType"] == "IP"  # per client address (a REGIONAL API: no CDN between)
        assert (rate["Limit"], rate["EvaluationWindowSec"]) == (limit.requests, limit.window_seconds)
        assert rule["Action"] == {"Block": {"CustomResponse": {"ResponseCode": 429}}}
        assert rule["VisibilityConfig"]["CloudWatchMetricsEnabled"] is True
    assert "ScopeDownStatement" not in rules["RequestsPerClient"]["Statement"]["RateBasedStatement"]
    # The stricter rule is evaluated first and is far stricter per second.
    assert rules["DecisionsPerClient"]["Priority"] < rules["RequestsPerClient"]["Priority"]
    assert (
        DECISIONS_PER_CLIENT.requests / DECISIONS_PER_CLIENT.window_seconds
        < PER_CLIENT.requests / PER_CLIENT.window_seconds / 10
    )

    (association,) = synth.of_type("AWS::WAFv2::WebACLAssociation").values()
    assert association["Properties"]["WebACLArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    (stage_id,) = synth.of_type("AWS::ApiGateway::Stage")
    arn = association["Properties"]["ResourceArn"]["Fn::Join"][1]
    assert {"Ref": stage_id} in arn
    assert {"Ref": synth.logical_id(synth.stack.api.rest_api)} in arn
    assert ":apigateway:" in arn
    assert "::/restapis/" in arn
    assert "/stages/" in arn


def test_the_decision_rule_matches_approve_and_reject_and_nothing_else(synth: Synth) -> None:
    _, rules = _web_acl_rules(synth)
    match = rules["DecisionsPerClient"]["Statement"]["RateBasedStatement"]["ScopeDownStatement"]["ByteMatchStatement"]
    assert match["FieldToMatch"] == {"UriPath": {}}
    assert match["PositionalConstraint"] == "CONTAINS"
    # Decoded and lower-cased first: %2F or capitals do not slip past the match.
    assert [t["Type"] for t in sorted(match["TextTransformations"], key=lambda t: t["Priority"])] == [
        "URL_DECODE",
        "LOWERCASE",
    ]
    routes = openapi_routes(DOCUMENT)
    needle = match["SearchString"]
    assert needle == DECISION_PATH_PART == needle.lower()
    matched = {path for path in routes if needle in path.lower()}
    assert matched == set(decision_paths(routes)), matched
