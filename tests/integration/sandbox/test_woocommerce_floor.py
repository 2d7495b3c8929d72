"""The local sandbox fails where the AWS one would: on a WordPress older than the real WooCommerce's "Requires at
least", the stand-in (declaring the same requirement) is refused by WordPress's own activate_plugin(), so the
gateway never registers, as with the real WooCommerce in the AWS image. (Such a spec is refused when accepted,
tests/unit/cms/test_woocommerce_floor.py; a stored one can still reach the step.)"""

from __future__ import annotations

from pathlib import Path

from forge.cms.woocommerce.platform import PLATFORM
from forge.models.spec import PluginSpec, load_spec
from tests.integration.sandbox.test_wordpress_sandbox import REPO, _checks, _sandbox, _site_rows


def _narrow(spec: PluginSpec, version: str) -> PluginSpec:
    wordpress = spec.compatibility.wordpress.model_copy(update={"min": version, "tested": version})
    return spec.model_copy(update={"compatibility": spec.compatibility.model_copy(update={"wordpress": wordpress})})


def test_on_wordpress_older_than_woocommerce_requires_the_gateway_never_registers(tmp_path: Path) -> None:
    spec = _narrow(load_spec(REPO / "examples" / "woocommerce.yaml"), "6.2")
    report = _sandbox(tmp_path, spec, {})
    assert not report.ok
    (row,) = _site_rows(report).values()
    assert row["cms_version"] == "wordpress-6.2+woocommerce-standin"
    checks = _checks(row)
    assert checks.get("gateway_registered") is not True, (checks, PLATFORM.name)
