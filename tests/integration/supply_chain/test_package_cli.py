"""`forge package`: the same tree gives the same bytes after every file is touched; SBOM and checksums beside."""

from __future__ import annotations

import io
import json
import os
import subprocess
import zipfile
from pathlib import Path

from typer.testing import CliRunner

from forge.cli.main import app


def plugin(root: Path) -> Path:
    folder = root / "molam-pay"
    (folder / "includes").mkdir(parents=True)
    (folder / "molam-pay.php").write_text("<?php\n/**\n * Plugin Name: Molam Pay\n * Version: 2.0.1\n */\n")
    (folder / "includes" / "gateway.php").write_text("<?php\nclass Gateway {}\n")
    (folder / "composer.json").write_text(json.dumps({"require": {"php": ">=8.1", "psr/log": "^3.0"}}))
    return folder


def test_package_twice_after_touching_every_file_gives_the_same_bytes(tmp_path: Path) -> None:
    folder = plugin(tmp_path)
    runner = CliRunner()
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    first = runner.invoke(app, ["package", str(folder), "-o", str(tmp_path / "one" / "a.zip")])
    assert first.exit_code == 0, first.output
    for path in folder.rglob("*"):
        os.utime(path, (2_000_000_000, 2_000_000_000))
        if path.is_file():
            path.chmod(0o600)
    second = runner.invoke(app, ["package", str(folder), "-o", str(tmp_path / "two" / "a.zip")])
    assert second.exit_code == 0, second.output
    assert first.output.split()[0] == second.output.split()[0]
    for name in ("a.zip", "a.cdx.json", "a.SHA256SUMS"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name
    archive = zipfile.ZipFile(io.BytesIO((tmp_path / "one" / "a.zip").read_bytes()))
    assert archive.namelist() == [
        "molam-pay/composer.json",
        "molam-pay/includes/gateway.php",
        "molam-pay/molam-pay.php",
    ]
    sbom = json.loads((tmp_path / "one" / "a.cdx.json").read_text())
    assert sbom["metadata"]["component"]["version"] == "2.0.1"
    assert [c["name"] for c in sbom["components"]] == ["psr/log"]
    checked = subprocess.run(["sha256sum", "-c", "a.SHA256SUMS"], cwd=tmp_path / "one", capture_output=True, text=True)
    assert checked.returncode == 0
    assert "a.zip: OK" in checked.stdout
    assert "a.cdx.json: OK" in checked.stdout


def test_package_refuses_a_symlink_with_a_message(tmp_path: Path) -> None:
    folder = plugin(tmp_path)
    (folder / "link.php").symlink_to("/etc/passwd")
    result = CliRunner().invoke(app, ["package", str(folder), "-o", str(tmp_path / "x.zip")])
    assert result.exit_code != 0
    assert "symbolic link" in result.output
    assert not (tmp_path / "x.zip").exists()
