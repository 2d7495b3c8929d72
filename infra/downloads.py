"""Merchants download releases: a CloudFront distribution in front of the private marketplace bucket.

The bucket stays private (no public access, no website hosting): CloudFront reads it through an origin access
control (SigV4, `s3:GetObject` for this distribution only, in the bucket policy). Releases (`<slug>/<version>/...`)
never change once published, so they are cached; the trust files at the root (keys.json, revocations.json and its
signature) change on every rotation and revocation and are never cached, so a merchant always checks against the
current keyset and revocation list (the writer also sets `Cache-Control: no-cache` on them).
"""

from __future__ import annotations

from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.nag import acknowledge

# What the marketplace writes at its root and must never be served stale (forge.publishing.s3_marketplace).
TRUST_FILES = ("keys.json", "revocations.json", "revocations.json.sig")


class Downloads(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, marketplace: s3.IBucket, logs: s3.IBucket) -> None:
        super().__init__(scope, construct_id)
        origin = origins.S3BucketOrigin.with_origin_access_control(marketplace)
        never_cached = cloudfront.BehaviorOptions(
            origin=origin,
            viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
            cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
            allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment="Plugin Forge marketplace: signed releases and the trust files",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origin,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
            ),
            additional_behaviors={name: never_cached for name in TRUST_FILES},
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            enable_logging=True,
            log_bucket=logs,
            log_file_prefix="cloudfront/",
        )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR1",
            "Merchants anywhere download releases; there is no country the forge must keep them from.",
        )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR2",
            "Static, signed files from a private bucket, GET/HEAD only: nothing for a web ACL to protect, and a "
            "CloudFront-scope WAF must live in us-east-1, which this environment-agnostic stack cannot assume.",
        )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR4",
            "The default *.cloudfront.net certificate: CloudFront then accepts TLSv1 at minimum, which only a custom "
            "domain with its own certificate can raise; the files are signed, so integrity does not rest on TLS.",
        )

    @property
    def url(self) -> str:
        return f"https://{self.distribution.distribution_domain_name}/"
