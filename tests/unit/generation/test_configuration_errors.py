"""A bad environment variable is a configuration error, never a spec error, and a provider typo fails at once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from forge.cli.main import app
from forge.config import ConfigError, _config_problem, get_settings, reset_settings
from forge.generation import PROVIDERS, get_provider
from forge.models.spec import load_spec

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "woocommerce.yaml"


@pytest.fixture(autouse=True)
def fresh_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("FORGE_HOME", str(tmp_path / "home"))
    reset_settings()
    yield
    reset_settings()


def test_a_bad_number_names_the_variable_and_exits_2(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FORGE_MAX_REPAIRS", "abc")
    result = CliRunner().invoke(app, ["generate", str(EXAMPLE), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "invalid configuration" in result.output
    assert "FORGE_MAX_REPAIRS='abc'" in result.output
    assert "invalid plugin spec" not in result.output
    assert not (tmp_path / "out").exists()


def test_a_provider_typo_fails_when_settings_load(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FORGE_GENERATION_PROVIDER", "opneai")
    with pytest.raises(ConfigError) as caught:
        get_settings()
    assert caught.value.problems[0].startswith("FORGE_GENERATION_PROVIDER='opneai'")
    result = CliRunner().invoke(app, ["generate", str(EXAMPLE), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "FORGE_GENERATION_PROVIDER" in result.output


def test_spec_parsing_raises_the_config_error_not_a_spec_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORGE_ALLOWED_API_HOSTS", "api.molam.com")
    monkeypatch.setenv("FORGE_MIN_APPROVALS", "0")
    # The allowlist is handed to the spec (validation context): reading it is where the bad variable shows.
    with pytest.raises(ConfigError, match="FORGE_MIN_APPROVALS"):
        load_spec(EXAMPLE, get_settings().allowed_hosts)
    # Parsing itself never reads the environment, so it cannot turn a configuration error into a spec error.
    assert load_spec(EXAMPLE).slug == "molam-pay-for-woocommerce"


def test_only_the_failing_variable_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORGE_PKCS11_PIN", "1234")
    monkeypatch.setenv("FORGE_LLM_TIMEOUT_SECONDS", "1")
    with pytest.raises(ConfigError) as caught:
        get_settings()
    assert caught.value.problems == ["FORGE_LLM_TIMEOUT_SECONDS='1': Input should be greater than or equal to 5"]


def test_secret_values_are_not_echoed() -> None:
    problem = _config_problem({"loc": ("FORGE_MFA_KEY",), "input": "s3cr3t", "msg": "bad"})
    assert problem == "FORGE_MFA_KEY=(hidden): bad"


def test_every_accepted_provider_name_is_one_get_provider_knows() -> None:
    assert PROVIDERS == ("template", "openai", "bedrock")
    assert type(get_provider("template")).__name__ == "TemplateProvider"
