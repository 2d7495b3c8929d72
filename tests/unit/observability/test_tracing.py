"""The Lambda tracer is built exactly where Powertools would trace (in AWS), and nowhere else: there building it would
only load the X-Ray SDK for nothing."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.tracing.tracer import Tracer

from forge import tracing


class RecordedTracer(Tracer):
    """Powertools' own on/off rule (inherited), without patching the AWS SDK inside the test run."""

    def __init__(self, **settings: Any) -> None:
        self.settings = settings
        self.patched: list[str] = []

    def patch(self, modules: Sequence[str] | None = None) -> None:
        self.patched.extend(modules or ["<all>"])


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tracing, "Tracer", RecordedTracer)
    for name in ("AWS_SAM_LOCAL", "AWS_CHALICE_CLI_MODE"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("recorded")
def test_in_a_lambda_with_tracing_on_the_tracer_is_built(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAMBDA_TASK_ROOT", "/var/task")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "false")
    built = tracing.build_tracer()
    assert isinstance(built, RecordedTracer)
    assert built.settings == {"service": "plugin-forge", "auto_patch": False}
    # Nothing patched wholesale: X-Ray's patch_all would import every library it knows at load.
    assert "<all>" not in built.patched


@pytest.mark.usefixtures("recorded")
def test_with_tracing_disabled_no_tracer_is_built(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAMBDA_TASK_ROOT", "/var/task")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    assert tracing.build_tracer() is None


@pytest.mark.usefixtures("recorded")
def test_outside_lambda_no_tracer_is_built(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LAMBDA_TASK_ROOT", raising=False)
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "false")
    assert tracing.build_tracer() is None


def test_a_library_is_patched_when_first_imported_not_before(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "forge_traced_probe.py").write_text("CALLS = 0\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "forge_traced_probe", raising=False)
    recorded = RecordedTracer()
    tracing.patch_when_imported(recorded, "probe", "forge_traced_probe")
    assert recorded.patched == []
    import forge_traced_probe  # noqa: F401 - the import is what patches

    assert recorded.patched == ["probe"]


def test_a_library_already_imported_is_patched_at_once() -> None:
    recorded = RecordedTracer()
    tracing.patch_when_imported(recorded, "json", "json")
    assert recorded.patched == ["json"]
