"""What the stack promises for the pipeline itself: the state machine, its functions, tasks and network."""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from forge.workflow.definition import placeholders, states
from infra.context import ForgeContext
from infra.functions import API, LIGHT_STEPS, placeholder
from infra.layer_build import PROVIDED_BY_RUNTIME, LayerBuildError, Wheel, layer_packages
from infra.layer_bundle import LAYER_DIR, STAMP, LayerNotBuiltError, layer_digest, staged_layer
from infra.stack import REPO_ROOT
from tests.infra.synthesis import Synth, actions

ASL = REPO_ROOT / "statemachine" / "forge.asl.json"
FARGATE_STEPS = ["build", "test", "sandbox"]
TASK_DEFINITIONS = [f"{step.capitalize()}TaskDefinitionArn" for step in FARGATE_STEPS]


# --- the state machine ---------------------------------------------------------------------------------------


def test_state_machine_is_the_asl_file_with_every_placeholder_substituted(synth: Synth) -> None:
    synth.template.resource_count_is("AWS::StepFunctions::StateMachine", 1)
    machine = synth.state_machine
    # The definition is the repository's file, byte for byte, not a CDK re-description of it.
    assert "DefinitionString" not in machine
    staged = synth.staged_file_asset(machine["DefinitionS3Location"]["Key"])
    assert staged.read_bytes() == ASL.read_bytes()
    subs = machine["DefinitionSubstitutions"]
    assert set(subs) == placeholders() == placeholders(staged.read_text())
    assert all(value not in (None, "") for value in subs.values())


def test_state_machine_logs_everything_and_traces(synth: Synth) -> None:
    machine = synth.state_machine
    assert machine["LoggingConfiguration"]["Level"] == "ALL"
    assert machine["LoggingConfiguration"]["Destinations"]
    assert machine["TracingConfiguration"] == {"Enabled": True}
    assert machine["StateMachineType"] == "STANDARD"


def test_state_machine_may_invoke_its_functions_and_run_its_tasks_only(synth: Synth) -> None:
    role = synth.state_machine["RoleArn"]["Fn::GetAtt"][0]
    statements = synth.statements(role)
    (invoke,) = [s for s in statements if "lambda:InvokeFunction" in actions(s)]
    function_subs = [p for p in synth.state_machine["DefinitionSubstitutions"] if p.endswith("FunctionArn")]
    assert sorted(r["Fn::GetAtt"][0] for r in invoke["Resource"]) == sorted(
        synth.state_machine["DefinitionSubstitutions"][p]["Fn::GetAtt"][0] for p in function_subs
    )
    (run,) = [s for s in statements if "ecs:RunTask" in actions(s)]
    assert sorted(r["Ref"] for r in run["Resource"]) == sorted(
        synth.state_machine["DefinitionSubstitutions"][p]["Ref"] for p in TASK_DEFINITIONS
    )
    (pass_role,) = [s for s in statements if "iam:PassRole" in actions(s)]
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}
    assert len(pass_role["Resource"]) == 2 * len(TASK_DEFINITIONS)  # task and execution role of each


def test_task_responses_are_scoped_to_this_state_machine(synth: Synth) -> None:
    machine_name = synth.state_machine["StateMachineName"]
    holders = [synth.substituted(placeholder(s)) for s in ("approval", "finish")]
    holders += [synth.substituted(p) for p in TASK_DEFINITIONS]
    roles = [h["Properties"]["Role"]["Fn::GetAtt"][0] for h in holders[:2]]
    roles += [h["Properties"]["TaskRoleArn"]["Fn::GetAtt"][0] for h in holders[2:]]
    roles.append(_api_function(synth)[1]["Properties"]["Role"]["Fn::GetAtt"][0])
    for role in roles:
        (grant,) = [s for s in synth.statements(role) if "states:SendTaskSuccess" in actions(s)]
        assert {"states:SendTaskSuccess", "states:SendTaskFailure"} <= actions(grant)
        arn = json.dumps(grant["Resource"])
        assert f":stateMachine:{machine_name}" in arn, arn
        assert "*" not in arn, arn


def _api_function(synth: Synth) -> tuple[str, dict[str, Any]]:
    (found,) = [
        (k, r)
        for k, r in synth.of_type("AWS::Lambda::Function").items()
        if "FORGE_STATE_MACHINE_ARN" in r["Properties"].get("Environment", {}).get("Variables", {})
    ]
    return found


def test_api_knows_and_may_start_the_state_machine(synth: Synth) -> None:
    _, api = _api_function(synth)
    assert api["Properties"]["Description"] == f"Plugin Forge {API}"
    machine_id = next(iter(synth.of_type("AWS::StepFunctions::StateMachine")))
    assert api["Properties"]["Environment"]["Variables"]["FORGE_STATE_MACHINE_ARN"] == {"Ref": machine_id}
    statements = synth.statements(api["Properties"]["Role"]["Fn::GetAtt"][0])
    assert any("states:StartExecution" in actions(s) and s["Resource"] == {"Ref": machine_id} for s in statements)


# --- the Lambda functions --------------------------------------------------------------------------------------


def test_one_zip_lambda_per_light_step_python_312_with_the_layer(synth: Synth) -> None:
    (layer_id,) = synth.of_type("AWS::Lambda::LayerVersion")
    ours = {k: r for k, r in synth.of_type("AWS::Lambda::Function").items() if r["Properties"].get("Layers")}
    # Every function from functions/<name>/handler.py: steps, api, migrate, rotate_keys, gauges.
    assert len(ours) == len(synth.stack.functions.code_paths)
    bucket = synth.logical_id(synth.stack.artifacts.bucket)
    secret = synth.stack.resolve(synth.stack.database.secret.secret_arn)
    for step in LIGHT_STEPS:
        props = synth.substituted(placeholder(step))["Properties"]
        assert props["Runtime"] == "python3.12", step
        assert props["Handler"] == "handler.handler", step
        assert props["Layers"] == [{"Ref": layer_id}], step
        assert props["TracingConfig"] == {"Mode": "Active"}, step
        assert props["VpcConfig"]["SubnetIds"], step
        env = props["Environment"]["Variables"]
        # Changed with issue 11: no Lambda may run an untrusted tool unisolated (tests/attacks).
        assert "FORGE_ISOLATION" not in env
        assert env["FORGE_MIN_APPROVALS"] == "2"
        assert env["FORGE_WORKER_CONCURRENCY"] == "3"
        assert env["S3_BUCKET"] == {"Ref": bucket}
        assert env["FORGE_DATABASE_SECRET_ARN"] == secret
        assert env["POWERTOOLS_SERVICE_NAME"] == "plugin-forge"
        assert env["PYDANTIC_DISABLE_PLUGINS"] == "__all__"
    for signer in ("sign", "publish"):
        env = synth.substituted(placeholder(signer))["Properties"]["Environment"]["Variables"]
        assert env["FORGE_SIGNER"] == "kms", signer


def test_every_function_ships_its_own_handler_from_the_repo(synth: Synth) -> None:
    assert {"migrate", "api", *LIGHT_STEPS} <= set(synth.stack.functions.code_paths)
    for name, source in synth.stack.functions.code_paths.items():
        assert (source / "handler.py").is_file(), source
        assert source == REPO_ROOT / "functions" / name
    for name, function in synth.stack.functions.all.items():
        props = synth.resources[synth.logical_id(function)]["Properties"]
        staged = synth.staged_file_asset(props["Code"]["S3Key"])
        assert (staged / "handler.py").read_bytes() == (REPO_ROOT / "functions" / name / "handler.py").read_bytes()


def test_lambda_ends_before_the_state_that_invokes_it_times_out(synth: Synth) -> None:
    for name, state in states().items():
        function = state.get("Parameters", {}).get("FunctionName", "")
        if "TimeoutSeconds" in state and function.startswith("${"):
            props = synth.substituted(function[2:-1])["Properties"]
            assert props["Timeout"] < state["TimeoutSeconds"], name


def test_layer_holds_the_library_and_its_wheels_but_not_the_runtime_or_local_code(synth: Synth) -> None:
    (layer,) = synth.of_type("AWS::Lambda::LayerVersion").values()
    python = synth.staged_file_asset(layer["Properties"]["Content"]["S3Key"]) / "python"
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.12"]
    assert (python / "forge" / "__init__.py").is_file()
    assert (python / "forge" / "db" / "migrations").is_dir()
    for package in ("pydantic_core", "psycopg2", "cryptography", "pkcs11", "aws_lambda_powertools", "yaml"):
        assert (python / package).is_dir(), package
    assert list(python.glob("pydantic_core/*cpython-312-x86_64-linux-gnu.so")), "not built for the Lambda platform"
    for absent in ("boto3", "botocore", "s3transfer", "forge/local", "forge/cli"):
        assert not (python / absent).exists(), absent
    # What only the runtime's boto3 needs stays out too; and the build tools locked beside the dependencies.
    for absent in ("dateutil", "six.py", "setuptools", "pip", "bin"):
        assert not (python / absent).exists(), absent
    assert not (python / STAMP).exists()


def test_layer_holds_every_dependency_its_packages_declare(synth: Synth) -> None:
    """Closed under the wheels' own metadata: each package's requirements (for Lambda's Python) are in the layer,
    or are what the Lambda runtime ships."""
    from importlib.metadata import distributions

    from infra.layer_build import LAMBDA_MARKERS

    (layer,) = synth.of_type("AWS::Lambda::LayerVersion").values()
    python = synth.staged_file_asset(layer["Properties"]["Content"]["S3Key"]) / "python"
    present = {canonicalize_name(d.metadata["Name"]): d for d in distributions(path=[str(python)])}
    assert {"pydantic", "psycopg2-binary", "aws-lambda-powertools"} <= set(present)
    for name, dist in present.items():
        for spec in dist.requires or []:
            req = Requirement(spec)
            if req.marker is None or req.marker.evaluate({**LAMBDA_MARKERS, "extra": ""}):
                assert canonicalize_name(req.name) in set(present) | PROVIDED_BY_RUNTIME, (name, spec)


# --- the Fargate tasks -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("step", FARGATE_STEPS)
def test_fargate_task_per_heavy_step_named_as_the_asl_overrides(synth: Synth, step: str) -> None:
    props = synth.substituted(f"{step.capitalize()}TaskDefinitionArn")["Properties"]
    assert props["RequiresCompatibilities"] == ["FARGATE"]
    assert states()[step.capitalize()]["Resource"] == "arn:aws:states:::ecs:runTask.waitForTaskToken"
    (container,) = props["ContainerDefinitions"]
    overridden = states()[step.capitalize()]["Parameters"]["Overrides"]["ContainerOverrides"][0]["Name"]
    assert container["Name"] == overridden == step
    assert container["ReadonlyRootFilesystem"] is True
    assert container["Memory"]
    assert container["Cpu"]
    assert {m["ContainerPath"] for m in container["MountPoints"]} == {"/tmp", "/work"}  # noqa: S108 - in the task
    # Not "ALL": the root reporter keeps SETUID/SETGID to drop the child (tests/infra/test_sandbox_least_privilege.py).
    assert "SYS_ADMIN" in container["LinuxParameters"]["Capabilities"]["Drop"]
    image_hash = container["Image"]["Fn::Sub"].rsplit(":", 1)[1]
    source = synth.assets["dockerImages"][image_hash]["source"]
    # Changed with issue 12: one Dockerfile, a target per step, on the shared base (was functions/<step>/Dockerfile).
    assert source["dockerFile"] == "functions/Dockerfile"
    assert source["dockerBuildTarget"] == step
    context = synth.outdir / source["directory"]
    # Only what the image needs is in the build context (not .venv, cdk.out, build/ or tests); the pins are the
    # hash-locked AWS lock, requirements/lambda.txt (was constraints.txt, the virtualenv's pins).
    assert {p.name for p in context.iterdir()} == {"pyproject.toml", "requirements", "layers", "functions"}
    assert {p.name for p in (context / "requirements").iterdir()} == {"lambda.txt"}
    assert {p.name for p in (context / "functions").iterdir()} == {"Dockerfile", step}
    assert (context / "functions" / step / "task.py").is_file()
    assert (context / "functions" / step / "entrypoint.py").is_file()
    assert container["Environment"]
    assert {"Name": "FORGE_ISOLATION", "Value": "none"} in container["Environment"]


def test_the_fargate_images_share_one_base_and_the_locked_dependencies() -> None:
    """Each step is a target built on the same `task` stage, which takes the library from the one `forge` stage,
    installed from the hash-locked pins only; a step adds its tools and entry point, nothing else."""
    from infra.containers import DOCKERFILE, dockerfile_stages

    text = (REPO_ROOT / DOCKERFILE).read_text()
    stages = dockerfile_stages(text)
    assert stages == {"forge": "${PYTHON_IMAGE}", "task": "${PYTHON_IMAGE}", **dict.fromkeys(FARGATE_STEPS, "task")}
    assert text.count("COPY --from=forge /opt/venv /opt/venv") == len(FARGATE_STEPS)
    installs = [line.strip() for line in text.splitlines() if "pip install" in line]
    assert installs == [
        "RUN /opt/venv/bin/pip install --require-hashes --only-binary=:all: -r /tmp/forge/requirements/lambda.txt",
        "RUN /opt/venv/bin/pip install --no-deps --no-build-isolation /tmp/forge \\",
    ]
    for step in FARGATE_STEPS:
        assert f'ENTRYPOINT ["python", "functions/{step}/task.py"]' in text


@pytest.mark.parametrize("step", FARGATE_STEPS)
def test_fargate_task_bounds_processes_and_disk(synth: Synth, step: str) -> None:
    """What Fargate offers for the untrusted half's limits (docs/quality-gates.md): an nproc ulimit and the task's
    ephemeral storage; the reporter applies the same process limit to the child it starts."""
    from infra.containers import EPHEMERAL_STORAGE_GIB, MAX_PROCESSES

    props = synth.substituted(f"{step.capitalize()}TaskDefinitionArn")["Properties"]
    assert props["EphemeralStorage"] == {"SizeInGiB": EPHEMERAL_STORAGE_GIB}
    (container,) = props["ContainerDefinitions"]
    assert container["Ulimits"] == [{"Name": "nproc", "SoftLimit": MAX_PROCESSES, "HardLimit": MAX_PROCESSES}]
    assert {"Name": "FORGE_STEP_MAX_PROCESSES", "Value": str(MAX_PROCESSES)} in container["Environment"]


@pytest.mark.parametrize("step", ["test", "sandbox"])
def test_tasks_running_plugin_code_have_no_egress_to_the_internet(synth: Synth, step: str) -> None:
    group = synth.state_machine["DefinitionSubstitutions"][f"{step.capitalize()}SecurityGroupId"]["Fn::GetAtt"][0]
    inline = synth.resources[group]["Properties"].get("SecurityGroupEgress", [])
    separate = [
        r["Properties"]
        for r in synth.of_type("AWS::EC2::SecurityGroupEgress").values()
        if r["Properties"]["GroupId"] == {"Fn::GetAtt": [group, "GroupId"]}
    ]
    assert separate, f"the {step} task needs HTTPS to the VPC endpoints to pull its image and report"
    for rule in inline + separate:
        assert rule.get("CidrIp") != "0.0.0.0/0", rule
        assert rule.get("CidrIpv6") != "::/0", rule
        assert rule["IpProtocol"] != "-1", rule
    synth.template.resource_count_is("AWS::EC2::NatGateway", 0)
    synth.template.resource_count_is("AWS::EC2::InternetGateway", 0)


# --- context and the layer bundler, without another synth ------------------------------------------------------


def test_context_defaults_and_bounds() -> None:
    assert ForgeContext.from_node(cdk.App().node) == ForgeContext(min_approvals=2, worker_concurrency=3)
    app = cdk.App(context={"forge:minApprovals": "3", "forge:workerConcurrency": 8})
    assert ForgeContext.from_node(app.node) == ForgeContext(min_approvals=3, worker_concurrency=8)
    with pytest.raises(ValueError, match="forge:minApprovals"):
        ForgeContext.from_node(cdk.App(context={"forge:minApprovals": 0}).node)
    with pytest.raises(ValueError, match="forge:alarmEmail"):
        ForgeContext.from_node(cdk.App(context={"forge:alarmEmail": "ops"}).node)
    assert ForgeContext.from_node(cdk.App(context={"forge:alarmEmail": " a@b.c "}).node).alarm_email == "a@b.c"


def _wheel(name: str, version: str, *requires: str) -> Wheel:
    return Wheel(name, Version(version), list(requires))


LOCKED = {
    "aws-lambda-powertools": _wheel("aws-lambda-powertools", "3.0", "jmespath", 'aws-xray-sdk; extra == "tracer"'),
    "aws-xray-sdk": _wheel("aws-xray-sdk", "2.15", "botocore>=1.11", "wrapt"),
    "botocore": _wheel("botocore", "1.44", "python-dateutil", "jmespath"),
    "boto3": _wheel("boto3", "1.44", "botocore"),
    "python-dateutil": _wheel("python-dateutil", "2.9", "six"),
    "six": _wheel("six", "1.17"),
    "jmespath": _wheel("jmespath", "1.1"),
    "wrapt": _wheel("wrapt", "2.5", 'pytest; python_version < "3.9"'),
    "pydantic": _wheel("pydantic", "2.14"),
}


def test_layer_packages_leave_out_what_lambda_provides() -> None:
    """Changed with the hash-locked layer (issue 12): the set is walked from the lock's wheels, not a pip resolve.
    Lambda's own boto3 and what only it needs stay out; an extra's dependencies and markers are honoured."""
    keep = layer_packages(["aws-lambda-powertools[tracer]", "boto3", "pydantic>=2.7"], LOCKED)
    assert keep == {"aws-lambda-powertools", "aws-xray-sdk", "jmespath", "wrapt", "pydantic"}
    assert layer_packages(["aws-lambda-powertools"], LOCKED) == {"aws-lambda-powertools", "jmespath"}


def test_a_dependency_the_lock_does_not_cover_is_named_with_the_fix() -> None:
    """Changed with the hash-locked layer (issue 12): a wheel-less dependency now fails `make lock` (uv, with
    --only-binary); what `make layer` can still meet is a lock older than pyproject.toml."""
    with pytest.raises(LayerBuildError, match=r"pins no pyotp, which pyproject.toml requires: run `make lock`"):
        layer_packages(["pyotp"], LOCKED)
    with pytest.raises(LayerBuildError, match=r"pins pydantic==2.14, but pyproject.toml requires pydantic>=3"):
        layer_packages(["pydantic>=3"], LOCKED)
    assert issubclass(LayerBuildError, RuntimeError)


def test_synth_packages_only_the_folder_make_layer_staged(tmp_path: Path) -> None:
    """A missing or stale build/lambda-layer fails the synth with the command that fixes it; nothing is built."""
    for path in ("pyproject.toml", "requirements/lambda.txt", "infra/layer_build.py", "layers/forge/__init__.py"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO_ROOT / path, tmp_path / path)
    with pytest.raises(LayerNotBuiltError, match=r"no Lambda layer in build/lambda-layer/: run `make layer`"):
        staged_layer(tmp_path)
    (tmp_path / LAYER_DIR / "python").mkdir(parents=True)
    (tmp_path / LAYER_DIR / STAMP).write_text(layer_digest(tmp_path) + "\n")
    assert staged_layer(tmp_path).digest == layer_digest(tmp_path)
    for changed in ("layers/forge/__init__.py", "requirements/lambda.txt", "infra/layer_build.py"):
        original = (tmp_path / changed).read_bytes()
        (tmp_path / changed).write_bytes(original + b"\n# changed\n")
        with pytest.raises(LayerNotBuiltError, match=r"is stale: .* run `make layer`"):
            staged_layer(tmp_path)
        (tmp_path / changed).write_bytes(original)
    # The local runtime and the CLI are not in the layer, so changing them does not make it stale.
    (tmp_path / "layers/forge/cli").mkdir()
    (tmp_path / "layers/forge/cli/main.py").write_text("# the CLI\n")
    staged_layer(tmp_path)


def test_no_module_of_the_cdk_app_builds_the_layer() -> None:
    """Synth resolves and downloads nothing: neither app.py nor any infra module but the builder itself imports
    the builder, pip or subprocess."""
    sources = [REPO_ROOT / "app.py", *sorted((REPO_ROOT / "infra").glob("*.py"))]
    for source in sources:
        if source.name == "layer_build.py":
            continue
        for node in ast.walk(ast.parse(source.read_text(), str(source))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            names += [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                assert name not in ("infra.layer_build", "pip", "subprocess"), f"{source.name} imports {name}"
