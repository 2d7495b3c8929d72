"""PrestaShop: a PaymentModule, its PHPUnit suite, the Addons validator's offline rules, and the PrestaShop
stand-in the sandbox drives through install -> configure -> checkout -> return -> webhook -> refund -> uninstall."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from forge.cms import provider_api
from forge.cms.base import Command, Platform, SourceTree, SuiteOutcome
from forge.cms.prestashop import generation_brief, logo, spec_rules
from forge.cms.prestashop.rules import addons
from forge.cms.rendering import make_environment, one_line
from forge.errors import ForgeError
from forge.models.spec import PluginSpec

if TYPE_CHECKING:
    from jinja2 import Environment

FOLDER = Path(__file__).resolve().parent
TEMPLATES = FOLDER / "templates"
SANDBOX = FOLDER / "sandbox"
# The stand-in PrestaShop (the forge's own): the module's tests and the sandbox load the very same file.
STANDIN = "prestashop-standin.php"
SANDBOX_FILES = (STANDIN, "driver.php")

# Configuration keys every generated module has; a spec setting may not redefine one of them.
BUILT_IN_SETTINGS = ("test_mode", "test_api_key", "test_webhook_secret", "live_api_key", "live_webhook_secret")
METHOD_LABELS = {"card": "Cards", "mobile_money": "Mobile money", "bank_transfer": "Bank transfer", "wallet": "Wallets"}


def class_name(spec: PluginSpec) -> str:
    """The module's class: PrestaShop loads `<name>/<name>.php` and instantiates the class of that name."""
    return spec.slug.capitalize()


def _vendor(brand: str) -> str:
    vendor = re.sub(r"[^A-Za-z0-9]+", "", brand.title())
    return vendor if re.fullmatch(r"[A-Z][A-Za-z0-9]*", vendor) else "Forge"


def _php_constraint(spec: PluginSpec) -> str:
    low, high = spec.version_range("php").min, spec.version_range("php").tested
    low_major, high_major = int(low.split(".")[0]), int(high.split(".")[0])
    return " || ".join([f"^{low}"] + [f"^{major}.0" for major in range(low_major + 1, high_major + 1)])


def _settings(spec: PluginSpec) -> list[dict[str, Any]]:
    clashes = sorted({s.key for s in spec.settings} & set(BUILT_IN_SETTINGS))
    if clashes:
        raise ForgeError(f"settings {', '.join(clashes)} clash with the module's built-in fields; rename them")
    keys = [s.key for s in spec.settings]
    if len(set(keys)) != len(keys):
        raise ForgeError("settings: each key may appear once")
    return [{**s.model_dump(), "config_key": s.key.upper()} for s in spec.settings]


def _max_version(tested: str) -> str:
    """ps_versions_compliancy's max: every patch of the tested minor (8.1 -> 8.1.99)."""
    parts = tested.split(".")
    return ".".join([*parts[:3], *["99"] * (3 - len(parts[:3]))]) if len(parts) < 3 else tested


def context(spec: PluginSpec) -> dict[str, Any]:
    if not one_line(spec.name) or not one_line(spec.description):
        raise ForgeError("name and description need visible characters on their first line")
    name = class_name(spec)
    shop = spec.version_range("platform")
    first_currency = spec.currencies[0]
    exponent = provider_api.MINOR_UNIT_EXPONENTS.get(first_currency, 2)
    return {
        "spec": spec,
        "slug": spec.slug,
        "module": name,
        "main_file": main_file(spec),
        "const": spec.slug.upper(),
        "vendor": _vendor(spec.brand),
        "php": spec.version_range("php"),
        "php_constraint": _php_constraint(spec),
        "ps_min": shop.min if shop.min.count(".") >= 2 else f"{shop.min}.0",
        "ps_max": _max_version(shop.tested),
        "features": spec.features,
        "settings": _settings(spec),
        "method_labels": [METHOD_LABELS[m] for m in spec.payment_methods],
        "currencies": spec.currencies,
        "exponents": sorted(provider_api.MINOR_UNIT_EXPONENTS.items()),
        "api": {"live": spec.api_base_url, "test": spec.api_sandbox_base_url or spec.api_base_url},
        "provider": provider_api.template_values(),
        "test_currency": first_currency,
        "test_exponent": exponent,
    }


@cache
def _environment() -> Environment:
    return make_environment(TEMPLATES)


def _outputs(spec: PluginSpec) -> list[tuple[str, str]]:
    outputs = [
        ("module.php.tmpl", main_file(spec)),
        ("config.xml.tmpl", "config.xml"),
        ("composer.json.tmpl", "composer.json"),
        ("src/ProviderClient.php.tmpl", "src/ProviderClient.php"),
        ("src/WebhookSignature.php.tmpl", "src/WebhookSignature.php"),
        ("src/Money.php.tmpl", "src/Money.php"),
        ("src/Payments.php.tmpl", "src/Payments.php"),
        ("controllers/redirect.php.tmpl", "controllers/front/redirect.php"),
        ("controllers/validation.php.tmpl", "controllers/front/validation.php"),
        ("views/payment_return.tpl.tmpl", "views/templates/hook/payment_return.tpl"),
        ("views/payment_option.tpl.tmpl", "views/templates/hook/payment_option.tpl"),
        ("phpunit.xml.dist.tmpl", "phpunit.xml.dist"),
        ("tests/bootstrap.php.tmpl", "tests/bootstrap.php"),
        ("tests/ModuleTest.php.tmpl", "tests/ModuleTest.php"),
    ]
    if spec.features.webhooks:
        outputs += [
            ("controllers/webhook.php.tmpl", "controllers/front/webhook.php"),
            ("tests/WebhookTest.php.tmpl", "tests/WebhookTest.php"),
        ]
    return outputs


def _folders(paths: list[str]) -> list[str]:
    found = {""}
    for path in paths:
        parts = path.split("/")[:-1]
        found.update("/".join(parts[: i + 1]) for i in range(len(parts)))
    return sorted(found)


def render(spec: PluginSpec) -> SourceTree:
    env = _environment()
    values = context(spec)
    tree = {path: env.get_template(name).render(values).encode("utf-8") for name, path in _outputs(spec)}
    tree["logo.png"] = logo.render(spec.brand)
    tree[f"tests/{STANDIN}"] = _sandbox_file(STANDIN)
    # PrestaShop Addons: an index.php in every folder, so a server listing folders shows nothing.
    guard = env.get_template("index.php.tmpl").render(values).encode("utf-8")
    for folder in _folders(list(tree)):
        tree[f"{folder}/index.php" if folder else "index.php"] = guard
    return dict(sorted(tree.items()))


def main_file(spec: PluginSpec) -> str:
    return f"{spec.slug}.php"


def build_commands(files: list[str]) -> list[Command]:
    # `php -l` only lints its first argument before PHP 8.3, hence one command per file.
    php_files = sorted(path for path in files if path.endswith(".php"))
    lint = [Command(argv=("php", "-l", path), label=f"php -l {path}") for path in php_files]
    validate = Command(
        argv=("composer", "validate", "--no-check-publish", "--no-check-lock", "--strict"),
        label="composer validate",
    )
    return [*lint, validate]


def test_command(junit_path: str) -> Command:
    return Command(
        argv=("phpunit", "--configuration", "phpunit.xml.dist", "--log-junit", junit_path),
        label="phpunit",
    )


@cache
def _sandbox_file(name: str) -> bytes:
    return (SANDBOX / name).read_bytes()


def sandbox_files() -> Mapping[str, bytes]:
    """The stand-in, its driver and the shared fake provider (the driver points the fake's servers at the spec's
    base URLs, as provider_api.compiled_for does)."""
    files = {f"sandbox/{name}": _sandbox_file(name) for name in SANDBOX_FILES}
    files.update(provider_api.fake_files("sandbox/provider"))
    return files


def sandbox_command(spec: PluginSpec) -> Command:
    """The PrestaShop stand-in drives the module through its whole life against the shared fake provider."""
    return Command(
        argv=(
            "php",
            "-d",
            "error_reporting=-1",
            "-d",
            "display_errors=stderr",
            "-d",
            "log_errors=0",
            "sandbox/driver.php",
            "plugin",
            spec.slug,
            spec.api_base_url,
            spec.api_sandbox_base_url or spec.api_base_url,
        ),
        label="sandbox driver (PrestaShop stand-in)",
    )


def contract_suites(spec: PluginSpec, workdir: Path, runner: Any, limits: Any, hosts: list[str]) -> SuiteOutcome:
    from forge.cms.prestashop import contracts

    return contracts.run_suites(spec, workdir, runner, limits, hosts)


PLATFORM = Platform(
    name="prestashop",
    render=render,
    main_file=main_file,
    build_commands=build_commands,
    test_command=test_command,
    sandbox_files=sandbox_files,
    sandbox_command=sandbox_command,
    contract_suites=contract_suites,
    analyser_rules=addons.RULES,
    check_spec=spec_rules.check_spec,
    spec_schema=spec_rules.spec_schema(),
    generation_brief=(generation_brief.ROLE, generation_brief.REQUIREMENTS),
    generated_required=generation_brief.REQUIRED,
    forge_owned=generation_brief.FORGE_OWNED,
    dist_exclude=(
        "tests",
        "tests/*",
        "phpunit.xml",
        "phpunit.xml.dist",
        ".phpunit*",
        "composer.lock",
        "vendor",
        "vendor/*",
        ".git*",
        ".editorconfig",
        "node_modules",
        "node_modules/*",
        "*.junit.xml",
        "junit*.xml",
    ),
    folder=FOLDER,
)
