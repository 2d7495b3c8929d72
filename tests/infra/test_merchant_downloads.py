"""Merchants download releases through CloudFront: the marketplace bucket stays private behind an origin access
control, releases are cached, the trust files (keys.json, revocations.json and its signature) never are, and the URL is
a stack output (what `forge verify https://...` is given; docs/verify.md)."""

from __future__ import annotations

import json
from typing import Any

from tests.infra.synthesis import Synth

# CloudFront's managed cache policies (fixed ids, the same in every account).
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
NEVER_CACHED = ("keys.json", "revocations.json", "revocations.json.sig")


def _distribution(synth: Synth) -> dict[str, Any]:
    (distribution,) = synth.of_type("AWS::CloudFront::Distribution").values()
    return distribution["Properties"]["DistributionConfig"]


def test_the_marketplace_is_served_by_cloudfront_through_an_origin_access_control(synth: Synth) -> None:
    config = _distribution(synth)
    (origin,) = config["Origins"]
    marketplace = synth.logical_id(synth.stack.artifacts.marketplace)
    assert origin["DomainName"] == {"Fn::GetAtt": [marketplace, "RegionalDomainName"]}
    (oac_id,) = synth.of_type("AWS::CloudFront::OriginAccessControl")
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": [oac_id, "Id"]}
    oac = synth.resources[oac_id]["Properties"]["OriginAccessControlConfig"]
    assert (oac["OriginAccessControlOriginType"], oac["SigningBehavior"], oac["SigningProtocol"]) == (
        "s3",
        "always",
        "sigv4",
    )
    # The bucket admits CloudFront for this distribution only, reading objects only; it stays private otherwise.
    policies = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in synth.of_type("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": marketplace}
    ]
    (statements,) = policies
    (cloudfront,) = [s for s in statements if s.get("Principal") == {"Service": "cloudfront.amazonaws.com"}]
    assert cloudfront["Action"] == "s3:GetObject"
    assert cloudfront["Effect"] == "Allow"
    assert "AWS:SourceArn" in json.dumps(cloudfront["Condition"])
    bucket = synth.resources[marketplace]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())


def test_releases_are_cached_and_the_trust_files_never_are(synth: Synth) -> None:
    config = _distribution(synth)
    default = config["DefaultCacheBehavior"]
    assert default["CachePolicyId"] == CACHING_OPTIMIZED
    assert default["ViewerProtocolPolicy"] in ("https-only", "redirect-to-https")
    assert set(default.get("AllowedMethods", ["GET", "HEAD"])) <= {"GET", "HEAD"}
    behaviours = {b["PathPattern"]: b for b in config["CacheBehaviors"]}
    for name in NEVER_CACHED:
        assert behaviours[name]["CachePolicyId"] == CACHING_DISABLED, name
        assert behaviours[name]["ViewerProtocolPolicy"] in ("https-only", "redirect-to-https")
    assert config["Logging"]["Bucket"] == {
        "Fn::GetAtt": [synth.logical_id(synth.stack.artifacts.access_logs), "RegionalDomainName"]
    }


def test_the_download_url_is_a_stack_output(synth: Synth) -> None:
    outputs = synth.template.to_json()["Outputs"]
    (distribution,) = synth.of_type("AWS::CloudFront::Distribution")
    url = outputs["MarketplaceUrl"]["Value"]
    assert url == {"Fn::Join": ["", ["https://", {"Fn::GetAtt": [distribution, "DomainName"]}, "/"]]}
