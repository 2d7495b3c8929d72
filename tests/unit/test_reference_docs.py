"""The docs follow the code: every setting and CLI command is documented where the README points, every link and
path the docs name exists, and the README stays a five-minute read."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import typer
from pydantic.fields import FieldInfo

from forge.cli.main import app
from forge.config import Settings

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = [README, *sorted((ROOT / "docs").glob("*.md")), ROOT / "bench" / "README.md"]
# About 200 words a minute for technical prose.
README_MAX_WORDS = 1000
# A backticked path that starts with one of the repository's top-level folders names a file of the repository...
REPO_FOLDERS = ("docs", "functions", "infra", "layers", "tests", "bench", "scripts", "statemachine", "examples")
REPO_PATH = re.compile(r"`((?:" + "|".join(REPO_FOLDERS) + r")/[^`\s]*)`")
# ...except these, which name a file of every generated plugin.
PLUGIN_PATHS = {"tests/stubs.php", "tests/prestashop-standin.php"}


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _prose(markdown: str) -> str:
    """The text outside fenced code blocks."""
    return re.sub(r"^```.*?^```", "", markdown, flags=re.S | re.M)


def _table_rows(markdown: str) -> list[list[str]]:
    rows = [line for line in markdown.splitlines() if line.startswith("| ") and not line.startswith("|---")]
    # A cell may hold an escaped pipe (`ops\|admin`).
    return [[c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]] for row in rows[1:]]


# --- docs/configuration.md ----------------------------------------------------------------------------------------


def _allowed(field: FieldInfo) -> str:
    """What the `allowed` column must say for a field, from its constraints ("" when it has none)."""
    bounds = {type(m).__name__: m for m in field.metadata}
    pattern = next((m.pattern for m in field.metadata if getattr(m, "pattern", None)), None)
    if typing.get_origin(field.annotation) is typing.Literal:
        return ", ".join(f"`{v}`" for v in typing.get_args(field.annotation))
    if pattern:
        return ", ".join(f"`{v}`" for v in pattern.strip("^$()").split("|"))
    if "Ge" in bounds and "Le" in bounds:
        return f"{bounds['Ge'].ge}\N{EN DASH}{bounds['Le'].le}"
    if "Ge" in bounds:
        return f"≥ {bounds['Ge'].ge}"
    return ""


def _configuration_table() -> dict[str, list[str]]:
    rows = _table_rows(_text(ROOT / "docs" / "configuration.md"))
    return {row[0].strip("`"): row for row in rows if row[0].startswith("`")}


def test_every_setting_is_in_the_configuration_table() -> None:
    table = _configuration_table()
    missing = [f.alias for f in Settings.model_fields.values() if f.alias not in table]
    assert not missing, f"docs/configuration.md lacks {missing}"
    gone = set(table) - {f.alias for f in Settings.model_fields.values()}
    assert not gone, f"docs/configuration.md lists {sorted(gone)}, which forge.config.Settings no longer reads"


def test_the_configuration_table_shows_the_code_defaults_and_ranges() -> None:
    table = _configuration_table()
    for field in Settings.model_fields.values():
        _, default, allowed, meaning = table[field.alias]
        assert meaning, field.alias
        assert allowed == _allowed(field), f"{field.alias}: allowed {allowed!r}, the code says {_allowed(field)!r}"
        shown = re.match(r"`([^`]*)`", default)
        if field.default_factory is not None:
            assert shown, field.alias
            assert Path(shown[1]).expanduser() == field.default_factory(), field.alias  # type: ignore[call-arg]
        elif field.default is None:
            assert default.startswith("unset"), f"{field.alias}: default {default!r}, the code has none"
        else:
            expected = '""' if field.default == "" else str(field.default)
            assert shown, f"{field.alias}: default {default!r}, the code says {expected}"
            assert shown[1] == expected, f"{field.alias}: default {default!r}, the code says {expected}"


# --- docs/cli.md --------------------------------------------------------------------------------------------------


def _commands() -> list[str]:
    commands = typer.main.get_command(app)
    names = []
    for name, command in commands.commands.items():  # type: ignore[attr-defined]
        subcommands = getattr(command, "commands", None)
        names += [f"forge {name} {sub}" for sub in subcommands] if subcommands else [f"forge {name}"]
    return names


def test_every_cli_command_is_in_the_commands_table() -> None:
    table = "\n".join(row[0] for row in _table_rows(_text(ROOT / "docs" / "cli.md")))
    # A name is documented when a cell starts with it (`forge keys list`, `forge cancel ID`, ...).
    missing = [n for n in _commands() if f"`{n}" not in table]
    assert not missing, f"docs/cli.md lacks {missing}"


def test_every_command_the_table_names_exists() -> None:
    names = set(_commands())
    for row in _table_rows(_text(ROOT / "docs" / "cli.md")):
        for cell in re.findall(r"`(forge [^`]*)`", row[0]):
            words = cell.split()
            assert " ".join(words[:3]) in names or " ".join(words[:2]) in names, f"docs/cli.md names {cell!r}"


# --- the README -----------------------------------------------------------------------------------------------------


def test_the_readme_is_a_five_minute_read_with_the_two_commands() -> None:
    text = _text(README)
    words = len(text.split())
    assert words <= README_MAX_WORDS, f"README.md has {words} words: move detail to docs/"
    assert "make demo" in text
    assert "make test" in text
    assert "(docs/threat-model.md)" in text


# --- links and paths ------------------------------------------------------------------------------------------------


def _anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    headings = re.findall(r"^#+ (.+)$", _prose(markdown), re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_every_link_in_the_docs_resolves() -> None:
    broken = []
    for doc in DOCS:
        for target in re.findall(r"\]\(([^)\s]+)\)", _prose(_text(doc))):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            resolved = (doc.parent / path).resolve() if path else doc
            if not resolved.exists():
                broken.append(f"{doc.relative_to(ROOT)}: {target}")
            elif anchor and resolved.suffix == ".md" and anchor not in _anchors(_text(resolved)):
                broken.append(f"{doc.relative_to(ROOT)}: {target} (no such heading)")
    assert not broken, broken


def test_every_repository_path_the_docs_name_exists() -> None:
    missing = []
    for doc in DOCS:
        for path in REPO_PATH.findall(_text(doc)):
            if re.search(r"[<>*{}…]|\.\.\.", path) or path in PLUGIN_PATHS:
                continue
            if not (ROOT / path.split(":")[0]).exists():
                missing.append(f"{doc.relative_to(ROOT)}: {path}")
    assert not missing, missing


def test_the_benchmarks_page_names_every_script_and_links_every_result() -> None:
    page = _text(ROOT / "bench" / "README.md")
    for script in sorted((ROOT / "bench").glob("*.py")):
        assert f"bench/{script.name}" in page, script.name
    for result in sorted((ROOT / "bench" / "results").glob("*.json")):
        assert f"(results/{result.name})" in page, result.name


def test_every_context_key_is_in_the_aws_docs() -> None:
    keys = re.findall(r'"(forge:[A-Za-z0-9]+)"', _text(ROOT / "infra" / "context.py"))
    table = "\n".join(row[0] for row in _table_rows(_text(ROOT / "docs" / "aws.md")))
    assert keys, "docs/aws.md, Context keys"
    assert not [k for k in keys if f"`{k}`" not in table], "docs/aws.md, Context keys"
