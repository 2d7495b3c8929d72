"""Hostile text in every free-text field of a PrestaShop spec lands in the generated module escaped for its context
(PHP literal, PHP comment, Smarty comment, XML, JSON) or is refused: it never becomes code, markup or a template tag."""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from forge.cms.prestashop.platform import PLATFORM
from forge.models.spec import PluginSpec, load_spec
from forge.packaging.archive import write_tree

REPO = Path(__file__).resolve().parents[2]
STANDIN = PLATFORM.folder / "sandbox" / "prestashop-standin.php"
# Closes a PHP literal, a PHP or Smarty comment, an XML CDATA section and element, opens PHP, Smarty and HTML tags.
HOSTILE = "Ev'il\\ */ ?> *}{$smarty.server.SERVER_NAME}{* ]]></name><script>x</script>\u2028\"{l s='a'}"


def _spec() -> PluginSpec:
    data: dict[str, Any] = load_spec(REPO / "examples" / "prestashop.yaml").model_dump(mode="json")
    data |= {
        "name": HOSTILE[:80],
        "description": ("Take " + HOSTILE)[:150],
        "brand": HOSTILE[:40],
        "author": HOSTILE[:80],
        "settings": [{"key": "merchant_note", "label": HOSTILE[:80], "description": HOSTILE, "default": HOSTILE}],
    }
    return PluginSpec.model_validate(data)


def _php(code: str, cwd: Path) -> str:
    done = subprocess.run(
        ["php", "-d", "display_errors=stderr", "-r", code],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    assert not done.stderr.strip(), done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def module(tmp_path_factory: pytest.TempPathFactory) -> tuple[PluginSpec, Path]:
    spec = _spec()
    folder = tmp_path_factory.mktemp("module") / spec.slug
    write_tree(dict(PLATFORM.render(spec)), folder)
    return spec, folder


def test_every_php_file_still_parses(module: tuple[PluginSpec, Path]) -> None:
    _, folder = module
    for path in sorted(folder.rglob("*.php")):
        done = subprocess.run(["php", "-l", str(path)], capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr


def test_php_literals_hold_the_exact_text(module: tuple[PluginSpec, Path]) -> None:
    spec, folder = module
    code = (
        f"require {json.dumps(str(STANDIN))}; require {json.dumps(str(folder / f'{spec.slug}.php'))};"
        f"$m = new {spec.slug.capitalize()}();"
        "echo json_encode([$m->displayName, $m->description, $m->author]);"
    )
    assert json.loads(_php(code, folder)) == [spec.name, spec.description, spec.author]


def test_config_xml_and_composer_json_hold_the_exact_text(module: tuple[PluginSpec, Path]) -> None:
    spec, folder = module
    config = ET.fromstring((folder / "config.xml").read_bytes())  # noqa: S314 - the forge's own output
    assert [config.findtext("name"), config.findtext("displayName"), config.findtext("author")] == [
        spec.slug,
        spec.name,
        spec.author,
    ]
    composer = json.loads((folder / "composer.json").read_text(encoding="utf-8"))
    assert composer["description"] == spec.description


def test_smarty_templates_gain_no_tag(module: tuple[PluginSpec, Path]) -> None:
    """The stand-in's Smarty refuses any tag it does not know and any unescaped variable, as a hostile `*}{$...}{*`
    in a comment header would produce."""
    _, folder = module
    code = (
        f"require {json.dumps(str(STANDIN))};"
        "$s = new Smarty(); $s->assign(['forge_paid' => true, 'forge_total' => '1 XOF', 'forge_reference' => 'R',"
        " 'forge_methods' => ['Cards'], 'forge_test_mode' => true]);"
        f"echo $s->fetch({json.dumps(str(folder / 'views/templates/hook/payment_return.tpl'))});"
        f"echo $s->fetch({json.dumps(str(folder / 'views/templates/hook/payment_option.tpl'))});"
    )
    assert "SERVER_NAME" not in _php(code, folder)


def test_admin_form_shows_labels_as_text(module: tuple[PluginSpec, Path]) -> None:
    spec, folder = module
    code = (
        f"require {json.dumps(str(STANDIN))}; Module::$forgeFolders['{spec.slug}'] = {json.dumps(str(folder))};"
        f"require {json.dumps(str(folder / f'{spec.slug}.php'))};"
        f"$m = new {spec.slug.capitalize()}(); $m->install(); echo $m->getContent();"
    )
    page = _php(code, folder)
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
