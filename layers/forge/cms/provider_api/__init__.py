"""The payment provider's API as ONE OpenAPI 3.1 document (openapi.yaml), shared by every platform.

Platforms read the values their templates need from it (header names, key prefixes, the signature scheme), and
the sandboxes compile it (`compiled()`) into the per-operation field lists the fake provider (fake/, PHP)
validates every request against, so a plugin that sends a field the document lacks fails its contract suites.
Only local `#/...` references are used, so resolving them needs no library and no network.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from forge.errors import ForgeError

FOLDER = Path(__file__).resolve().parent
OPENAPI = FOLDER / "openapi.yaml"
FAKE = FOLDER / "fake"
# The fake's PHP files, keyed by their name in a sandbox's `provider/` folder.
FAKE_FILES = ("schema.php", "provider.php", "router.php")
CONFIRMATION_MARK = "x-confirmed-by-provider"
HTTP_METHODS = ("get", "put", "post", "delete", "patch")


@cache
def document() -> dict[str, Any]:
    # libyaml's safe loader when PyYAML has it (its wheels do): the same document in a tenth of the time, which every
    # isolated half that serves the fake provider (Test, Sandbox) pays again in its fresh interpreter (~0.1 s).
    import yaml  # only where the document is read: the Build step and the API never read it

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loaded = yaml.load(OPENAPI.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - a safe loader, C or Python
    if not isinstance(loaded, dict):
        raise ForgeError(f"{OPENAPI} is not an OpenAPI document")
    return loaded


def _pointer(doc: dict[str, Any], ref: str) -> Any:
    if not ref.startswith("#/"):
        raise ForgeError(f"only local references are supported in the provider API document, not {ref!r}")
    node: Any = doc
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def resolve(node: Any, doc: dict[str, Any] | None = None, seen: tuple[str, ...] = ()) -> Any:
    """`node` with every `$ref` replaced by what it points to (the document has no cycles; one is an error)."""
    doc = doc if doc is not None else document()
    if isinstance(node, list):
        return [resolve(item, doc, seen) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        ref = node["$ref"]
        if ref in seen:
            raise ForgeError(f"circular reference {ref} in the provider API document")
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        target = resolve(_pointer(doc, ref), doc, (*seen, ref))
        return {**target, **resolve(siblings, doc, seen)} if siblings else target
    return {key: resolve(value, doc, seen) for key, value in node.items()}


def _path_pattern(path: str, parameters: list[dict[str, Any]]) -> str:
    """`/payments/{payment_id}` -> a regex whose groups are the path parameters' own patterns."""
    patterns = {p["name"]: p.get("schema", {}).get("pattern", "^[^/]+$") for p in parameters if p.get("in") == "path"}
    out = "^"
    for piece in re.split(r"(\{[^}]+\})", path):
        if piece.startswith("{"):
            name = piece[1:-1]
            out += f"(?P<{name}>{patterns.get(name, '^[^/]+$').strip('^$')})"
        else:
            out += re.escape(piece)
    return out + "$"


def _operation(method: str, path: str, op: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    parameters = resolve(op.get("parameters", []), doc)
    body = op.get("requestBody")
    schema = resolve(body["content"]["application/json"]["schema"], doc) if body else None
    return {
        "id": op["operationId"],
        "method": method.upper(),
        "path": path,
        "pattern": _path_pattern(path, parameters),
        "headers": {
            p["name"]: {"required": bool(p.get("required")), "schema": p.get("schema", {})}
            for p in parameters
            if p.get("in") == "header"
        },
        "path_params": {p["name"]: p.get("schema", {}) for p in parameters if p.get("in") == "path"},
        "body": schema,
        "responses": {
            code: resolve(r, doc).get("content", {}).get("application/json", {}).get("schema")
            for code, r in op.get("responses", {}).items()
        },
    }


def servers() -> dict[str, dict[str, str]]:
    """{mode: {"url", "host", "base_path"}} from the document's servers."""
    found = {}
    for server in document()["servers"]:
        parts = urlsplit(server["url"])
        found[server["x-mode"]] = {"url": server["url"], "host": parts.hostname or "", "base_path": parts.path}
    return found


def signature_scheme() -> dict[str, Any]:
    return dict(document()["x-webhook-signature"])


def key_prefixes() -> dict[str, str]:
    return dict(document()["components"]["securitySchemes"]["secretKey"]["x-key-prefixes"])


def dashboard_payment_links() -> dict[str, str]:
    """{mode: link with %s for the payment id}."""
    return dict(document()["info"]["x-dashboard-payment-links"])


def idempotency_header() -> str:
    return str(document()["components"]["parameters"]["IdempotencyKey"]["name"])


def idempotency_key_schema() -> dict[str, Any]:
    return dict(document()["components"]["parameters"]["IdempotencyKey"]["schema"])


# ISO 4217 minor-unit exponents that differ from the usual 2. The API takes integer minor units, and
# sending 100x the price of an XOF order is the classic bug this table exists to prevent.
MINOR_UNIT_EXPONENTS: dict[str, int] = {
    **dict.fromkeys(
        (
            "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG",
            "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF",
        ),
        0,
    ),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}  # fmt: skip


def template_values() -> dict[str, Any]:
    """What the templates take from the provider API document (openapi.yaml), so the code
    and the document cannot drift apart."""
    signature = signature_scheme()
    if (signature["algorithm"], signature["encoding"], signature["signed-payload"]) != (
        "HMAC-SHA256",
        "hex-lowercase",
        "{timestamp}.{body}",
    ):
        raise ForgeError("the webhook template implements hex HMAC-SHA256 of '{timestamp}.{body}' only")
    return {
        "signature_header": signature["signature-header"],
        "timestamp_header": signature["timestamp-header"],
        "tolerance": int(signature["tolerance-seconds"]),
        "idempotency_header": idempotency_header(),
        "key_prefixes": key_prefixes(),
        "links": dashboard_payment_links(),
        "webhook_events": sorted(compiled()["webhooks"]),
    }


@cache
def compiled() -> dict[str, Any]:
    """What the fake provider reads: every operation with its fully resolved request schema and headers, the
    webhook payload schemas, the servers, key prefixes and the signature scheme."""
    doc = document()
    operations = [
        _operation(method, path, op, doc)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in HTTP_METHODS
    ]
    webhooks = {
        event: resolve(item["post"]["requestBody"]["content"]["application/json"]["schema"], doc)
        for event, item in doc.get("webhooks", {}).items()
    }
    return {
        "title": doc["info"]["title"],
        "version": doc["info"]["version"],
        "servers": servers(),
        "key_prefixes": key_prefixes(),
        "idempotency_header": idempotency_header(),
        "operations": operations,
        "webhooks": webhooks,
        "signature": signature_scheme(),
    }


def _server(url: str) -> dict[str, str]:
    parts = urlsplit(url)
    return {"url": url, "host": parts.hostname or "", "base_path": parts.path}


def compiled_for(live_url: str, test_url: str | None = None) -> dict[str, Any]:
    """`compiled()` with the servers a plugin is configured for (its spec's live and sandbox base URLs): where the
    API lives is deployment; what it accepts is the document."""
    return {**compiled(), "servers": {"live": _server(live_url), "test": _server(test_url or live_url)}}


def compiled_json(live_url: str | None = None, test_url: str | None = None) -> bytes:
    data = compiled_for(live_url, test_url) if live_url else compiled()
    return json.dumps(data, indent=1, sort_keys=True).encode()


def fake_files(prefix: str = "provider", live_url: str | None = None, test_url: str | None = None) -> dict[str, bytes]:
    """The fake provider and the compiled document, keyed by their path in a sandbox's working directory."""
    files = {f"{prefix}/{name}": (FAKE / name).read_bytes() for name in FAKE_FILES}
    files[f"{prefix}/provider-api.json"] = compiled_json(live_url, test_url)
    return files


def unconfirmed_parts() -> list[str]:
    """Where the document marks a part as the forge's assumption: every operation, webhook, server, schema and
    the signature scheme carries `x-confirmed-by-provider`; the ones marked false are listed."""
    doc = document()
    parts: dict[str, Any] = {"info": doc["info"], "x-webhook-signature": doc["x-webhook-signature"]}
    parts |= {f"servers/{s['x-mode']}": s for s in doc["servers"]}
    parts |= {f"paths/{p}/{m}": op for p, item in doc["paths"].items() for m, op in item.items() if m in HTTP_METHODS}
    parts |= {f"webhooks/{name}": item["post"] for name, item in doc.get("webhooks", {}).items()}
    parts |= {f"components/schemas/{name}": s for name, s in doc["components"]["schemas"].items()}
    parts |= {f"components/securitySchemes/{n}": s for n, s in doc["components"]["securitySchemes"].items()}
    missing = [name for name, part in parts.items() if CONFIRMATION_MARK not in part and "$ref" not in part]
    if missing:
        raise ForgeError(f"provider API document: no {CONFIRMATION_MARK} on {', '.join(missing)}")
    return sorted(name for name, part in parts.items() if part.get(CONFIRMATION_MARK) is False)
