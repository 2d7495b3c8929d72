"""Outbound HTTP only to the allowlisted API hosts, and no request data sent anywhere else."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from tree_sitter import Node

from forge.gates.context import Rule, ScanContext
from forge.gates.findings import Finding, Severity
from forge.gates.php_ast import (
    PhpFile,
    arguments,
    call_name,
    enclosing_function,
    line,
    method_name,
    string_value,
    text,
    walk,
)

# Function -> index of its URL argument.
HTTP_FUNCTIONS = {
    "wp_remote_get": 0,
    "wp_remote_post": 0,
    "wp_remote_head": 0,
    "wp_remote_request": 0,
    "wp_safe_remote_get": 0,
    "wp_safe_remote_post": 0,
    "wp_safe_remote_head": 0,
    "wp_safe_remote_request": 0,
    "download_url": 0,
    "curl_init": 0,
    "file_get_contents": 0,
    "fopen": 0,
    "fsockopen": 0,
    "pfsockopen": 0,
    "stream_socket_client": 0,
    "get_headers": 0,
}
# These also read local files and streams: only a URL target makes them outbound.
LOCAL_OR_REMOTE = frozenset({"file_get_contents", "fopen", "get_headers"})
# Methods of HTTP clients (WP_Http, Requests, Guzzle) -> index of the URL argument.
HTTP_METHODS = {"request": 0, "get": 0, "post": 0, "head": 0}
URL = re.compile(r"^(?:https?|ftps?|wss?|tcp|ssl|tls|udp)://", re.I)
# Constants holding an endpoint are outbound targets even when the flow to the call is not traced.
ENDPOINT_NAME = re.compile(r"(URL|URI|ENDPOINT|HOST|BASE|API|SERVER)$", re.I)


def _host(value: str) -> str | None:
    if not URL.match(value.strip()):
        return None
    try:
        return (urlsplit(value.strip()).hostname or "").lower() or None
    except ValueError:
        return None


def _outbound_calls(php: PhpFile) -> Iterator[tuple[Node, str, Node | None]]:
    """(call, name, url argument) for every call that can open a connection."""
    for node in walk(php.root):
        name = call_name(node)
        if name in HTTP_FUNCTIONS:
            args = arguments(node)
            index = HTTP_FUNCTIONS[name]
            yield node, name, args[index] if len(args) > index else None
        elif name in ("curl_setopt", "curl_setopt_array"):
            args = arguments(node)
            if name == "curl_setopt" and len(args) >= 3 and text(args[1]).upper() == "CURLOPT_URL":
                yield node, name, args[2]
            elif name == "curl_setopt_array" and len(args) >= 2:
                for element in (n for n in walk(args[1]) if n.type == "array_element_initializer"):
                    named = element.named_children
                    if len(named) == 2 and text(named[0]).upper() == "CURLOPT_URL":
                        yield node, name, named[1]
        elif node.type in ("member_call_expression", "scoped_call_expression"):
            method = method_name(node)
            receiver = text(node.named_children[0]).lower() if node.named_children else ""
            # Only clients: `$http->request()`, `Requests::get()`, `$client->post()`; not `$order->get_id()`.
            if method in HTTP_METHODS and any(k in receiver for k in ("http", "request", "client", "guzzle")):
                args = arguments(node)
                yield node, method, args[0] if args else None


def _hosts(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path, php in ctx.php.items():
        for node, name, target in _outbound_calls(php):
            if target is None:
                continue
            prefix = php.resolve_prefix(target)
            host = _host(prefix) if prefix else None
            if host and not ctx.host_allowed(host):
                yield ctx.hit(rule, path, line(node), f"{name}() calls {host}, which is not an allowlisted API host")
        for node in walk(php.root):
            named = node.named_children
            is_const = node.type == "const_element" and len(named) >= 2
            is_define = call_name(node) == "define" and len(arguments(node)) >= 2
            if not (is_const or is_define):
                continue
            key_node, value_node = (named[0], named[-1]) if is_const else tuple(arguments(node)[:2])
            key = string_value(key_node) if is_define else text(key_node)
            value = string_value(value_node)
            host = _host(value) if value else None
            if key and host and ENDPOINT_NAME.search(key) and not ctx.host_allowed(host):
                yield ctx.hit(rule, path, line(node), f"endpoint {key} points at {host}, not an allowlisted API host")


def _curl_targets(php: PhpFile, setopt: Node) -> list[Node | None]:
    """The URLs of the curl handles a curl_setopt() may configure: curl_init() calls in the same function."""
    scope = enclosing_function(setopt) or php.root
    inits = [n for n in walk(scope) if call_name(n) == "curl_init"]
    return [(arguments(n) or [None])[0] for n in inits] or [None]


def _exfiltration(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path, php in ctx.php.items():
        for node in walk(php.root):
            if call_name(node) not in ("curl_setopt", "curl_setopt_array"):
                continue
            if not any(php.is_request_data(arg) for arg in arguments(node)[1:]):
                continue
            for target in _curl_targets(php, node):
                prefix = php.resolve_prefix(target) if target is not None else None
                host = _host(prefix) if prefix else None
                if host is None or not ctx.host_allowed(host):
                    where = host or "a host not known statically"
                    yield ctx.hit(rule, path, line(node), f"curl sends request data to {where}")
                    break
        for node, name, target in _outbound_calls(php):
            if name in ("curl_setopt", "curl_setopt_array"):
                continue
            if not any(php.is_request_data(arg) for arg in arguments(node)):
                continue
            prefix = php.resolve_prefix(target) if target is not None else None
            host = _host(prefix) if prefix else None
            if (host is not None and ctx.host_allowed(host)) or (host is None and name in LOCAL_OR_REMOTE):
                continue
            where = host or "a host not known statically"
            yield ctx.hit(rule, path, line(node), f"{name}() sends request data to {where}")


RULES = (
    Rule("net.host-not-allowed", Severity.ERROR, "outbound hosts outside the allowlist", _hosts),
    Rule("net.request-data-exfiltration", Severity.ERROR, "request data sent to outside hosts", _exfiltration),
)
