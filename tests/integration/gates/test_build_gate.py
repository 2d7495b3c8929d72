"""The Build step runs the analyser inside the same bubblewrap namespace as its other checks: a clean
generated plugin passes, a malicious one fails with the findings in the step's log."""

from __future__ import annotations

import json
from pathlib import Path

from forge.cms.woocommerce.platform import PLATFORM
from forge.models.job import Step
from forge.models.spec import load_spec
from forge.pipeline.container.report import CheckReport
from forge.pipeline.container.staging import stage
from tests.isolated_step import isolated_report

REPO = Path(__file__).resolve().parents[3]


def _build(tmp_path: Path, extra: dict[str, bytes]) -> CheckReport:
    spec = load_spec(REPO / "examples" / "woocommerce.yaml")
    tree = {**PLATFORM.render(spec), **extra}
    stage(tmp_path, spec.model_dump(mode="json"), dict(tree), Step.BUILD)
    assert json.loads((tmp_path / "input.json").read_text())["allowed_hosts"]
    return isolated_report(tmp_path, Step.BUILD, wall_seconds=300)


def test_generated_plugin_passes_the_build_gate(tmp_path: Path) -> None:
    report = _build(tmp_path, {})
    assert report.ok, report.log
    assert "scan: 0 error(s)" in report.summary
    assert "$ forge scan plugin" in report.log


def test_malicious_plugin_fails_the_build_with_findings_in_the_log(tmp_path: Path) -> None:
    webshell = (REPO / "tests" / "fixtures" / "scan" / "malicious" / "webshell.php").read_bytes()
    report = _build(tmp_path, {"includes/helpers.php": webshell})
    assert not report.ok
    # The web shell also lacks the ABSPATH guard WordPress.org's Plugin Check asks for (issue 14).
    assert report.error is not None
    assert report.error.startswith("scan: 2 error finding(s)")
    assert "exec.shell                   includes/helpers.php:6" in report.log
    assert "wporg.direct-file-access" in report.log
