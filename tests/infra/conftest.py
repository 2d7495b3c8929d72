"""One synthesis of the CDK app for the whole test session: JSII is slow (~10 s per synth on two cores), so
every test in tests/infra reads the same cloud assembly."""

from __future__ import annotations

import pytest

from tests.infra.synthesis import Synth, synthesize


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synthesize(tmp_path_factory.mktemp("cdk.out"))
