"""JavaScript and TypeScript outbound connections only to the allowlisted API hosts: fetch, Node's http/https,
undici, axios, got, ky, superagent, jQuery's ajax, XMLHttpRequest, sendBeacon, WebSocket and EventSource, and
the beacons and scripts a page loads by setting `src`.

A URL whose host the code fixes (literal, a constant, a template or concatenation on one, `new URL(path, base)`,
any side of `||`/`??`) must name an allowlisted host. A URL built on deployment configuration (`process.env`) is
the operator's choice and is held to the allowlist at run time by the Sandbox step. Any other URL is not known
statically: an error when the call carries request or page data (or the whole of `process.env`), as the PHP
family reports exfiltration to an unknown host, a warning otherwise."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tree_sitter import Node

from forge.gates.context import Rule, ScanContext
from forge.gates.findings import Finding, Severity
from forge.gates.js_ast import (
    JsFile,
    arguments,
    callee,
    callees,
    defined_locally,
    required_module,
    string_text,
    unwrap,
)
from forge.gates.js_request_data import is_request_data
from forge.gates.js_values import configured, resolve_value, url_starts
from forge.gates.syntax import line, text, walk
from forge.gates.urls import url_host

METHODS = ("get", "post", "put", "patch", "delete", "head", "options", "request", "stream", "del")
CLIENT_LIBRARIES = ("axios", "got", "ky", "superagent", "needle", "$", "jQuery")
# Calls (as `callee()` names them) -> index of the URL (or options) argument.
HTTP_CALLS = {
    **{name: 0 for name in ("fetch", "node-fetch", "cross-fetch", "isomorphic-fetch", "axios", "got", "ky")},
    **{f"{module}.{m}": 0 for module in ("http", "https", "undici") for m in ("request", "get", "fetch", "stream")},
    **{f"{lib}.{m}": 0 for lib in CLIENT_LIBRARIES for m in METHODS},
    **{f"{lib}.{m}": 0 for lib in ("$", "jQuery") for m in ("ajax", "getJSON", "getScript", "post", "get", "load")},
    "http2.connect": 0,
    "undici.pipeline": 0,
    "undici.connect": 0,
    "navigator.sendBeacon": 0,
    "axios.create": 0,
    "got.extend": 0,
    "ky.create": 0,
    "ky.extend": 0,
    "net.connect": 0,
    "net.createConnection": 0,
    "tls.connect": 0,
}
NEW_TARGETS = {"WebSocket": 0, "EventSource": 0, "Request": 0, "undici.Client": 0, "undici.Pool": 0}
NEW_TARGETS |= {"undici.Agent": 0, "undici.ProxyAgent": 0}
# Option keys naming where a request goes; `host`/`hostname` hold a bare host.
URL_KEYS = ("url", "baseURL", "prefixUrl", "uri", "origin")
HOST_KEYS = ("hostname", "host")
HTTP_VERB = re.compile(r"^(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)$", re.I)
# Elements whose `src` a page sets to load or to beacon: `new Image().src = 'https://x/?c=' + card`.
LOADING_ELEMENTS = frozenset({"script", "img", "iframe"})


def _option(js: JsFile, options: Node, keys: tuple[str, ...]) -> Node | None:
    options = unwrap(options)
    if options.type == "identifier":
        options = js.single_binding(options) or options
    if options.type != "object":
        return None
    for pair in (p for p in options.named_children if p.type in ("pair", "shorthand_property_identifier")):
        key = pair.child_by_field_name("key") if pair.type == "pair" else pair
        value = pair.child_by_field_name("value") if pair.type == "pair" else pair
        if key is not None and value is not None and (string_text(key) or text(key)) in keys:
            return value
    return None


def _targets(js: JsFile) -> Iterator[tuple[Node, str, Node]]:
    """(call, what it is, URL expression) for every outbound call and `src` beacon of the file."""
    for call in js.calls:
        table = HTTP_CALLS if call.type == "call_expression" else NEW_TARGETS
        name = next((n for n in callees(js, call) if n in table), callee(js, call) or "")
        args = arguments(call)
        function = call.child_by_field_name("function") or call.child_by_field_name("constructor")
        if function is not None and name in table and defined_locally(js, function):
            continue
        if name in table and len(args) > table[name]:
            target = args[table[name]]
            options = [target, *args[table[name] + 1 :]]
            url = next((u for o in options if (u := _option(js, o, URL_KEYS)) is not None), None)
            host = next((h for o in options if (h := _option(js, o, HOST_KEYS)) is not None), None)
            bare = host is not None and url is None and unwrap(target).type in ("object", "identifier")
            yield call, f"{name}()", (host if bare and host is not None else url if url is not None else target)
        elif name.endswith(".open") and len(args) > 1 and HTTP_VERB.match(resolve_value(js, args[0]) or ""):
            yield call, "XMLHttpRequest.open()", args[1]
    yield from _beacons(js)
    yield from _url_modules(js)


def _loading_element(js: JsFile, node: Node) -> bool:
    node = unwrap(node)
    if node.type == "identifier":
        node = js.single_binding(node) or node
    name = callee(js, node) if node.type in ("new_expression", "call_expression") else None
    if name == "Image":
        return True
    args = arguments(node) if name == "document.createElement" else []
    return bool(args) and (resolve_value(js, args[0]) or "").lower() in LOADING_ELEMENTS


def _beacons(js: JsFile) -> Iterator[tuple[Node, str, Node]]:
    """`img.src = url` and `script.setAttribute('src', url)` on an element that loads what it points at."""
    for left, value in js.property_assignments:
        prop, obj = left.child_by_field_name("property"), left.child_by_field_name("object")
        if left.type == "member_expression" and prop and obj and text(prop) == "src" and _loading_element(js, obj):
            yield left.parent or left, "setting an element's src", value
    for call in js.calls:
        function = unwrap(call.child_by_field_name("function") or call)
        receiver = function.child_by_field_name("object") if function.type == "member_expression" else None
        args = arguments(call)
        if receiver is None or len(args) < 2 or not text(function).endswith(".setAttribute"):
            continue
        if (resolve_value(js, args[0]) or "").lower() == "src" and _loading_element(js, receiver):
            yield call, "setting an element's src", args[1]


def _url_modules(js: JsFile) -> Iterator[tuple[Node, str, Node]]:
    """Code loaded from a URL: `import x from 'https://…'`, `import('https://…')`, `require('//…')`."""
    sources = [(s, s.child_by_field_name("source")) for s, _ in js.specifiers]
    sources += [(c, arguments(c)[0]) for c in js.calls if arguments(c) and required_module(js, c) is not None]
    for node, source in sources:
        value = resolve_value(js, source) if source is not None else None
        if source is not None and value and url_host(value, scheme_relative=True):
            yield node, "loading a module", source


def _bare_host(js: JsFile, node: Node) -> str | None:
    value = resolve_value(js, node)
    return url_host(f"//{value}", scheme_relative=True) if value and "/" not in value else None


def _where(js: JsFile, target: Node) -> tuple[list[str], bool]:
    """(hosts the code fixes, whether some way the URL may start is neither fixed, relative nor configuration)."""
    hosts: list[str] = []
    unknown = False
    for prefix, start in url_starts(js, target):
        host = url_host(prefix, scheme_relative=True) if prefix else None
        key = (
            start.parent.child_by_field_name("key")
            if start.parent is not None and start.parent.type == "pair"
            else None
        )
        if key is not None and text(key).strip("'\"") in HOST_KEYS:
            host = _bare_host(js, start)
        if host:
            hosts.append(host)
        elif prefix is not None and ":" not in prefix.split("/")[0] and not prefix.startswith("//"):
            continue  # a relative URL: the page's own origin
        elif not configured(js, start):
            unknown = True
    return hosts, unknown


def _whole_environment(node: Node) -> bool:
    """The call carries the whole of `process.env` (every secret the deployment holds), not one setting."""
    return any(
        text(n) == "process.env"
        and (n.parent is None or n.parent.type not in ("member_expression", "subscript_expression"))
        for n in walk(node)
        if n.type == "member_expression"
    )


def _hosts(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path, js in ctx.js.items():
        for node, name, target in _targets(js):
            hosts, unknown = _where(js, target)
            outside = [h for h in hosts if not ctx.host_allowed(h)]
            if outside:
                yield ctx.hit(rule, path, line(node), f"{name} calls {outside[0]}, not an allowlisted API host")
            elif unknown and (is_request_data(js, node) or _whole_environment(node)):
                message = f"{name} sends request data to a host not known statically: {text(target)[:50]}"
                yield ctx.hit(rule, path, line(node), message)
            elif unknown:
                message = f"{name} calls a host not known statically: {text(target)[:50]}"
                yield ctx.hit(rule, path, line(node), message, Severity.WARNING)


RULES = (Rule("js.host-not-allowed", Severity.ERROR, "JavaScript outbound hosts outside the allowlist", _hosts),)
