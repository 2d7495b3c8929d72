"""A WAFv2 web ACL on the API stage: per-client rate limits the stage's own throttle cannot give.

API Gateway's stage and method throttles are shared by every caller: one noisy client spends everyone's budget.
WAF's rate-based rules count per client IP (the REST API is REGIONAL with no CDN in front, so the source IP is the
client's). Two rules: a ceiling for any client on any path, and a far lower one on approval decisions, the only
requests that carry a guessable secret (the TOTP code). The approvers' lockout (forge.auth.mfa) bounds guesses per
approver whatever the source; this bounds how fast one source may try, across approvers.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct


@dataclass(frozen=True)
class RateLimit:
    requests: int
    window_seconds: int  # WAF accepts 60, 120, 300 or 600


# `forge run` follows a job by polling GET /jobs/{id} every 0.3 s (~3.3 requests/s per operator); 10/s per address
# leaves room for a few operators behind one NAT and still keeps any single client to half the stage's 20/s.
PER_CLIENT = RateLimit(requests=600, window_seconds=60)
# A decision needs a fresh TOTP step, so one approver decides at most about twice a minute; 10 a minute per address
# is generous for people and 60 times slower than an unthrottled guesser at the stage rate.
DECISIONS_PER_CLIENT = RateLimit(requests=10, window_seconds=60)
# What the approve and reject endpoints' paths hold (after URL-decoding and lower-casing, so no spelling evades it).
DECISION_PATH_PART = "/approvals/"
TOO_MANY_REQUESTS = 429


def _visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
    )


def _rate_rule(
    name: str, priority: int, limit: RateLimit, scope: wafv2.CfnWebACL.StatementProperty | None = None
) -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        action=wafv2.CfnWebACL.RuleActionProperty(
            block=wafv2.CfnWebACL.BlockActionProperty(
                custom_response=wafv2.CfnWebACL.CustomResponseProperty(response_code=TOO_MANY_REQUESTS)
            )
        ),
        statement=wafv2.CfnWebACL.StatementProperty(
            rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                aggregate_key_type="IP",
                limit=limit.requests,
                evaluation_window_sec=limit.window_seconds,
                scope_down_statement=scope,
            )
        ),
        visibility_config=_visibility(name),
    )


def _decision_paths() -> wafv2.CfnWebACL.StatementProperty:
    return wafv2.CfnWebACL.StatementProperty(
        byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
            field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(uri_path={}),
            positional_constraint="CONTAINS",
            search_string=DECISION_PATH_PART,
            text_transformations=[
                wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="URL_DECODE"),
                wafv2.CfnWebACL.TextTransformationProperty(priority=1, type="LOWERCASE"),
            ],
        )
    )


class ApiFirewall(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, stage: apigw.Stage) -> None:
        super().__init__(scope, construct_id)
        # The decisions' rule first: a client over both limits is answered by the stricter one.
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=_visibility("PluginForgeApi"),
            rules=[
                _rate_rule("DecisionsPerClient", 0, DECISIONS_PER_CLIENT, _decision_paths()),
                _rate_rule("RequestsPerClient", 1, PER_CLIENT),
            ],
        )
        self.association = wafv2.CfnWebACLAssociation(
            self, "StageAssociation", resource_arn=stage.stage_arn, web_acl_arn=self.web_acl.attr_arn
        )
