"""WooCommerce: a payment gateway plugin, its PHPUnit suite, and the sandbox that loads it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from forge.cms import provider_api
from forge.cms.base import Command, Platform, PlatformRun, SourceTree, SuiteOutcome
from forge.cms.rendering import make_environment, one_line
from forge.cms.woocommerce import generation_brief, spec_rules
from forge.cms.woocommerce.rules import plugin_check, plugin_check_code
from forge.cms.woocommerce.sandbox_versions import untestable, woocommerce_tested_up_to, wordpress_tested_up_to
from forge.config import get_settings
from forge.errors import ForgeError
from forge.models.results import TestRow
from forge.models.spec import PluginSpec

if TYPE_CHECKING:
    from jinja2 import Environment

FOLDER = Path(__file__).resolve().parent
TEMPLATES = FOLDER / "templates"
SANDBOX = FOLDER / "sandbox"

# Fields every generated gateway has; a spec setting may not redefine one of them (nor the single-key names of
# earlier templates, which would read as the gateway's own).
BUILT_IN_SETTINGS = (
    "enabled",
    "title",
    "description",
    "testmode",
    "test_api_key",
    "test_webhook_secret",
    "live_api_key",
    "live_webhook_secret",
    "debug",
    "api_key",
    "webhook_secret",
)

# ISO 4217 minor-unit exponents that differ from the usual 2 (the provider API takes integer minor units).
MINOR_UNIT_EXPONENTS = provider_api.MINOR_UNIT_EXPONENTS

METHOD_LABELS = {
    "card": "Cards",
    "mobile_money": "Mobile money",
    "bank_transfer": "Bank transfer",
    "wallet": "Wallets",
}
METHOD_TAGS = {
    "card": "credit card",
    "mobile_money": "mobile money",
    "bank_transfer": "bank transfer",
    "wallet": "wallet",
}


def _identifier_base(slug: str) -> str:
    base = slug.replace("-", "_")
    # PHP identifiers cannot start with a digit; slugs may.
    return f"plugin_{base}" if base[0].isdigit() else base


def _php_constraint(spec: PluginSpec) -> str:
    """Composer range from the spec: `^min`, then every later major up to the tested one.

    `--strict` validation rejects unbounded ranges such as `>=7.4`."""
    low, high = spec.version_range("php").min, spec.version_range("php").tested
    low_major, high_major = int(low.split(".")[0]), int(high.split(".")[0])
    return " || ".join([f"^{low}"] + [f"^{major}.0" for major in range(low_major + 1, high_major + 1)])


def _checkbox_default(value: str) -> str:
    return "yes" if value.strip().lower() in {"yes", "true", "1", "on"} else "no"


def _env_prefix(brand: str, fallback: str) -> str:
    prefix = re.sub(r"[^A-Z0-9]+", "_", brand.upper()).strip("_")
    return prefix if re.fullmatch(r"[A-Z][A-Z0-9_]*", prefix) else fallback


def _extra_settings(spec: PluginSpec) -> list[dict[str, Any]]:
    clashes = sorted({s.key for s in spec.settings} & set(BUILT_IN_SETTINGS))
    if clashes:
        raise ForgeError(
            f"settings {', '.join(clashes)} clash with the gateway's built-in fields "
            f"({', '.join(BUILT_IN_SETTINGS)}); rename them"
        )
    keys = [s.key for s in spec.settings]
    if len(set(keys)) != len(keys):
        raise ForgeError("settings: each key may appear once")
    extra = []
    for setting in spec.settings:
        default = _checkbox_default(setting.default) if setting.type == "checkbox" else setting.default
        extra.append({**setting.model_dump(), "default": default})
    return extra


def _provider_values() -> dict[str, Any]:
    return provider_api.template_values()


def _unused_currency(spec: PluginSpec) -> str:
    return next(c for c in ("XTS", "ZZZ", "AAA", "QQQ") if c not in spec.currencies)


def context(spec: PluginSpec) -> dict[str, Any]:
    """Everything the templates see. Computed names are checked identifiers; spec text stays raw and is
    escaped by the template filter of the context it lands in."""
    if not one_line(spec.name) or not one_line(spec.description):
        raise ForgeError("name and description need visible characters on their first line")
    base = _identifier_base(spec.slug)
    prefix = "_".join(part.capitalize() for part in base.split("_"))
    const = base.upper()
    first_currency = spec.currencies[0]
    exponent = MINOR_UNIT_EXPONENTS.get(first_currency, 2)
    tags = ["woocommerce", "payment gateway", *(METHOD_TAGS[m] for m in spec.payment_methods)][:5]
    return {
        "spec": spec,
        "slug": spec.slug,
        "prefix": prefix,
        "fn": base,  # also telemetry_prefix(spec)
        "const": const,
        "gateway_id": base,
        "env_prefix": _env_prefix(spec.brand, const),
        "main_file": main_file(spec),
        "features": spec.features,
        "wp": spec.version_range("wordpress"),
        "wc": spec.version_range("platform"),
        "php": spec.version_range("php"),
        "php_constraint": _php_constraint(spec),
        "settings": _extra_settings(spec),
        "method_labels": [METHOD_LABELS[m] for m in spec.payment_methods],
        "exponents": sorted(MINOR_UNIT_EXPONENTS.items()),
        "contributors": spec.contributors,
        "tags": tags,
        "tested_up_to": wordpress_tested_up_to(spec),
        "wc_tested_up_to": woocommerce_tested_up_to(spec),
        "api": {"live": spec.api_base_url, "test": spec.api_sandbox_base_url or spec.api_base_url},
        "provider": _provider_values(),
        # Fixtures of the rendered PHPUnit suite: an order of 1500.00 in the first supported currency.
        "test_currency": first_currency,
        "test_minor_amount": 1500 * 10**exponent,
        "test_refund_minor": 5 * 10**exponent,
        "unsupported_currency": _unused_currency(spec),
    }


@cache
def _environment() -> Environment:
    return make_environment(TEMPLATES)


def _outputs(spec: PluginSpec) -> list[tuple[str, str]]:
    """(template, path in the tree) for this spec's features."""
    slug = spec.slug
    outputs = [
        ("main.php.tmpl", main_file(spec)),
        ("plugin.php.tmpl", f"includes/class-{slug}-plugin.php"),
        ("api.php.tmpl", f"includes/class-{slug}-api.php"),
        ("lock.php.tmpl", f"includes/class-{slug}-lock.php"),
        ("alerts.php.tmpl", f"includes/class-{slug}-alerts.php"),
        ("gateway.php.tmpl", f"includes/class-{slug}-gateway.php"),
        ("payments.php.tmpl", f"includes/class-{slug}-payments.php"),
        ("uninstall.php.tmpl", "uninstall.php"),
        ("readme.txt.tmpl", "readme.txt"),
        ("composer.json.tmpl", "composer.json"),
        ("phpunit.xml.dist.tmpl", "phpunit.xml.dist"),
        ("tests/bootstrap.php.tmpl", "tests/bootstrap.php"),
        ("tests/GatewayTest.php.tmpl", "tests/GatewayTest.php"),
    ]
    if spec.features.webhooks:
        outputs += [
            ("webhook.php.tmpl", f"includes/class-{slug}-webhook.php"),
            ("tests/WebhookTest.php.tmpl", "tests/WebhookTest.php"),
        ]
    if spec.features.blocks_checkout:
        outputs += [
            ("blocks-support.php.tmpl", f"includes/class-{slug}-blocks-support.php"),
            ("blocks.js.tmpl", "assets/js/blocks.js"),
        ]
    return outputs


def render(spec: PluginSpec) -> SourceTree:
    env = _environment()
    values = context(spec)
    tree = {path: env.get_template(name).render(values).encode("utf-8") for name, path in _outputs(spec)}
    # The unit tests run against the same stand-ins the sandbox uses, so both agree on WordPress.
    tree["tests/stubs.php"] = _sandbox_file("standins.php")
    tree["tests/woocommerce-gateway-api.php"] = _sandbox_file("woocommerce-gateway-api.php")  # stubs.php requires it
    return dict(sorted(tree.items()))


def telemetry_prefix(spec: PluginSpec) -> str:
    """Prefix of the telemetry actions the gateway fires (`<prefix>_payment_succeeded`, ...); readme.txt lists them."""
    return _identifier_base(spec.slug)


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


SANDBOX_FILES = ("harness.php", "standins.php", "woocommerce-gateway-api.php")


def sandbox_files() -> Mapping[str, bytes]:
    return {f"sandbox/{name}": _sandbox_file(name) for name in SANDBOX_FILES}


def sandbox_command(spec: PluginSpec) -> Command:
    return Command(
        argv=(
            "php",
            "-d",
            "error_reporting=-1",
            "-d",
            "display_errors=stderr",
            "-d",
            "log_errors=0",
            "sandbox/harness.php",
            f"plugin/{main_file(spec)}",
        ),
        label="sandbox harness",
    )


def stage_platform(spec: PluginSpec, workdir: Path) -> dict[str, Any]:
    """Trusted half: the WordPress builds for the spec's range, copied into the staged input."""
    from forge.cms.woocommerce import wordpress_site

    source = wordpress_site.builds_source(get_settings().wordpress_builds)
    if source is None:
        return {"error": "no WordPress builds: run scripts/bootstrap.sh (npm @wp-playground/wordpress-builds) "
                         "or set FORGE_WORDPRESS_BUILDS"}  # fmt: skip
    try:
        versions = wordpress_site.stage_builds(spec, source, workdir)
    except ForgeError as exc:
        return {"error": str(exc)}
    if not versions:
        have = ", ".join(wordpress_site.available_versions(source))
        wp = spec.version_range("wordpress")
        return {"error": f"no WordPress build within {wp.min}-{wp.tested} (builds here: {have})"}
    return {"versions": versions}


def run_platform(spec: PluginSpec, staged: Path, work: Path, site: dict[str, Any], limits: Any) -> list[PlatformRun]:
    """Isolated half: a fresh WordPress per staged version, the plugin activated beside the WooCommerce stand-in."""
    from forge.cms.woocommerce import wordpress_site

    runs = []
    versions = list(site.get("versions", []))
    for version in versions:
        # The newest version the run covers is the one readme.txt's "Tested up to" must name.
        result = wordpress_site.run_site(
            staged, work, spec, main_file(spec), version, limits, readme_claim=version == versions[-1]
        )
        failed = [c.name for c in result.checks if not c.ok]
        # A release candidate is named as what it is (6.6-RC3), a release by its major.minor.
        shown = result.release if "-" in result.release else version
        cms_version = f"wordpress-{shown}+woocommerce-{result.woocommerce}"
        runs.append(
            PlatformRun(
                cms_version=cms_version,
                ok=result.ok,
                summary="all checks passed" if result.ok else f"failed: {', '.join(failed)}",
                log=result.describe(),
                checks=[(c.name, c.ok, c.detail) for c in result.checks],
                contract_rows=[
                    TestRow.model_validate(
                        {
                            "suite": c.suite,
                            "name": f"sandbox:{cms_version}:{c.name}",
                            "result": "pass" if c.ok else "fail",
                            "details": {"detail": c.detail[:2000]},
                        }
                    )
                    for c in result.checks
                    if c.suite
                ],
            )
        )
    return runs


def contract_suites(spec: PluginSpec, workdir: Path, runner: Any, limits: Any, hosts: list[str]) -> SuiteOutcome:
    from forge.cms.woocommerce import contracts

    return contracts.run_suites(spec, workdir, runner, limits, hosts)


PLATFORM = Platform(
    name="woocommerce",
    render=render,
    main_file=main_file,
    build_commands=build_commands,
    test_command=test_command,
    sandbox_files=sandbox_files,
    sandbox_command=sandbox_command,
    stage_platform=stage_platform,
    run_platform=run_platform,
    contract_suites=contract_suites,
    # The sandbox's WooCommerce activates on WordPress >= its "Requires at least" only (sandbox_versions).
    untestable=untestable,
    analyser_rules=(*plugin_check.RULES, *plugin_check_code.RULES),
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
        "composer.json",
        "composer.lock",
        "vendor",
        "vendor/*",
        ".git*",
        ".editorconfig",
        ".distignore",
        "phpcs.xml*",
        ".phpcs.xml*",
        "node_modules",
        "node_modules/*",
        "*.junit.xml",
        "junit*.xml",
    ),
    folder=FOLDER,
)
