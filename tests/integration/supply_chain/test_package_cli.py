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
    # composer.json is a development file: left out of the zip, as the pipeline leaves it out (issue 14), and still
    # read for the SBOM's dependencies.
    assert archive.namelist() == [
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


def _pipeline_zip(tree: dict[str, bytes], spec: object) -> bytes:
    """What the pipeline's Package step stores for this source tree (the step itself, with in-memory deps)."""
    from types import SimpleNamespace
    from uuid import uuid4

    from forge.packaging.archive import zip_tree
    from forge.pipeline import artifacts_layout
    from forge.pipeline.steps.package import package

    stored: dict[str, bytes] = {}
    job = SimpleNamespace(id=uuid4())
    stored[artifacts_layout.source_zip(job.id)] = zip_tree(tree)
    artifacts = SimpleNamespace(get=stored.__getitem__, put=lambda key, data: stored.setdefault(key, data) and key)
    deps = SimpleNamespace(artifacts=artifacts, repos=SimpleNamespace(packages=SimpleNamespace(set_built=print)))
    ctx = SimpleNamespace(spec=spec, job=job, deps=deps, package_id=uuid4(), log=lambda message: None)
    package(ctx)  # type: ignore[arg-type]
    return stored[artifacts_layout.package_zip(job.id, spec.slug, spec.version)]  # type: ignore[attr-defined]


def test_forge_package_makes_the_pipelines_zip_whatever_the_folder_is_called(tmp_path: Path) -> None:
    """Issue 14: same exclusions, same <slug>/ root, same bytes: dev files never ship by either path."""
    from forge.cms.woocommerce.platform import PLATFORM
    from forge.models.spec import load_spec

    spec = load_spec(Path(__file__).resolve().parents[3] / "examples" / "woocommerce.yaml")
    tree = dict(PLATFORM.render(spec))
    folder = tmp_path / "checkout-plugin-copy"
    for rel, data in tree.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    result = CliRunner().invoke(app, ["package", str(folder), "-o", str(tmp_path / "out.zip")])
    assert result.exit_code == 0, result.output
    made = (tmp_path / "out.zip").read_bytes()
    names = zipfile.ZipFile(io.BytesIO(made)).namelist()
    assert all(n.startswith(f"{spec.slug}/") for n in names), names
    for dev in ("tests/", "composer.json", "phpunit.xml.dist"):
        assert not [n for n in names if n.removeprefix(f"{spec.slug}/").startswith(dev)], dev
    assert made == _pipeline_zip(tree, spec)
