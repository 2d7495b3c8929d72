"""An LLM provider: audited before trusted, validated, linted with real php inside bubblewrap."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from forge.cms.woocommerce.generation_brief import FORGE_OWNED
from forge.errors import ForgeError, TransientError
from forge.generation import Feedback, get_provider
from forge.generation.llm_provider import LlmProvider
from forge.generation.model import ModelAnswer, ModelCallFailed
from forge.generation.output import RejectedOutput
from forge.generation.prompts import Prompt, build_prompt
from forge.generation.template_provider import TemplateProvider
from forge.isolation.bubblewrap import BubblewrapRunner
from forge.models.spec import PluginSpec, load_spec

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "woocommerce.yaml"


@pytest.fixture(scope="module")
def spec() -> PluginSpec:
    return load_spec(EXAMPLE)


def model_files(spec: PluginSpec) -> dict[str, bytes]:
    """What a good model answers: the template plugin without the forge-owned stand-ins."""
    tree = dict(TemplateProvider().generate(spec).tree)
    for path in FORGE_OWNED:
        del tree[path]
    return tree


class ScriptedModel:
    def __init__(self, *answers: dict[str, bytes] | Exception) -> None:
        self.answers = list(answers)
        self.prompts: list[Prompt] = []

    def complete(self, prompt: Prompt) -> ModelAnswer:
        self.prompts.append(prompt)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        text = json.dumps({"files": [{"path": p, "content": c.decode()} for p, c in answer.items()]})
        return ModelAnswer(content=text, raw=text, model_version="scripted-1", metadata={"usage": {"total": 3}})


class Audit:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, dict[str, Any]]] = []

    def __call__(self, model_version: str, prompt: str, response: str, metadata: dict[str, Any]) -> None:
        self.rows.append((model_version, prompt, response, metadata))


def provider(model: ScriptedModel, audit: Audit) -> LlmProvider:
    return LlmProvider("openai", model, audit, lambda workdir: BubblewrapRunner(workdir))


def test_a_good_answer_gets_the_forge_stand_ins_and_is_audited(spec: PluginSpec) -> None:
    audit = Audit()
    result = provider(ScriptedModel(model_files(spec)), audit).generate(spec)
    assert result.tree == TemplateProvider().generate(spec).tree
    assert result.provider == "openai"
    assert result.model_version == "scripted-1"
    (row,) = audit.rows
    assert row[0] == "scripted-1"
    assert row[1] == result.prompt
    assert "[system]" in row[1]
    assert row[3]["provider"] == "openai"
    assert row[3]["attempt"] == 0
    assert row[3]["usage"] == {"total": 3}


def test_php_that_does_not_lint_is_rejected_after_being_audited(spec: PluginSpec) -> None:
    files = model_files(spec) | {"includes/broken.php": b"<?php\nfunction broken( {\n"}
    audit = Audit()
    with pytest.raises(RejectedOutput) as caught:
        provider(ScriptedModel(files), audit).generate(spec)
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith("includes/broken.php: php -l failed")
    assert "syntax error" in caught.value.problems[0]
    assert len(audit.rows) == 1


def test_unsafe_answers_are_rejected_before_anything_runs(spec: PluginSpec) -> None:
    files = model_files(spec) | {"../escape.php": b"<?php", "tests/stubs.php": b"<?php"}
    del files["readme.txt"]
    with pytest.raises(RejectedOutput) as caught:
        provider(ScriptedModel(files), Audit()).generate(spec)
    problems = caught.value.problems
    assert any("'..' is not allowed" in p for p in problems)
    assert any("written by the forge" in p for p in problems)
    assert "missing required file 'readme.txt'" in problems


@pytest.mark.parametrize(("transient", "error"), [(True, TransientError), (False, ForgeError)])
def test_a_failed_call_is_audited_and_raised(spec: PluginSpec, transient: bool, error: type[Exception]) -> None:
    audit = Audit()
    model = ScriptedModel(ModelCallFailed("HTTP 503", transient, "m-1"))
    with pytest.raises(error, match="HTTP 503"):
        provider(model, audit).generate(spec)
    assert audit.rows[0][0] == "m-1"
    assert audit.rows[0][2] == "error: HTTP 503"
    assert audit.rows[0][3]["error"] == "HTTP 503"


def test_a_repair_prompt_carries_the_failure_and_the_previous_files(spec: PluginSpec) -> None:
    feedback = Feedback(
        attempt=1,
        step="test",
        error="1 of 20 tests failed: test_refund",
        logs="FAILURES!\nTests: 20, Failures: 1.",
        previous={"readme.txt": b"=== Old readme ==="},
    )
    audit = Audit()
    model = ScriptedModel(model_files(spec))
    provider(model, audit).generate(spec, feedback)
    user = model.prompts[0].user
    assert "Repair attempt 1" in user
    assert "failed the test step" in user
    assert "1 of 20 tests failed: test_refund" in user
    assert "Tests: 20, Failures: 1." in user
    assert "--- readme.txt\n=== Old readme ===" in user
    assert audit.rows[0][3]["attempt"] == 1
    assert build_prompt(spec).user.count("Repair") == 0


def test_provider_registry() -> None:
    assert get_provider("template").repairs is False
    with pytest.raises(ForgeError, match="available: template, openai, bedrock"):
        get_provider("gpt")
    with pytest.raises(ForgeError, match="needs settings"):
        get_provider("openai")
