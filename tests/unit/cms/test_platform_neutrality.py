"""Shared code never names a platform: a platform folder owns everything platform-specific, so adding one changes
nothing outside its folder (issue 15)."""

from __future__ import annotations

import ast
from pathlib import Path

from forge.gates.registry import RULES
from forge.models.spec import PLATFORM_FIELDS

LIBRARY = Path(__file__).resolve().parents[3] / "layers" / "forge"
PLATFORMS = sorted(p.name for p in (LIBRARY / "cms").iterdir() if (p / "platform.py").is_file())
# Where a platform's name may stand outside its folder, and why.
ALLOWED = {
    # The spec model names each platform's own fields (PLATFORM_FIELDS) and the platforms a spec may target.
    "models/spec.py",
    # The package listing's filter names the four marketplaces the forge targets (API enum), implemented or not.
    "api/routers/packages.py",
    # The CLI's defaults: the demo's spec and the platform `forge scan` / `forge package` assume without --platform.
    "cli/commands/local.py",
    "cli/commands/scan.py",
    "cli/commands/tools.py",
    # The analyser's table of the host application's globals (`$woocommerce` among WordPress's) that extract()
    # cannot be what sets: knowledge of PHP code, applied to every plugin whatever its platform, not a branch on it.
    "gates/request_data.py",
    # Marketplace connectors are named after their marketplace (PrestaShop Addons), which is not a platform: the
    # connector registry maps connector_type to its module, and which platforms it serves is the row's `cms` column.
    "publishing/connectors.py",
    "publishing/prestashop_addons.py",
    # The Shopify App Store connector (the Shopify CLI, shopify.app.toml), named after its marketplace likewise.
    "publishing/shopify_app_store.py",
}


def _strings(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def test_every_platform_folder_has_its_spec_fields() -> None:
    assert sorted(PLATFORM_FIELDS) == PLATFORMS


def test_shared_code_never_names_a_platform() -> None:
    found = []
    for path in sorted(LIBRARY.rglob("*.py")):
        relative = path.relative_to(LIBRARY).as_posix()
        if relative in ALLOWED:
            continue
        for platform in PLATFORMS:
            if relative.startswith(f"cms/{platform}/"):
                continue
            found += [f"{relative}:{n} {text!r}" for n, text in _strings(path) if platform in text.lower()]
    # Only what a platform's folder is allowed to know: "if platform == 'woocommerce'" in a step fails here.
    found = [f for f in found if not any(f.startswith(f"cms/{p}/") for p in PLATFORMS)]
    assert found == [], "\n".join(found)


def test_the_registry_holds_only_platform_neutral_rules() -> None:
    owners = {rule.check.__module__ for rule in RULES}
    assert not [m for m in owners if m.startswith("forge.cms.")], owners
    assert not [r.id for r in RULES if r.id.startswith("wporg.")]
