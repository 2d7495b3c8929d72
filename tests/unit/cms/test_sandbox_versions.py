"""readme.txt's "Tested up to" and the header's "WC tested up to" name only versions the Sandbox step runs: the table
in forge.cms.woocommerce.sandbox_versions is held to the pinned builds package, the AWS image and the stand-in."""

from __future__ import annotations

import re
from pathlib import Path

from forge.cms.woocommerce.platform import PLATFORM, SANDBOX
from forge.cms.woocommerce.sandbox_versions import (
    SANDBOX_WOOCOMMERCE,
    SANDBOX_WORDPRESS,
    WP_BUILDS_PACKAGE,
    woocommerce_tested_up_to,
    wordpress_tested_up_to,
)
from forge.models.spec import PluginSpec, load_spec

REPO = Path(__file__).resolve().parents[3]
DOCKERFILE = (REPO / "functions" / "Dockerfile").read_text()
BOOTSTRAP = (REPO / "scripts" / "bootstrap.sh").read_text()


def _spec(**wordpress: str) -> PluginSpec:
    spec = load_spec(REPO / "examples" / "woocommerce.yaml")
    compat = spec.compatibility.model_copy(
        update={"wordpress": spec.compatibility.wordpress.model_copy(update=wordpress)}
    )
    return spec.model_copy(update={"compatibility": compat})


def test_the_table_names_the_package_the_bootstrap_and_the_image_install() -> None:
    version = WP_BUILDS_PACKAGE.rsplit("@", 1)[1]
    assert f"WP_BUILDS_VERSION={version}\n" in BOOTSTRAP
    assert f"ARG WP_BUILDS_VERSION={version}\n" in DOCKERFILE
    # The image carries the release candidate too, with the listing that says it is one.
    assert "wp-beta.zip" in DOCKERFILE
    assert "wp-versions.json" in DOCKERFILE


def test_woocommerce_is_the_one_the_stand_in_and_the_image_run() -> None:
    standin = (SANDBOX / "wordpress" / "woocommerce-standin.php").read_text()
    declared = re.search(r"define\( 'WC_VERSION', '(\d+\.\d+)\.\d+' \)", standin)
    image = re.search(r"ARG WOOCOMMERCE_VERSION=(\d+\.\d+)\.\d+", DOCKERFILE)
    assert declared
    assert image
    assert declared.group(1) == image.group(1) == SANDBOX_WOOCOMMERCE


def test_tested_up_to_is_the_newest_build_inside_the_range() -> None:
    assert wordpress_tested_up_to(_spec(min="6.2", tested="6.6")) == "6.6"
    assert wordpress_tested_up_to(_spec(min="6.2", tested="6.4")) == "6.4"
    # Beyond what the sandbox runs, the readme does not follow the spec: it says what was run.
    assert wordpress_tested_up_to(_spec(min="6.2", tested="6.9")) == max(
        SANDBOX_WORDPRESS, key=lambda v: (int(v[0]), int(v[2:]))
    )
    assert woocommerce_tested_up_to(_spec()) == SANDBOX_WOOCOMMERCE


def test_the_readme_and_header_say_it() -> None:
    spec = _spec(min="6.2", tested="6.9")
    tree = PLATFORM.render(spec)
    assert "Tested up to: 6.6\n" in tree["readme.txt"].decode()
    assert f"WC tested up to: {SANDBOX_WOOCOMMERCE}\n" in tree["readme.txt"].decode()
    assert f" * WC tested up to:      {SANDBOX_WOOCOMMERCE}\n" in tree[PLATFORM.main_file(spec)].decode()
