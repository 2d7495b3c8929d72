"""Outbound HTTP only to the allowlisted API hosts, and no request data sent anywhere else: not over HTTP, raw
sockets, mail to an address written in the code, nor DNS lookups of names built from it."""

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
    first_argument,
    line,
    method_name,
    string_literals,
    string_value,
    text,
    walk,
)
from forge.gates.urls import SCHEMED_URL, url_host

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
# WordPress's and Requests' client classes (Requests 1 and 2 names): their methods below open a connection.
HTTP_CLIENT_CLASSES = frozenset({"wp_http", "requests", "requests_session", "wporg\\requests\\requests"})
HTTP_CLIENT_CLASSES = HTTP_CLIENT_CLASSES | {"wporg\\requests\\session"}
CLIENT_METHODS = frozenset({*HTTP_METHODS, "put", "patch", "delete", "options", "request_multiple"})
# Raw sockets take a host, not a URL; their writers send data over the connection.
SOCKET_FUNCTIONS = frozenset({"fsockopen", "pfsockopen", "stream_socket_client"})
SOCKET_WRITERS = frozenset({"fwrite", "fputs", "stream_socket_sendto"})
SOCKET_EXTENSION_WRITERS = frozenset({"socket_write", "socket_send", "socket_sendto"})
SOCKET_SCHEME = re.compile(r"^(?:ssl|tls|tcp|udp|sslv[23]|tlsv1\.[0-3])://", re.I)
# Mail functions -> (recipient, headers) argument indexes: request data mailed to an address written in the code,
# as the recipient or in a Cc/Bcc header.
MAILERS = {"mail": (0, 3), "wp_mail": (0, 3), "mb_send_mail": (0, 3)}
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
RECIPIENT_HEADER = re.compile(r"^\s*(?:b?cc|to)\s*:(.*)", re.I | re.M)  # not From/Reply-To: those are senders
# Redirects -> index of the URL: the visitor's browser carries whatever the query string holds to that host.
REDIRECTS = {"wp_redirect": 0, "header": 0}
# DNS lookups: a name built from request data carries it to whoever serves that zone.
RESOLVERS = frozenset(
    {"gethostbyname", "gethostbynamel", "dns_get_record", "checkdnsrr", "dns_check_record", "getmxrr", "dns_get_mx"}
)
# Constants holding an endpoint are outbound targets even when the flow to the call is not traced.
ENDPOINT_NAME = re.compile(r"(URL|URI|ENDPOINT|HOST|BASE|API|SERVER)$", re.I)


def _socket_host(value: str) -> str | None:
    """The host of a socket target: `evil.example`, `ssl://evil.example`, `tcp://evil.example:80`, `[::1]:80`."""
    bare = SOCKET_SCHEME.sub("", value.strip())
    if not bare or SCHEMED_URL.match(bare):
        return url_host(bare) if bare else None
    try:
        return (urlsplit(f"//{bare}").hostname or "").lower() or None
    except ValueError:
        return None


def _target_host(php: PhpFile, name: str, target: Node) -> str | None:
    """The host a call connects to, when its URL (or, for sockets, its whole host argument) is known statically."""
    if name in SOCKET_FUNCTIONS:
        # A bare host name has no scheme to anchor a prefix on: only the whole value tells the host.
        whole = php.resolve_value(target)
        if whole is not None:
            return _socket_host(whole)
    prefix = php.resolve_prefix(target)
    return url_host(prefix) if prefix else None


def _client_receiver(php: PhpFile, receiver: Node, depth: int = 0) -> bool:
    """The object or class a method is called on is a known HTTP client: `Requests::get()`, `( new WP_Http() )`,
    or a variable assigned `new WP_Http()`."""
    if depth > 4:
        return False
    if receiver.type == "parenthesized_expression" and receiver.named_children:
        return _client_receiver(php, receiver.named_children[0], depth + 1)
    if receiver.type in ("name", "qualified_name"):
        return text(receiver).lstrip("\\").lower() in HTTP_CLIENT_CLASSES
    if receiver.type == "object_creation_expression":
        cls = next((c for c in receiver.named_children if c.type in ("name", "qualified_name")), None)
        return cls is not None and text(cls).lstrip("\\").lower() in HTTP_CLIENT_CLASSES
    if receiver.type == "variable_name":
        return any(_client_receiver(php, n, depth + 1) for n in php.assignments.get(text(receiver), []))
    return False


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
            if method is None or not node.named_children:
                continue
            receiver = node.named_children[0]
            known_client = method in CLIENT_METHODS and _client_receiver(php, receiver)
            # Otherwise only client-named receivers: `$http->request()`, `$client->post()`; not `$order->get_id()`.
            named_client = method in HTTP_METHODS and any(
                k in text(receiver).lower() for k in ("http", "request", "client", "guzzle")
            )
            if known_client or named_client:
                args = arguments(node)
                yield node, method, args[0] if args else None


def _hosts(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path, php in ctx.php.items():
        for node, name, target in _outbound_calls(php):
            if target is None:
                continue
            host = _target_host(php, name, target)
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
            host = url_host(value) if value else None
            if key and host and ENDPOINT_NAME.search(key) and not ctx.host_allowed(host):
                yield ctx.hit(rule, path, line(node), f"endpoint {key} points at {host}, not an allowlisted API host")


def _curl_targets(php: PhpFile, setopt: Node) -> list[Node | None]:
    """The URLs of the curl handles a curl_setopt() may configure: curl_init() calls in the same function."""
    scope = enclosing_function(setopt) or php.root
    inits = [n for n in walk(scope) if call_name(n) == "curl_init"]
    return [first_argument(n) for n in inits] or [None]


def _addresses(php: PhpFile, node: Node, headers: bool) -> list[str]:
    """Recipient addresses written in the code: the recipient argument's, or those of To/Cc/Bcc headers."""
    values = [php.resolve_value(node) or "", *(v for _, v in string_literals(node))]
    if headers:
        values = [m.group(1) for value in values for m in RECIPIENT_HEADER.finditer(value)]
    return [address for value in values for address in EMAIL.findall(value)]


def _mail_redirect_dns(rule: Rule, ctx: ScanContext, path: str, php: PhpFile) -> Iterator[Finding]:
    for node in walk(php.root):
        name = call_name(node)
        if name not in MAILERS and name not in REDIRECTS and name not in RESOLVERS and name != "error_log":
            continue
        args = arguments(node)
        if name == "error_log" and len(args) > 2 and php.resolve_value(args[1]) == "1":
            # Message type 1 mails the message to the third argument.
            addresses = _addresses(php, args[2], headers=False)
            if addresses and php.is_request_data(args[0]):
                yield ctx.hit(rule, path, line(node), f"error_log() mails request data to {addresses[0][:60]}")
        elif name in MAILERS and args:
            recipient, headers = MAILERS[name]
            addresses = _addresses(php, args[recipient], headers=False)
            addresses += _addresses(php, args[headers], headers=True) if len(args) > headers else []
            if addresses and any(php.is_request_data(a) for a in args):
                yield ctx.hit(rule, path, line(node), f"{name}() sends request data to {addresses[0][:60]}")
        elif name in REDIRECTS and len(args) > REDIRECTS[name]:
            target = (php.resolve_prefix(args[REDIRECTS[name]]) or "").strip()
            if name == "header":
                target = target.partition(":")[2].strip() if target.lower().startswith("location:") else ""
            host = url_host(target)
            if host and not ctx.host_allowed(host) and php.is_request_data(args[REDIRECTS[name]]):
                yield ctx.hit(rule, path, line(node), f"{name}() redirects the visitor to {host} with request data")
        elif name in RESOLVERS and args and php.is_request_data(args[0]):
            yield ctx.hit(rule, path, line(node), f"{name}() looks up a host name built from request data")


def _socket_extension(rule: Rule, ctx: ScanContext, path: str, php: PhpFile) -> Iterator[Finding]:
    """The sockets extension: socket_connect( $s, host ) then socket_write/socket_send( $s, … ), or
    socket_sendto( $s, …, host )."""
    connected: dict[str, list[Node]] = {}
    writes: list[tuple[Node, str, list[Node]]] = []
    for node in walk(php.root):
        name = call_name(node)
        if name == "socket_connect" and len(args := arguments(node)) > 1:
            connected.setdefault(text(args[0]), []).append(args[1])
        elif name in SOCKET_EXTENSION_WRITERS and len(args := arguments(node)) > 1 and php.is_request_data(args[1]):
            writes.append((node, name, args))
    for node, name, args in writes:
        targets = [args[4]] if name == "socket_sendto" and len(args) > 4 else connected.get(text(args[0]), [])
        hosts = [_socket_host(v) if (v := php.resolve_value(t)) else None for t in targets] or [None]
        outside = [h for h in hosts if h is None or not ctx.host_allowed(h)]
        if outside:
            where = outside[0] or "a host not known statically"
            yield ctx.hit(rule, path, line(node), f"{name}() sends request data over a socket to {where}")


def _exfiltration(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path, php in ctx.php.items():
        yield from _socket_extension(rule, ctx, path, php)
        yield from _socket_exfiltration(rule, ctx, path, php)
        yield from _mail_redirect_dns(rule, ctx, path, php)
        for node in walk(php.root):
            if call_name(node) not in ("curl_setopt", "curl_setopt_array"):
                continue
            if not any(php.is_request_data(arg) for arg in arguments(node)[1:]):
                continue
            for target in _curl_targets(php, node):
                prefix = php.resolve_prefix(target) if target is not None else None
                host = url_host(prefix) if prefix else None
                if host is None or not ctx.host_allowed(host):
                    where = host or "a host not known statically"
                    yield ctx.hit(rule, path, line(node), f"curl sends request data to {where}")
                    break
        for node, name, target in _outbound_calls(php):
            if name in ("curl_setopt", "curl_setopt_array"):
                continue
            if not any(php.is_request_data(arg) for arg in arguments(node)):
                continue
            host = _target_host(php, name, target) if target is not None else None
            if (host is not None and ctx.host_allowed(host)) or (host is None and name in LOCAL_OR_REMOTE):
                continue
            where = host or "a host not known statically"
            yield ctx.hit(rule, path, line(node), f"{name}() sends request data to {where}")


def _socket_sends(php: PhpFile) -> Iterator[tuple[Node, str, Node | None]]:
    """(writer call, socket function, host argument) for `fwrite( $s, … )` on `$s = fsockopen( host, … )`."""
    for node in walk(php.root):
        if call_name(node) not in SOCKET_WRITERS:
            continue
        args = arguments(node)
        if len(args) < 2 or args[0].type != "variable_name":
            continue
        for assigned in php.assignments.get(text(args[0]), []):
            opener = next((n for n in walk(assigned) if call_name(n) in SOCKET_FUNCTIONS), None)
            if opener is not None:
                yield node, call_name(opener) or "", first_argument(opener)
                break


def _socket_exfiltration(rule: Rule, ctx: ScanContext, path: str, php: PhpFile) -> Iterator[Finding]:
    for node, opener, target in _socket_sends(php):
        if not any(php.is_request_data(arg) for arg in arguments(node)[1:]):
            continue
        host = _target_host(php, opener, target) if target is not None else None
        if host is None or not ctx.host_allowed(host):
            where = host or "a host not known statically"
            yield ctx.hit(rule, path, line(node), f"{call_name(node)}() sends request data over a socket to {where}")


RULES = (
    Rule("net.host-not-allowed", Severity.ERROR, "outbound hosts outside the allowlist", _hosts),
    Rule("net.request-data-exfiltration", Severity.ERROR, "request data sent to outside hosts", _exfiltration),
)
