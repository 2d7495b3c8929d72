"""Which JavaScript expressions hold request data: what a visitor or a caller controls.

Server side, the request object of Node.js frameworks by its conventional names (`req`, `request`, `ctx.request`,
`c.req`): its body, query, params, headers, cookies and URL, and its body readers (`await request.json()`).
Browser side, the page's address, cookies and form fields (`location`, `document.cookie`, `new FormData(form)`,
`document.getElementById('card').value`). Data flows through the
file's variables and destructuring (`const { mod } = req.query`); not through function parameters other than the
request object's own names, nor across files.
"""

from __future__ import annotations

from tree_sitter import Node

from forge.gates.js_ast import JsFile, callee, dotted_name
from forge.gates.syntax import text, walk

REQUEST_OBJECTS = ("req", "request", "ctx.request", "ctx.req", "c.req", "context.request")
REQUEST_PARTS = frozenset(
    {
        "body",
        "query",
        "params",
        "headers",
        "cookies",
        "signedCookies",
        "url",
        "originalUrl",
        "path",
        "rawBody",
        "files",
        "file",
        "search",
        "searchParams",
        "nextUrl",
    }
)
REQUEST_READERS = frozenset({"json", "text", "formData", "arrayBuffer", "blob", "header", "param", "query", "get"})
BROWSER_SOURCES = (
    "location",
    "document.location",
    "document.cookie",
    "document.referrer",
    "document.URL",
    "document.documentURI",
)
PAGE_PICKERS = frozenset({"getElementById", "querySelector", "getElementsByName", "getElementsByClassName"})
DATA_CONSTRUCTORS = frozenset({"FormData"})
MAX_DEPTH = 6


def _request_member(name: str) -> bool:
    for obj in REQUEST_OBJECTS:
        if name.startswith(obj + "."):
            return name[len(obj) + 1 :].split(".")[0] in REQUEST_PARTS | REQUEST_READERS
    return name in BROWSER_SOURCES or name.startswith(tuple(f"{s}." for s in BROWSER_SOURCES))


def _page_field(js: JsFile, node: Node) -> bool:
    """`document.getElementById('card').value`, `form.querySelector('input').value`."""
    prop, obj = node.child_by_field_name("property"), node.child_by_field_name("object")
    if prop is None or obj is None or text(prop) != "value" or obj.type != "call_expression":
        return False
    picker = callee(js, obj)
    return picker is not None and picker.rsplit(".", 1)[-1] in PAGE_PICKERS


def is_source(js: JsFile, node: Node) -> bool:
    """The node itself reads request (or page) data."""
    if node.type in ("member_expression", "subscript_expression"):
        name = dotted_name(js, node)
        return (name is not None and _request_member(name)) or _page_field(js, node)
    if node.type == "call_expression":
        name = callee(js, node)
        return name is not None and _request_member(name)
    if node.type == "new_expression":
        return callee(js, node) in DATA_CONSTRUCTORS
    return False


def is_request_data(js: JsFile, node: Node, depth: int = 0, seen: frozenset[str] = frozenset()) -> bool:
    """Request or page data reaches the expression, directly or through the file's variables."""
    for part in walk(node):
        if is_source(js, part):
            return True
        if part.type != "identifier" or depth >= MAX_DEPTH or text(part) in seen:
            continue
        name = text(part)
        if any(is_request_data(js, value, depth + 1, seen | {name}) for value in js.values_of(part)):
            return True
    return False
