"""The Jinja environment every platform renders with.

Spec values are untrusted text that lands in PHP, comments, HTML, JSON, JS, TOML and readme files. Each
context has its own filter, and the environment refuses to output a plain string at all: every
`{{ ... }}` must go through a context filter, so a forgotten filter fails the render instead of
shipping an injection.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import markupsafe

if TYPE_CHECKING:
    from jinja2 import Environment


class Escaped(str):
    """Text already made safe for the context a filter was written for."""


class UnescapedOutput(TypeError):
    """A template printed a value without a context filter."""


# Characters that end a line for PHP, WordPress' header parser, editors or JS engines, plus the
# bidirectional overrides that make source read differently from how it runs ("trojan source").
_LINE_BREAKING = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029\u202a-\u202e\u2066-\u2069]+")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _text(value: object) -> str:
    # Lone surrogates (possible from JSON input) cannot be written as UTF-8; NUL confuses C tooling.
    text = str(value).encode("utf-8", "replace").decode("utf-8")
    return text.replace("\x00", "\ufffd")


def one_line(value: object) -> str:
    """Collapse every line break and control character to a single space."""
    return " ".join(_LINE_BREAKING.sub(" ", _text(value)).split())


def php_sq(value: object) -> Escaped:
    """Body of a PHP single-quoted literal: only `\\` and `'` are special there."""
    return Escaped(_text(value).replace("\\", "\\\\").replace("'", "\\'"))


def php_comment(value: object) -> Escaped:
    """Text inside a `/* */` docblock, one line, so it can neither close the comment nor add a
    plugin header line (WordPress reads headers line by line)."""
    return Escaped(one_line(value).replace("*/", "* /").replace("?>", "? >"))


def smarty_comment(value: object) -> Escaped:
    """Text inside a Smarty `{* *}` comment, one line: `*}` would close it and turn the rest into template tags."""
    return Escaped(one_line(value).replace("*}", "* }"))


def html(value: object) -> Escaped:
    return Escaped(str(markupsafe.escape(_text(value))))


def readme(value: object) -> Escaped:
    """One line of readme.txt: no line breaks (they start sections) and no markup."""
    return Escaped(str(markupsafe.escape(one_line(value))))


def json_value(value: Any) -> Escaped:
    """A JSON value, also safe inside an HTML <script> (`<`, `>`, `&` and JS line breaks escaped)."""
    dumped = json.dumps(value, ensure_ascii=False, sort_keys=True)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        dumped = dumped.replace(char, escape)
    return Escaped(dumped.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def js_str(value: object) -> Escaped:
    """A complete JS string literal, quotes included."""
    return json_value(_text(value))


_TOML_ESCAPES = {"\\": "\\\\", '"': '\\"'}


def toml_str(value: object) -> Escaped:
    """A complete TOML basic string, quotes included: `\\` and `"` escaped, and every control, line-breaking or
    bidirectional character as a `\\uXXXX` escape, so a value can neither end the string nor start a new key."""
    out = []
    for char in _text(value):
        if char in _TOML_ESCAPES:
            out.append(_TOML_ESCAPES[char])
        elif _LINE_BREAKING.fullmatch(char):
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return Escaped('"' + "".join(out) + '"')


def ident(value: object) -> Escaped:
    """A PHP/JS identifier computed by the forge; refuses anything else rather than escaping it."""
    text = str(value)
    if not _IDENT.fullmatch(text):
        raise ValueError(f"not an identifier: {text!r}")
    return Escaped(text)


def _finalize(value: object) -> object:
    if isinstance(value, Escaped | int) and not isinstance(value, bool):
        return value
    raise UnescapedOutput(f"template printed {value!r} without a context filter (php_sq, html, ...)")


FILTERS = {
    "php_sq": php_sq,
    "php_comment": php_comment,
    "smarty_comment": smarty_comment,
    "html": html,
    "readme": readme,
    "json": json_value,
    "js_str": js_str,
    "toml_str": toml_str,
    "ident": ident,
}


def make_environment(template_dir: Path) -> Environment:
    # Jinja is loaded here, where a plugin is rendered: the container steps and the API name the platforms but never
    # render, and would pay its import (about 20 ms per process) for nothing.
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(str(template_dir)),
        undefined=StrictUndefined,
        # Not HTML autoescaping, which is wrong for PHP, JSON and JS: _finalize refuses any output no context filter
        # escaped, which is stricter.
        autoescape=False,  # noqa: S701
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_finalize,
    )
    # Replace Jinja's own `e`/`escape` so they also return Escaped, and add the context filters.
    env.filters.update(FILTERS)
    env.filters["e"] = html
    env.filters["escape"] = html
    return env
