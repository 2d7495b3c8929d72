"""Hostile text in every free-text field of a Shopify spec lands in the generated app escaped for its context (a
TypeScript string literal, JSON, TOML) or is refused: it never becomes code, a manifest key or a JSON member.

The check that proves it: the app is compiled with its own tsc from the forge's offline npm cache and the compiled
settings module is imported by Node, so what the app really holds is compared with the spec; the manifests are read
with a real TOML parser. The same checks run against a rendering with naive quoting, where they must fail."""

from __future__ import annotations

import json
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest

from forge.cms.rendering import Escaped, make_environment
from forge.cms.shopify import toolchain
from forge.cms.shopify.platform import PLATFORM, TEMPLATES, context
from forge.models.spec import PluginSpec, load_spec
from forge.packaging.archive import write_tree

REPO = Path(__file__).resolve().parents[2]
# Ends a JS/JSON/TOML string, a line and a comment, opens a template literal, a script tag and a new TOML table.
HOSTILE = 'Ev\'il" \\ `${process.exit(7)}` */ </script><script>x</script>\n[extensions]\ntype = "x"\u2028\u202e'


def _spec() -> PluginSpec:
    data: dict[str, Any] = load_spec(REPO / "examples" / "shopify.yaml").model_dump(mode="json", exclude_none=True)
    data |= {
        "name": HOSTILE[:80],
        "description": ("Take " + HOSTILE)[:150],
        "brand": HOSTILE[:40],
        "author": HOSTILE[:80],
    }
    return PluginSpec.model_validate(data)


def _manifests_hold(tree: dict[str, bytes], spec: PluginSpec) -> bool:
    try:
        app = tomllib.loads(tree["shopify.app.toml"].decode())
        extension = tomllib.loads(tree[f"extensions/{spec.slug}/shopify.extension.toml"].decode())
    except tomllib.TOMLDecodeError:
        return False
    only = extension.get("extensions", [{}])
    return (
        app.get("name") == spec.name
        and len(only) == 1
        and only[0].get("name") == spec.name
        and only[0].get("type") == "payments_extension"
    )


def test_the_manifests_and_package_json_hold_the_exact_text() -> None:
    spec = _spec()
    tree = dict(PLATFORM.render(spec))
    assert _manifests_hold(tree, spec)
    manifest = json.loads(tree["package.json"])
    assert (manifest["description"], manifest["author"]) == (spec.description, spec.author)
    assert b"</script>" not in tree["package.json"]


def test_naive_quoting_would_let_the_spec_write_the_manifest() -> None:
    """The check above can fail: with plain quotes instead of toml_str the hostile name rewrites the extension."""
    spec = _spec()
    env = make_environment(TEMPLATES)
    env.filters["toml_str"] = lambda value: Escaped(f'"{value}"')
    values = context(spec)
    tree = dict(PLATFORM.render(spec))
    tree["shopify.app.toml"] = env.get_template("shopify.app.toml.tmpl").render(values).encode()
    tree[f"extensions/{spec.slug}/shopify.extension.toml"] = (
        env.get_template("shopify.extension.toml.tmpl").render(values).encode()
    )
    assert not _manifests_hold(tree, spec)


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> tuple[PluginSpec, Path]:
    spec = _spec()
    app = tmp_path_factory.mktemp("hostile") / "app"
    write_tree(dict(PLATFORM.render(spec)), app)
    # A copy of the cache, so nothing npm might write reaches the forge's own.
    cache = tmp_path_factory.mktemp("cache") / "npm"
    shutil.copytree(toolchain.folder(), cache)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(app), **toolchain.tool_env(cache)}
    for command in PLATFORM.install_commands():
        done = subprocess.run(list(command.argv), cwd=app, env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, f"{command.label}: {done.stdout[-1500:]} {done.stderr[-1500:]}"
    return spec, app


def test_the_compiled_app_holds_the_exact_text(compiled: tuple[PluginSpec, Path]) -> None:
    spec, app = compiled
    done = subprocess.run(
        [
            "node",
            "--input-type=module",
            "-e",
            "const m = await import('./dist/settings.js'); console.log(JSON.stringify([m.APP_NAME, m.BRAND]));",
        ],
        cwd=app,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [spec.name, spec.brand]
