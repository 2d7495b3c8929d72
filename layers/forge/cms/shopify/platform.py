"""Shopify: a Node.js (TypeScript) payments app with an offsite payments extension, on Shopify's own npm package
(@shopify/shopify-api), built offline from a dependency cache (`npm ci --offline`, tsc strict, typescript-eslint),
tested with Vitest, and driven in the sandbox by the Shopify stand-in (sandbox/, the sandbox helper's part) over
mutual TLS."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from forge.cms import provider_api
from forge.cms.base import Command, Platform, SourceTree
from forge.cms.rendering import make_environment, one_line
from forge.cms.shopify import contracts, generation_brief, spec_rules, toolchain
from forge.cms.shopify.sandbox import harness
from forge.errors import ForgeError
from forge.models.spec import PluginSpec

if TYPE_CHECKING:
    from jinja2 import Environment

FOLDER = Path(__file__).resolve().parent
TEMPLATES = FOLDER / "templates"
STATIC = TEMPLATES / "static"
# The Payments Apps API version the app speaks (its GraphQL path and the extension's api_version).
API_VERSION = "2025-07"
# Where the app is deployed is the merchant's deployment; the manifests name a placeholder host the deployment's
# application_url replaces (the session URLs' paths are the app's routes).
APP_URL = "https://app.example.invalid"
# The countries the offsite extension offers itself in, from the spec's currencies.
CURRENCY_COUNTRIES: Mapping[str, tuple[str, ...]] = {
    "XOF": ("BJ", "BF", "CI", "GW", "ML", "NE", "SN", "TG"),
    "XAF": ("CM", "CF", "TD", "CG", "GQ", "GA"),
    "EUR": ("AT", "BE", "DE", "ES", "FI", "FR", "IE", "IT", "LU", "NL", "PT"),
    "USD": ("US",),
    "GBP": ("GB",),
    "CAD": ("CA",),
    "NGN": ("NG",),
    "GHS": ("GH",),
    "KES": ("KE",),
    "MAD": ("MA",),
    "GNF": ("GN",),
}
# Card brands the checkout shows beside the offsite method (Shopify's supported_payment_methods).
CARD_BRANDS = ("visa", "master", "american_express")


def main_file(spec: PluginSpec) -> str:
    return "src/server.ts"


def _countries(spec: PluginSpec) -> list[str]:
    return sorted({country for currency in spec.currencies for country in CURRENCY_COUNTRIES.get(currency, ())})


def context(spec: PluginSpec) -> dict[str, Any]:
    if not one_line(spec.name) or not one_line(spec.brand):
        raise ForgeError("name and brand need visible characters")
    root = toolchain.root_package()
    node = spec.version_range("node")
    return {
        "spec": spec,
        "slug": spec.slug,
        "handle": spec.slug,
        "api_version": API_VERSION,
        "app_url": APP_URL,
        # Shopify caps the labels at 50 characters.
        "merchant_label": one_line(spec.brand)[:50],
        "countries": _countries(spec),
        "card_brands": list(CARD_BRANDS) if "card" in spec.payment_methods else [],
        "exponents": dict(sorted(provider_api.MINOR_UNIT_EXPONENTS.items())),
        "provider": provider_api.template_values(),
        "node_engines": f">={node.min}",
        "dependencies": root.get("dependencies", {}),
        "dev_dependencies": root.get("devDependencies", {}),
    }


@cache
def _environment() -> Environment:
    return make_environment(TEMPLATES)


@cache
def _static_files() -> dict[str, bytes]:
    return {p.relative_to(STATIC).as_posix(): p.read_bytes() for p in sorted(STATIC.rglob("*")) if p.is_file()}


def _lock(spec: PluginSpec) -> bytes:
    """The committed lock with the app's own name and version: its dependencies are what the cache holds."""
    lock = json.loads(toolchain.LOCK.read_text(encoding="utf-8"))
    lock["name"] = lock["packages"][""]["name"] = spec.slug
    lock["version"] = lock["packages"][""]["version"] = spec.version
    node = spec.version_range("node")
    lock["packages"][""]["engines"] = {"node": f">={node.min}"}
    return (json.dumps(lock, indent=2, ensure_ascii=False) + "\n").encode()


def render(spec: PluginSpec) -> SourceTree:
    env = _environment()
    values = context(spec)
    rendered = {
        "package.json": "package.json.tmpl",
        "shopify.app.toml": "shopify.app.toml.tmpl",
        f"extensions/{spec.slug}/shopify.extension.toml": "shopify.extension.toml.tmpl",
        "src/settings.ts": "settings.ts.tmpl",
    }
    tree = dict(_static_files())
    tree.update({path: env.get_template(name).render(values).encode("utf-8") for path, name in rendered.items()})
    tree["package-lock.json"] = _lock(spec)
    return dict(sorted(tree.items()))


INSTALL = Command(argv=("npm", "ci", "--offline", "--ignore-scripts"), label="npm ci --offline")
COMPILE = Command(argv=("node_modules/.bin/tsc", "-p", "tsconfig.json"), label="tsc (strict)")


def install_commands() -> list[Command]:
    return [INSTALL, COMPILE]


def build_commands(files: list[str]) -> list[Command]:
    return [
        INSTALL,
        COMPILE,
        Command(argv=("node_modules/.bin/tsc", "-p", "tsconfig.test.json"), label="tsc (strict, tests)"),
        Command(argv=("node_modules/.bin/eslint", "--max-warnings", "0", "."), label="eslint"),
    ]


def test_command(junit_path: str) -> Command:
    return Command(
        argv=(
            "node_modules/.bin/vitest",
            "run",
            "--reporter=default",
            "--reporter=junit",
            f"--outputFile.junit={junit_path}",
        ),
        label="vitest",
    )


PLATFORM = Platform(
    name="shopify",
    render=render,
    main_file=main_file,
    build_commands=build_commands,
    test_command=test_command,
    sandbox_files=harness.sandbox_files,
    sandbox_command=harness.sandbox_command,
    stage_platform=harness.stage_platform,
    run_platform=harness.run_platform,
    contract_suites=contracts.run_suites,
    check_spec=spec_rules.check_spec,
    spec_schema=spec_rules.spec_schema(),
    generation_brief=(generation_brief.ROLE, generation_brief.REQUIREMENTS),
    generated_required=generation_brief.REQUIRED,
    forge_owned=generation_brief.FORGE_OWNED,
    dist_exclude=(
        "tests",
        "tests/*",
        "tsconfig.test.json",
        "vitest.config.ts",
        "eslint.config.js",
        "node_modules",
        "node_modules/*",
        "dist",
        "dist/*",
        "coverage",
        "coverage/*",
        ".git*",
        "*.junit.xml",
        "junit*.xml",
    ),
    folder=FOLDER,
    toolchain=toolchain.TOOLCHAIN,
    install_commands=install_commands,
    tool_memory_mb=1024,
    runtime_version=Command(argv=("node", "--version"), label="Node.js version"),
    lockfile="npm",
    identity="package.json",
)
