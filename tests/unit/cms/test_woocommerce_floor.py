"""The sandbox runs one WooCommerce (the real 9.3.3 in the AWS image, its stand-in locally), and WooCommerce refuses
to activate on a WordPress older than its "Requires at least": a spec whose WordPress range starts below that is
refused when it is accepted (the forge could not test the plugin there), and the stand-in declares the same
"Requires at least" as the real one, so a local run fails exactly where the AWS run would."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from forge.cms import refuse_untestable
from forge.cms.woocommerce.platform import SANDBOX
from forge.cms.woocommerce.sandbox_versions import (
    SANDBOX_WOOCOMMERCE,
    SANDBOX_WOOCOMMERCE_RELEASE,
    WOOCOMMERCE_REQUIRES_WORDPRESS,
)
from forge.errors import SpecError
from forge.models.spec import PluginSpec, load_spec
from forge.pipeline.jobs import submit
from tests.fakes import fake_deps

REPO = Path(__file__).resolve().parents[3]
DOCKERFILE = (REPO / "functions" / "Dockerfile").read_text()


def _spec(minimum: str, tested: str = "6.6") -> PluginSpec:
    spec = load_spec(REPO / "examples" / "woocommerce.yaml")
    wordpress = spec.compatibility.wordpress.model_copy(update={"min": minimum, "tested": tested})
    return spec.model_copy(update={"compatibility": spec.compatibility.model_copy(update={"wordpress": wordpress})})


def test_the_stand_in_requires_the_wordpress_the_real_woocommerce_requires() -> None:
    standin = (SANDBOX / "wordpress" / "woocommerce-standin.php").read_text()
    declared = re.search(r"^ \* Requires at least: ([\d.]+)$", standin, re.MULTILINE)
    assert declared
    assert declared.group(1) == WOOCOMMERCE_REQUIRES_WORDPRESS
    assert SANDBOX_WOOCOMMERCE_RELEASE.startswith(SANDBOX_WOOCOMMERCE + ".")


def test_the_image_installs_that_woocommerce_and_checks_its_requirement() -> None:
    assert f"ARG WOOCOMMERCE_VERSION={SANDBOX_WOOCOMMERCE_RELEASE}\n" in DOCKERFILE
    assert f"ARG WOOCOMMERCE_REQUIRES_WORDPRESS={WOOCOMMERCE_REQUIRES_WORDPRESS}\n" in DOCKERFILE
    # The image build reads the downloaded plugin's own header: the table above cannot silently drift from it.
    assert 'grep -q "Requires at least: ${WOOCOMMERCE_REQUIRES_WORDPRESS}"' in DOCKERFILE


def test_a_wordpress_range_below_the_woocommerce_floor_is_refused_when_accepted(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as refused:
        refuse_untestable(_spec("6.2"))
    (problem,) = refused.value.problems
    assert problem.startswith("compatibility.wordpress.min: 6.2 is below 6.5")
    assert f"WooCommerce {SANDBOX_WOOCOMMERCE_RELEASE}" in problem
    assert refuse_untestable(_spec("6.5")).compatibility.wordpress.min == "6.5"
    assert refuse_untestable(load_spec(REPO / "examples" / "woocommerce.yaml"))
    # The API's submission refuses it before anything is stored or started.
    deps = fake_deps(tmp_path / "home")
    with pytest.raises(SpecError):
        submit(deps, _spec("6.2"), "ops", None)
