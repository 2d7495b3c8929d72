"""A spec whose WordPress range starts below what the sandbox's WooCommerce activates on (WooCommerce 9.3.3 requires
WordPress 6.5) is refused where a spec is accepted, with a message naming the field: the API answers 422 and stores
nothing, `forge run` and `forge generate` exit 2 and write nothing. Accepted, such a job would fail at Sandbox in AWS
(the real WooCommerce refuses to activate) after Generate, Build and Test had run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from forge.cli.main import app
from forge.models.spec import load_spec
from tests.attacks.conftest import EXAMPLE
from tests.integration.api.conftest import WorkflowSpy, api_deps, call

PROBLEM = "compatibility.wordpress.min: 6.2 is below 6.5"


def _old_wordpress_spec() -> dict[str, Any]:
    spec = load_spec(EXAMPLE).model_dump(mode="json")
    spec["compatibility"]["wordpress"]["min"] = "6.2"
    return spec


def _old_wordpress_file(folder: Path) -> Path:
    path = folder / "old-wordpress.yaml"
    path.write_text(EXAMPLE.read_text().replace('wordpress: {min: "6.5"', 'wordpress: {min: "6.2"'))
    assert 'min: "6.2"' in path.read_text()
    return path


def _jobs() -> int:
    return int(api_deps().repos.jobs.db.fetchone("SELECT count(*) AS n FROM forge_jobs")["n"])


def test_the_api_refuses_the_spec_with_422_and_stores_nothing(api: WorkflowSpy) -> None:
    before = _jobs()
    status, body = call("POST", "/jobs", {"spec": _old_wordpress_spec()})
    assert status == 422, body
    assert body["error"] == "invalid_spec"
    assert any(problem.startswith(PROBLEM) for problem in body["problems"]), body
    assert _jobs() == before
    assert api.started == []


def test_forge_run_refuses_the_spec_before_calling_the_api(
    tmp_path: Path, forge_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nothing listens there: the refusal must come from the local validation, before any request.
    monkeypatch.setenv("FORGE_API_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("COLUMNS", "200")
    spec = _old_wordpress_file(tmp_path)
    result = CliRunner().invoke(app, ["run", str(spec)])
    assert result.exit_code == 2, result.output
    assert "invalid plugin spec" in result.output
    assert PROBLEM in result.output
    assert "Traceback" not in result.output


def test_forge_generate_refuses_the_spec_and_writes_nothing(
    tmp_path: Path, forge_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    out = tmp_path / "plugin"
    result = CliRunner().invoke(app, ["generate", str(_old_wordpress_file(tmp_path)), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert PROBLEM in result.output
    assert not out.exists()
