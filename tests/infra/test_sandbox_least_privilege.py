"""Least privilege around the untrusted code: the S3 gateway's endpoint policy, who may touch the artifact bucket,
and how the Fargate tasks run their reporter (root, few capabilities) so the child can drop to an unprivileged uid."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.infra.synthesis import Synth, actions

# From the artifact store calls in layers/forge/pipeline (steps/*.py, container/reporter.py). Stated here on
# purpose rather than imported from infra, so that a widened grant fails.
READ = {"s3:GetObject", "s3:ListBucket"}
READ_WRITE = READ | {"s3:PutObject"}
EXPECTED_FUNCTION_ACCESS: dict[str, set[str]] = {
    "generate": READ_WRITE,
    "package": READ_WRITE,
    "sign": READ_WRITE,
    "publish": READ,
    "approval": set(),
    "finish": set(),
    "api": set(),
    "migrate": set(),
    "rotate_keys": set(),
    "gauges": set(),
    "workflow_callbacks": set(),
    "reconcile_jobs": set(),
    "task_stopped": set(),
}


def _on_artifact_bucket(synth: Synth, statements: list[dict[str, Any]]) -> set[str]:
    bucket = synth.logical_id(synth.stack.artifacts.bucket)
    found: set[str] = set()
    for statement in statements:
        if bucket in json.dumps(statement.get("Resource")) and statement["Effect"] == "Allow":
            found |= {a for a in actions(statement) if a.startswith("s3:")}
    return found


@pytest.mark.parametrize("name", sorted(EXPECTED_FUNCTION_ACCESS))
def test_function_holds_only_the_artifact_access_its_code_uses(synth: Synth, name: str) -> None:
    functions = synth.stack.functions.all
    if name not in functions:
        pytest.fail(f"no {name} function in the stack: {sorted(functions)}")
    role = synth.logical_id(functions[name].role)
    assert _on_artifact_bucket(synth, synth.statements(role)) == EXPECTED_FUNCTION_ACCESS[name]


def test_every_function_is_covered_by_the_expectation(synth: Synth) -> None:
    assert set(synth.stack.functions.all) == set(EXPECTED_FUNCTION_ACCESS)


# The test task's reporter also stores the JUnit report.
EXPECTED_TASK_ACCESS = {"build": READ, "test": READ_WRITE, "sandbox": READ}


@pytest.mark.parametrize("step", sorted(EXPECTED_TASK_ACCESS))
def test_fargate_task_role_holds_only_the_artifact_access_its_reporter_uses(synth: Synth, step: str) -> None:
    role = synth.logical_id(synth.stack.containers.task_definitions[step].task_role)
    assert _on_artifact_bucket(synth, synth.statements(role)) == EXPECTED_TASK_ACCESS[step]


def test_every_task_is_covered_by_the_expectation(synth: Synth) -> None:
    assert set(synth.stack.containers.task_definitions) == set(EXPECTED_TASK_ACCESS)


def _gateway_policy(synth: Synth) -> list[dict[str, Any]]:
    (gateway,) = [
        e["Properties"]
        for e in synth.of_type("AWS::EC2::VPCEndpoint").values()
        if e["Properties"].get("VpcEndpointType") == "Gateway"
    ]
    assert "PolicyDocument" in gateway, "the S3 gateway endpoint has no policy (full access to any bucket)"
    return gateway["PolicyDocument"]["Statement"]


def test_s3_gateway_endpoint_admits_only_this_stacks_buckets_and_ecr_layers(synth: Synth) -> None:
    statements = _gateway_policy(synth)
    assert all(s["Effect"] == "Allow" for s in statements)
    resources: list[str] = []
    for statement in statements:
        assert not any(a in ("*", "s3:*") for a in actions(statement)), statement
        listed = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        assert "*" not in listed, statement
        resources += [json.dumps(r) for r in listed]
    buckets = [synth.stack.artifacts.bucket, synth.stack.artifacts.marketplace, synth.stack.artifacts.audit_bucket]
    for bucket in buckets:
        ids = [r for r in resources if synth.logical_id(bucket) in r]
        assert len(ids) == 2, (synth.logical_id(bucket), ids)  # the bucket (ListBucket) and its objects
    ecr = [r for r in resources if "starport-layer-bucket" in r]
    layer_objects = {"Fn::Join": ["", ["arn:aws:s3:::prod-", {"Ref": "AWS::Region"}, "-starport-layer-bucket/*"]]}
    assert ecr == [json.dumps(layer_objects)]
    # Nothing else: not the access-log bucket (S3 writes those itself), not any other bucket.
    assert len(resources) == 2 * len(buckets) + 1, resources
    (layers,) = [s for s in statements if "starport" in json.dumps(s["Resource"])]
    assert actions(layers) == {"s3:GetObject"}


@pytest.mark.parametrize("step", sorted(EXPECTED_TASK_ACCESS))
def test_fargate_reporter_is_root_with_only_the_capabilities_to_drop_the_child(synth: Synth, step: str) -> None:
    props = synth.substituted(f"{step.capitalize()}TaskDefinitionArn")["Properties"]
    (container,) = props["ContainerDefinitions"]
    assert container["User"] == "0:0"
    assert container["Privileged"] is False
    capabilities = container["LinuxParameters"]["Capabilities"]
    assert "Add" not in capabilities
    dropped = set(capabilities["Drop"])
    kept = {"SETUID", "SETGID", "CHOWN", "KILL", "DAC_OVERRIDE", "FOWNER"}
    assert not dropped & kept
    # Docker's default set minus what the reporter keeps: all of it is dropped.
    docker_defaults = {
        "NET_RAW",
        "MKNOD",
        "SETPCAP",
        "SETFCAP",
        "SYS_CHROOT",
        "NET_BIND_SERVICE",
        "FSETID",
        "AUDIT_WRITE",
    }
    assert docker_defaults <= dropped, docker_defaults - dropped
    assert "SYS_ADMIN" in dropped
    assert "SYS_PTRACE" in dropped


@pytest.mark.parametrize("step", sorted(EXPECTED_TASK_ACCESS))
def test_dockerfile_runs_the_reporter_as_root_and_work_is_traversable(synth: Synth, step: str) -> None:
    from infra.containers import DOCKERFILE, dockerfile_stages
    from infra.stack import REPO_ROOT

    # One Dockerfile since issue 12: what applies to the step is its own stage and the stages it is built FROM.
    text = (REPO_ROOT / DOCKERFILE).read_text()
    stages, lineage, stage = dockerfile_stages(text), [], step
    while stage in stages:
        lineage.append(stage)
        stage = stages[stage]
    dockerfile = "".join(_stage_text(text, name) for name in lineage)
    users = [line.split()[1] for line in dockerfile.splitlines() if line.startswith("USER ")]
    assert users == ["0:0"]
    assert "chmod 0711 /work" in dockerfile


def _stage_text(dockerfile: str, name: str) -> str:
    """The instructions of one stage: from its FROM line to the next FROM."""
    start = re.search(rf"^FROM \S+ AS {name}$", dockerfile, re.M)
    assert start, name
    end = re.search(r"^FROM ", dockerfile[start.end() :], re.M)
    return dockerfile[start.start() : start.end() + end.start() if end else None]


def test_the_sandbox_image_gets_the_woocommerce_checksum_from_context(synth: Synth) -> None:
    # The Dockerfile's sandbox target refuses to build without it; the build image takes no build args.
    images = synth.assets["dockerImages"].values()
    with_arg = [i for i in images if "WOOCOMMERCE_SHA256" in (i["source"].get("dockerBuildArgs") or {})]
    assert len(with_arg) == 1
    assert with_arg[0]["source"]["dockerBuildTarget"] == "sandbox"


def test_a_malformed_woocommerce_checksum_is_refused_at_synth() -> None:
    from aws_cdk import App

    from infra.context import WOOCOMMERCE_SHA256, ForgeContext

    with pytest.raises(ValueError, match="sha256"):
        ForgeContext.from_node(App(context={WOOCOMMERCE_SHA256: "not-a-hash"}).node)
    good = "ab" * 32
    assert ForgeContext.from_node(App(context={WOOCOMMERCE_SHA256: good.upper()}).node).woocommerce_sha256 == good
