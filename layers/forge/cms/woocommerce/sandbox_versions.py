"""The WordPress and WooCommerce versions the Sandbox step runs, known without the builds at hand.

A plugin's readme.txt says "Tested up to" and its header "WC tested up to": the forge writes there only versions its
sandbox really runs. The Generate step has no WordPress builds (a Lambda), so the versions are written down here,
and tests hold this table to the builds scripts/bootstrap.sh installs (npm @wp-playground/wordpress-builds@0.9.19),
to the AWS sandbox image (functions/sandbox/Dockerfile) and to the WooCommerce stand-in; the Sandbox step checks the
readme's claim against the version it ran.
"""

from __future__ import annotations

from forge.models.spec import PluginSpec

WP_BUILDS_PACKAGE = "@wp-playground/wordpress-builds@0.9.19"
# major.minor -> the exact build. 6.6 is that package's "beta" build, 6.6-RC3: a release candidate, which
# WordPress asks plugin authors to test before they raise "Tested up to".
SANDBOX_WORDPRESS: dict[str, str] = {
    "6.2": "6.2.6",
    "6.3": "6.3.5",
    "6.4": "6.4.5",
    "6.5": "6.5.5",
    "6.6": "6.6-RC3",
}
# The WooCommerce the sandbox runs: the real 9.3.3 in the AWS image, the stand-in of its gateway API (WC_VERSION
# 9.3.0) locally.
SANDBOX_WOOCOMMERCE = "9.3"
SANDBOX_WOOCOMMERCE_RELEASE = "9.3.3"  # functions/Dockerfile's WOOCOMMERCE_VERSION
# Its "Requires at least": WordPress's activate_plugin() refuses it on anything older, so the sandbox cannot test a
# plugin there. The stand-in declares the same, and the image build checks the downloaded plugin's header says so.
WOOCOMMERCE_REQUIRES_WORDPRESS = "6.5"


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("-")[0].split(".")[:2])


def wordpress_in_range(spec: PluginSpec) -> list[str]:
    """The sandbox's WordPress versions (major.minor) inside the spec's range, oldest first."""
    low, high = _key(spec.compatibility.wordpress.min), _key(spec.compatibility.wordpress.tested)
    return sorted((v for v in SANDBOX_WORDPRESS if low <= _key(v) <= high), key=_key)


def wordpress_tested_up_to(spec: PluginSpec) -> str:
    """readme.txt's "Tested up to": the newest WordPress the sandbox runs within the spec's range. With none in
    range the spec's own value stands, and the Sandbox step fails the plugin for want of a build to run."""
    inside = wordpress_in_range(spec)
    return inside[-1] if inside else spec.compatibility.wordpress.tested


def untestable(spec: PluginSpec) -> list[str]:
    """Why the sandbox could not test this spec (refused when a spec is accepted): a WordPress range that starts below
    what the sandbox's WooCommerce activates on."""
    floor = WOOCOMMERCE_REQUIRES_WORDPRESS
    minimum = spec.compatibility.wordpress.min
    if _key(minimum) < _key(floor):
        return [
            f"compatibility.wordpress.min: {minimum} is below {floor}, the oldest WordPress WooCommerce "
            f"{SANDBOX_WOOCOMMERCE_RELEASE} (the one the sandbox runs) activates on; the forge cannot test the plugin "
            f"there. Use {floor} or later"
        ]
    return []


def woocommerce_tested_up_to(spec: PluginSpec) -> str:
    """ "WC tested up to": the WooCommerce the sandbox runs, unless the spec's range stops below it."""
    if _key(spec.compatibility.platform.tested) < _key(SANDBOX_WOOCOMMERCE):
        return spec.compatibility.platform.tested
    return SANDBOX_WOOCOMMERCE
