"""The PrestaShop module's build, its own PHPUnit suite and the stand-in driver, with the real tools."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from forge.cms.prestashop.platform import PLATFORM
from forge.models.spec import load_spec
from forge.packaging.archive import write_tree

REPO = Path(__file__).resolve().parents[3]
EXAMPLE = REPO / "examples" / "prestashop.yaml"


def _run(argv: tuple[str, ...] | list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), cwd=cwd, capture_output=True, text=True, timeout=300, check=False)


def test_build_test_and_sandbox_commands_pass(tmp_path: Path) -> None:
    spec = load_spec(EXAMPLE)
    plugin = tmp_path / "plugin"
    tree = dict(PLATFORM.render(spec))
    write_tree(tree, plugin)
    for command in PLATFORM.build_commands(sorted(tree)):
        done = _run(command.argv, plugin)
        assert done.returncode == 0, f"{command.label}: {done.stdout}{done.stderr}"
    tests = _run(PLATFORM.test_command("../junit.xml").argv, plugin)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert 'failures="0"' in (tmp_path / "junit.xml").read_text()
    write_tree(dict(PLATFORM.sandbox_files()), tmp_path)
    driven = _run(PLATFORM.sandbox_command(spec).argv, tmp_path)
    assert driven.returncode == 0, driven.stdout + driven.stderr
    assert not driven.stderr.strip(), driven.stderr
    checks = [json.loads(line) for line in driven.stdout.splitlines()]
    assert {c["suite"] for c in checks} == {"events", "webhooks", "permissions"}
    assert all(c["ok"] for c in checks)
    assert {"validate_order_exactly_once", "redelivered_event_ignored", "credit_slip_refunds_once"} <= {
        c["name"] for c in checks
    }


def test_the_driver_catches_a_module_that_validates_twice(tmp_path: Path) -> None:
    """The stand-in behaves as PrestaShop: a second validateOrder for the same cart is refused, and the driver
    reports the module that tries."""
    spec = load_spec(EXAMPLE)
    tree = dict(PLATFORM.render(spec))
    main = tree[f"{spec.slug}.php"].decode()
    tree[f"{spec.slug}.php"] = (
        main.replace("        if ($existing > 0) {\n            return $existing;\n        }\n", "")
        .replace("if (!Payments::claim($payment['payment_id'])) {", "if (false) {")
        .encode()
    )
    write_tree(tree, tmp_path / "plugin")
    write_tree(dict(PLATFORM.sandbox_files()), tmp_path)
    driven = _run(PLATFORM.sandbox_command(spec).argv, tmp_path)
    assert driven.returncode == 1
    failed = {json.loads(line)["name"] for line in driven.stdout.splitlines() if not json.loads(line)["ok"]}
    assert "validate_order_exactly_once" in failed or "redelivered_event_ignored" in failed, driven.stdout
