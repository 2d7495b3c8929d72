"""The forge's side of the Shopify stand-in (never copied into the sandbox): the files the Sandbox step writes into
its working directory and the command that runs them there.

The stand-in's modules go to `sandbox/shopify/` (run as `python3 -m sandbox.shopify` with the system Python, stdlib
only) and the shared fake provider to `sandbox/provider/`, its servers the spec's base URLs as for the PHP
platforms."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path

from forge.cms import provider_api
from forge.cms.base import Command
from forge.models.spec import PluginSpec

FOLDER = Path(__file__).resolve().parent
# This module and the bytecode cache stay out; everything else in the folder is the stand-in.
NOT_COPIED = frozenset({"harness.py"})
STANDIN_PACKAGE = "sandbox/shopify"
PROVIDER_FOLDER = "sandbox/provider"


@cache
def _standin_files() -> dict[str, bytes]:
    return {
        f"{STANDIN_PACKAGE}/{path.name}": path.read_bytes()
        for path in sorted(FOLDER.glob("*.py"))
        if path.name not in NOT_COPIED
    }


def sandbox_files(live_url: str | None = None, test_url: str | None = None) -> Mapping[str, bytes]:
    return {**_standin_files(), **provider_api.fake_files(PROVIDER_FOLDER, live_url, test_url)}


def standin_argv(spec: PluginSpec, app: str = "plugin") -> tuple[str, ...]:
    currency = spec.currencies[0]
    exponent = provider_api.MINOR_UNIT_EXPONENTS.get(currency, 2)
    argv = [
        "python3",
        "-m",
        "sandbox.shopify",
        app,
        PROVIDER_FOLDER,
        "--test-url",
        spec.api_sandbox_base_url or spec.api_base_url,
        "--live-url",
        spec.api_base_url,
        "--currency",
        currency,
        "--exponent",
        str(exponent),
    ]
    if not spec.features.webhooks:
        argv.append("--no-webhooks")
    if not spec.features.refunds:
        argv.append("--no-refunds")
    return tuple(argv)


def sandbox_command(spec: PluginSpec) -> Command:
    """The Shopify stand-in starts the app (built by the platform's install commands, which the step runs in
    `plugin/` first) and drives it; exit 0 and a silent stderr when every check held."""
    return Command(argv=standin_argv(spec), label="Shopify stand-in (NOT Shopify)")
