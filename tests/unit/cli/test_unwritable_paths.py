"""A path the user names that cannot be written (its parent is a file, or a folder that cannot hold files) is the
user's input: a plain message naming the path and exit 1, not an "internal error"."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from forge.cli.main import app

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "woocommerce.yaml"


def test_generate_into_a_path_under_a_file_names_the_path(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")

    result = CliRunner().invoke(app, ["generate", str(EXAMPLE), "--out", str(blocker / "plugin")])

    assert result.exit_code == 1, result.output
    assert "internal error" not in result.output
    assert "error: cannot write" in result.output
    assert str(blocker) in result.output


def test_package_to_a_zip_under_a_file_names_the_path(tmp_path: Path) -> None:
    plugin = tmp_path / "plugin"
    assert CliRunner().invoke(app, ["generate", str(EXAMPLE), "--out", str(plugin)]).exit_code == 0
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")

    result = CliRunner().invoke(app, ["package", str(plugin), "-o", str(blocker / "x.zip")])

    assert result.exit_code == 1, result.output
    assert "internal error" not in result.output
    assert "error: cannot write" in result.output
