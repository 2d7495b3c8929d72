"""LLM generation is a deploy-time choice: `forge:generationProvider` (template, bedrock, openai). Bedrock gets a
bedrock-runtime endpoint and InvokeModel on the configured model only; an OpenAI-compatible endpoint gets its URL, the
SIRA key secret (read by generate alone) and, opted in, a NAT gateway for generate's egress. The default stays offline.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

from forge.errors import ForgeError
from forge.models.spec import load_spec
from infra.context import ForgeContext
from infra.stack import REPO_ROOT
from tests.infra.synthesis import Synth, actions, synthesize_variant

MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0"
SIRA = "https://sira.example.com/v1"


@pytest.fixture(scope="module")
def bedrock(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synthesize_variant(
        tmp_path_factory.mktemp("bedrock"), {"forge:generationProvider": "bedrock", "forge:bedrockModelId": MODEL}
    )


@pytest.fixture(scope="module")
def openai(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synthesize_variant(
        tmp_path_factory.mktemp("openai"),
        {"forge:generationProvider": "openai", "forge:siraApiUrl": SIRA, "forge:natGateway": "true"},
    )


def _env(synth: Synth, name: str) -> dict[str, Any]:
    function = synth.stack.functions.all[name]
    return synth.resources[synth.logical_id(function)]["Properties"]["Environment"]["Variables"]


def _granted(synth: Synth, name: str) -> list[dict[str, Any]]:
    return synth.statements(synth.logical_id(synth.stack.functions.all[name].role))


def _endpoints(synth: Synth) -> str:
    return json.dumps(list(synth.of_type("AWS::EC2::VPCEndpoint").values()))


def test_the_default_stack_generates_offline_and_has_no_route_out(synth: Synth) -> None:
    assert _env(synth, "generate")["FORGE_GENERATION_PROVIDER"] == "template"
    # The API starts executions with the provider in their input (the repair loop's choice reads it).
    assert _env(synth, "api")["FORGE_GENERATION_PROVIDER"] == "template"
    assert not synth.of_type("AWS::EC2::NatGateway")
    assert not synth.of_type("AWS::EC2::InternetGateway")
    assert "bedrock-runtime" not in _endpoints(synth)
    assert not any(a.startswith("bedrock:") for s in _granted(synth, "generate") for a in actions(s))


def test_bedrock_invokes_the_configured_model_only_through_its_endpoint(bedrock: Synth) -> None:
    assert bedrock.validation_error is None, bedrock.validation_error
    env = _env(bedrock, "generate")
    assert env["FORGE_GENERATION_PROVIDER"] == "bedrock"
    assert env["FORGE_BEDROCK_MODEL_ID"] == MODEL
    assert _env(bedrock, "api")["FORGE_GENERATION_PROVIDER"] == "bedrock"
    assert "bedrock-runtime" in _endpoints(bedrock)
    invoke = [s for s in _granted(bedrock, "generate") if any(a.startswith("bedrock:") for a in actions(s))]
    assert [actions(s) for s in invoke] == [{"bedrock:InvokeModel"}]
    assert f"foundation-model/{MODEL}" in json.dumps(invoke[0]["Resource"])
    assert "*" not in json.dumps(invoke)
    # Nobody else may call a model.
    for name in bedrock.stack.functions.all:
        if name != "generate":
            assert not any(a.startswith("bedrock:") for s in _granted(bedrock, name) for a in actions(s)), name
    assert not bedrock.of_type("AWS::EC2::NatGateway")


def test_an_openai_compatible_endpoint_gets_its_url_its_key_secret_and_opted_in_egress(openai: Synth) -> None:
    assert openai.validation_error is None, openai.validation_error
    env = _env(openai, "generate")
    assert env["FORGE_GENERATION_PROVIDER"] == "openai"
    assert env["SIRA_API_URL"] == SIRA
    secret = openai.stack.resolve(openai.stack.sira_api_key.secret_arn)
    assert env["SIRA_API_KEY_SECRET_ID"] == secret
    readers = [
        name
        for name in openai.stack.functions.all
        if any(json.dumps(secret) in json.dumps(s["Resource"]) for s in _granted(openai, name))
    ]
    assert readers == ["generate"]
    # One NAT gateway (one AZ: the cost of one), and only generate is placed where it routes.
    assert len(openai.of_type("AWS::EC2::NatGateway")) == 1
    generate = openai.resources[openai.logical_id(openai.stack.functions.all["generate"])]["Properties"]
    egress = {openai.stack.resolve(s.subnet_id)["Ref"] for s in openai.stack.network.vpc.private_subnets}
    assert {s["Ref"] for s in generate["VpcConfig"]["SubnetIds"]} == egress
    for name, function in openai.stack.functions.all.items():
        if name != "generate":
            subnets = openai.resources[openai.logical_id(function)]["Properties"]["VpcConfig"]["SubnetIds"]
            assert not {s["Ref"] for s in subnets} & egress, name
    # The Fargate tasks stay where nothing routes out (their subnets are the ASL's substitutions).
    machine = openai.state_machine["DefinitionSubstitutions"]
    assert {machine["PrivateSubnetA"]["Ref"], machine["PrivateSubnetB"]["Ref"]}.isdisjoint(egress)


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"forge:generationProvider": "gpt"}, "forge:generationProvider"),
        ({"forge:generationProvider": "openai"}, "forge:siraApiUrl"),
        ({"forge:generationProvider": "openai", "forge:siraApiUrl": "http://sira.example.com"}, "https"),
        ({"forge:natGateway": "maybe"}, "forge:natGateway"),
    ],
)
def test_a_bad_generation_choice_fails_the_synth(context: dict[str, str], message: str) -> None:
    app = cdk.App(context=context)
    with pytest.raises(ValueError, match=message):
        ForgeContext.from_node(app.node)


def test_context_keys_are_documented() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "aws.md").read_text()
    for key in ("forge:generationProvider", "forge:bedrockModelId", "forge:siraApiUrl", "forge:natGateway"):
        assert f"`{key}`" in text, key


def test_generate_leaves_the_php_lint_to_build_where_php_and_isolation_are(
    bedrock: Synth, openai: Synth, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The generate Lambda is a zip function: no php, no bubblewrap. Its php -l of a model's answer would refuse every
    answer ("php is not installed"); Build lints every PHP file in its Fargate task, and a failed Build goes back to
    Generate through the repair loop, so nothing unlinted gets further than Build."""
    from forge.generation.llm_provider import LlmProvider
    from tests.integration.generation.test_llm_provider import Audit, ScriptedModel, model_files

    for variant in (bedrock, openai):
        assert _env(variant, "generate")["FORGE_GENERATION_LINT"] == "build"
    spec = load_spec(REPO_ROOT / "examples" / "woocommerce.yaml")
    monkeypatch.setenv("PATH", str(tmp_path))  # where Generate runs in AWS: no php
    files = model_files(spec) | {"includes/broken.php": b"<?php\nfunction broken( {\n"}
    deferred = LlmProvider("bedrock", ScriptedModel(files), Audit(), lambda _w: pytest.fail("no runner"), lint=False)
    assert "includes/broken.php" in deferred.generate(spec).tree
    here = LlmProvider("bedrock", ScriptedModel(files), Audit(), lambda _w: pytest.fail("no runner"))
    with pytest.raises(ForgeError, match="php is not installed"):
        here.generate(spec)
