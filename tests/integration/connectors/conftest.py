"""Fixtures of the connector tests: the forge's real adapters on this test's database, FORGE_HOME and SoftHSM, and
a loopback svnserve."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from forge.pipeline.deps import PipelineDeps
from tests.connector_targets import SvnServer, svnserve


@pytest.fixture
def deps(forge_env: Path, softhsm: str) -> Iterator[PipelineDeps]:
    from forge.wiring import default_deps, reset_deps

    reset_deps()
    yield default_deps()
    reset_deps()


@pytest.fixture
def svn_server(tmp_path: Path) -> Iterator[SvnServer]:
    with svnserve(tmp_path / "svn") as server:
        yield server
