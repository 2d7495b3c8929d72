"""AWS Signature Version 4 as the local emulator's authentication: the runtime's own clients sign every request
with a secret made for this run; the emulator recomputes the signature with botocore's own signer and refuses
anything else.

The secret lives only in this process's memory (never in the environment, a file or a URL), so another local
process cannot produce a valid signature; the signature covers the method, path, host, date and body, and a
signature older than MAX_SKEW is refused, so a captured request cannot be changed or kept for later.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from botocore.auth import SIGV4_TIMESTAMP, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

MAX_SKEW = timedelta(minutes=5)
_AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/,\s]+)/(?P<date>\d{8})/(?P<region>[^/,\s]+)/(?P<service>[^/,\s]+)"
    r"/aws4_request,\s*SignedHeaders=(?P<headers>[a-z0-9;\-]+),\s*Signature=(?P<signature>[0-9a-f]{64})$"
)


class SignatureError(Exception):
    """The request is not signed by this run's credentials (missing, wrong, stale or tampered)."""


@dataclass(frozen=True)
class RunCredentials:
    """An access key pair made for one run of the local runtime."""

    access_key: str = field(default_factory=lambda: "FORGELOCAL" + secrets.token_hex(8).upper())
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)


def verify_sigv4(
    credentials: RunCredentials,
    service: str,
    region: str,
    method: str,
    raw_path: str,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime | None = None,
) -> None:
    """Raise SignatureError unless `headers` carry a SigV4 signature of this request by `credentials` for
    `service` in `region`, made within MAX_SKEW of `now`."""
    lowered = {k.lower(): v for k, v in headers.items()}
    match = _AUTHORIZATION.match(lowered.get("authorization", "").strip())
    if match is None:
        raise SignatureError("missing or malformed SigV4 Authorization header")
    if not hmac.compare_digest(match["key"], credentials.access_key):
        raise SignatureError("unknown access key")
    if (match["region"], match["service"]) != (region, service):
        raise SignatureError(f"signed for {match['service']} in {match['region']}, not {service} in {region}")
    signed = match["headers"].split(";")
    if "host" not in signed or "x-amz-date" not in signed or any(name not in lowered for name in signed):
        raise SignatureError("the signature must cover host and x-amz-date, and every header it names")
    timestamp = lowered["x-amz-date"]
    try:
        when = datetime.strptime(timestamp, SIGV4_TIMESTAMP).replace(tzinfo=UTC)
    except ValueError:
        raise SignatureError("malformed X-Amz-Date") from None
    if timestamp[:8] != match["date"] or abs((now or datetime.now(UTC)) - when) > MAX_SKEW:
        raise SignatureError("stale or inconsistent signature date")
    declared = lowered.get("x-amz-content-sha256")
    if declared is not None and not hmac.compare_digest(declared, hashlib.sha256(body).hexdigest()):
        raise SignatureError("body does not match its signed digest")

    url = f"http://{lowered['host']}{raw_path}"
    request = AWSRequest(method, url, data=body, headers={name: lowered[name] for name in signed})
    request.context["timestamp"] = timestamp
    signer = SigV4Auth(Credentials(credentials.access_key, credentials.secret_key), service, region)
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    if not hmac.compare_digest(expected, match["signature"]):
        raise SignatureError("signature does not match")
