"""The execution input carries what the repair loop's Choice reads: provider, max repairs, attempt 0."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from uuid import uuid4

import pytest

from forge.config import Settings
from forge.models.job import Step
from forge.pipeline.jobs import _execution_input


def test_generation_block_comes_from_the_settings(tmp_path: Path) -> None:
    settings = Settings(FORGE_HOME=tmp_path, FORGE_GENERATION_PROVIDER="bedrock", FORGE_MAX_REPAIRS=3)
    job_id = uuid4()
    payload = _execution_input(SimpleNamespace(settings=settings), job_id, Step.BUILD)  # type: ignore[arg-type]
    assert payload["job_id"] == str(job_id)
    assert payload["resume_from"] == "build"
    assert payload["generation"] == {"provider": "bedrock", "max_repairs": 3, "attempt": 0}


def test_max_repairs_defaults_to_two(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORGE_MAX_REPAIRS", raising=False)
    assert Settings(FORGE_HOME=tmp_path).max_repairs == 2
