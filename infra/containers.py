"""The steps that run tools over plugin code, or the plugin itself, as Fargate tasks: build, test and sandbox, each
from its target of functions/Dockerfile (one shared base, one stage per step). No Lambda runs plugin code: a
Lambda's credentials are readable by any code of its uid, while a task's reporter keeps them away from its
unprivileged half.

The state machine starts them with ecs:runTask.waitForTaskToken and overrides the container named after the
step (`Name: build` / `test` / `sandbox` in statemachine/forge.asl.json); the task's main process
(functions/<step>/task.py) reports back with the task token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import Annotations, IgnoreMode, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.artifact_access import ARTIFACT_ACCESS, grant_artifacts
from infra.artifacts import Artifacts
from infra.context import ForgeContext
from infra.database import SECRET_ENV, Database
from infra.nag import NO_RESOURCE_LEVEL, acknowledge, acknowledge_wildcards, logical_id

# The one Dockerfile of the Fargate steps: the base they share, then one target (stage) per step.
DOCKERFILE = Path("functions") / "Dockerfile"

# The image needs the library, its hash-locked pins, the Dockerfile and one step's folder; the rest of the checkout
# (.venv, cdk.out, build/ with the Lambda layer, tests) must stay out of the build context, or every synth would copy
# and hash gigabytes, and one step's change would rebuild the others' images.
DOCKER_CONTEXT_EXCLUDE = [
    "*",
    "!pyproject.toml",
    "!requirements/lambda.txt",
    "!layers/forge",
    f"!{DOCKERFILE.as_posix()}",
    "!functions/{step}",
    "**/__pycache__",
    "**/*.pyc",
]

_STAGE = re.compile(r"^FROM\s+(\S+)\s+AS\s+(\S+)\s*$", re.IGNORECASE | re.MULTILINE)

# Written by the task: /tmp for the tools (SubprocessRunner gives them HOME=/tmp) and /work, where the
# reporter stages each job (TMPDIR; tempfile.TemporaryDirectory in forge.pipeline.container.reporter). The
# Dockerfile's step targets declare both as VOLUMEs with their modes (1777, 0711), which is how a Fargate bind mount
# gets permissions other than root 0755.
SCRATCH = {"tmp": "/tmp", "work": "/work"}  # noqa: S108 - paths inside the task's own container

# What Fargate lets a task bound for its untrusted half (docs/quality-gates.md, "Limits"): processes through the
# nproc ulimit (the reporter is root and exempt; the unprivileged child is held to it, and the reporter sets the
# same RLIMIT_NPROC when it starts the child), disk through the task's ephemeral storage. Fargate offers no pids
# cgroup setting, no tmpfs and no per-folder quota (linuxParameters.tmpfs is EC2-only, SYS_ADMIN cannot be added).
MAX_PROCESSES = 256
EPHEMERAL_STORAGE_GIB = 21  # the smallest size Fargate lets a task choose (its default is 20)

# The trusted reporter runs as root (Fargate has no user namespaces, so a separate uid is the only boundary between
# it and the plugin code) and keeps only what it needs to hand the job to the unprivileged child and clean up:
# start it as 65534 (SETUID, SETGID), give it the staged folder (CHOWN), kill it on timeout (KILL) and remove what
# it wrote (DAC_OVERRIDE, FOWNER). The child itself ends up with none (forge.isolation.runner).
REPORTER_USER = "0:0"
REPORTER_CAPABILITIES = frozenset(
    {
        ecs.Capability.SETUID,
        ecs.Capability.SETGID,
        ecs.Capability.CHOWN,
        ecs.Capability.KILL,
        ecs.Capability.DAC_OVERRIDE,
        ecs.Capability.FOWNER,
    }
)


@dataclass(frozen=True)
class TaskSpec:
    cpu: int  # CPU units (1024 = 1 vCPU)
    memory_mb: int


def dockerfile_stages(text: str) -> dict[str, str]:
    """The named stages of a multi-stage Dockerfile, each with what it starts FROM (an image, or another stage)."""
    return {name: base for base, name in _STAGE.findall(text)}


class Containers(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        repo_root: Path,
        vpc: ec2.IVpc,
        artifacts: Artifacts,
        context: ForgeContext,
        database: Database,
    ) -> None:
        super().__init__(scope, construct_id)
        self.cluster = ecs.Cluster(self, "Cluster", vpc=vpc, container_insights_v2=ecs.ContainerInsights.ENABLED)
        # The task's trusted reporter records the run in the database (forge.pipeline.container.reporter).
        environment = {
            **context.environment(artifacts.bucket.bucket_name),
            # The task's uid split is the boundary here (the Dockerfile says the same): no bubblewrap inside.
            "FORGE_ISOLATION": "none",
            "FORGE_STEP_MAX_PROCESSES": str(MAX_PROCESSES),
            "TMPDIR": SCRATCH["work"],
            SECRET_ENV: database.secret.secret_arn,
        }
        self.task_definitions: dict[str, ecs.FargateTaskDefinition] = {}
        specs = {
            "build": TaskSpec(cpu=1024, memory_mb=2048),
            # Test and sandbox run the generated plugin: a smaller box bounds what a runaway plugin can consume.
            # (Security groups and subnets are not part of a task definition: the ASL's RunTask passes them.)
            "test": TaskSpec(cpu=512, memory_mb=1024),
            "sandbox": TaskSpec(cpu=512, memory_mb=1024),
        }
        if not context.woocommerce_sha256:
            Annotations.of(self).add_warning_v2(
                "forge:woocommerceSha256",
                "the sandbox image will not build: pass -c forge:woocommerceSha256=<sha256 of the WooCommerce zip>",
            )
        build_args = {"sandbox": {"WOOCOMMERCE_SHA256": context.woocommerce_sha256}}
        for step, spec in specs.items():
            self.task_definitions[step] = self._task(
                repo_root, step, spec, environment, artifacts, build_args.get(step, {})
            )
            database.grant_connect(self.task_definitions[step].task_role)

    def _task(
        self,
        repo_root: Path,
        step: str,
        spec: TaskSpec,
        environment: dict[str, str],
        artifacts: Artifacts,
        build_args: dict[str, str],
    ) -> ecs.FargateTaskDefinition:
        # A missing target or entry point fails the synth, not the image build at deploy.
        if step not in dockerfile_stages((repo_root / DOCKERFILE).read_text(encoding="utf-8")):
            raise ValueError(f"{DOCKERFILE} has no stage `{step}`: every Fargate step is a target of it")
        if not (repo_root / "functions" / step / "task.py").is_file():
            raise FileNotFoundError(f"no functions/{step}/task.py: the entry point of the {step} image")
        prefix = step.capitalize()
        task = ecs.FargateTaskDefinition(
            self,
            f"{prefix}Task",
            cpu=spec.cpu,
            memory_limit_mib=spec.memory_mb,
            ephemeral_storage_gib=EPHEMERAL_STORAGE_GIB,
            # The image is built for linux/amd64 below; say so, or Fargate would guess.
            runtime_platform=ecs.RuntimePlatform(
                cpu_architecture=ecs.CpuArchitecture.X86_64,
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
            ),
        )
        container = task.add_container(
            step,
            # The name the ASL's ContainerOverrides address: it must be the step name.
            container_name=step,
            image=ecs.ContainerImage.from_asset(
                str(repo_root),
                file=DOCKERFILE.as_posix(),
                target=step,
                exclude=[p.format(step=step) for p in DOCKER_CONTEXT_EXCLUDE],
                ignore_mode=IgnoreMode.DOCKER,
                platform=ecr_assets.Platform.LINUX_AMD64,
                build_args=build_args or None,
            ),
            environment=environment,
            logging=ecs.LogDrivers.aws_logs(
                stream_prefix=step,
                log_group=logs.LogGroup(self, f"{prefix}Logs", retention=logs.RetentionDays.ONE_MONTH),
            ),
            # Hard limits for the container itself, equal to the task's: the bounded child processes
            # (forge.isolation.runner rlimits) live inside them.
            cpu=spec.cpu,
            memory_limit_mib=spec.memory_mb,
            # Every task runs tools over untrusted code: nothing may change the image.
            readonly_root_filesystem=True,
            privileged=False,
            user=REPORTER_USER,
            linux_parameters=self._linux_parameters(prefix),
            ulimits=[ecs.Ulimit(name=ecs.UlimitName.NPROC, soft_limit=MAX_PROCESSES, hard_limit=MAX_PROCESSES)],
            essential=True,
        )
        for name, path in SCRATCH.items():
            task.add_volume(name=name)
            container.add_mount_points(ecs.MountPoint(source_volume=name, container_path=path, read_only=False))
        grant_artifacts(artifacts, task.task_role, ARTIFACT_ACCESS[step])
        acknowledge(
            task,
            "AwsSolutions-ECS2",
            "The environment holds configuration only (bucket name, secret ARN, limits); the database password is "
            "read from Secrets Manager at run time by the trusted reporter, never passed as a variable.",
        )
        acknowledge_wildcards(
            task, (NO_RESOURCE_LEVEL,), "ecr:GetAuthorizationToken (image pull) has no resource-level permissions."
        )
        acknowledge_wildcards(
            task,
            (f"Resource::<{logical_id(artifacts.bucket)}.Arn>/*",),
            "Object keys in this stack's artifact bucket are per job (jobs/<id>/...), known only at run time.",
        )
        return task

    def _linux_parameters(self, prefix: str) -> ecs.LinuxParameters:
        # An init process reaps the PHP children the checks leave behind. Fargate can add no capability but
        # SYS_PTRACE, so "drop ALL, add back" is impossible: every other capability is dropped by name.
        params = ecs.LinuxParameters(self, f"{prefix}LinuxParameters", init_process_enabled=True)
        params.drop_capabilities(
            *sorted(
                (c for c in ecs.Capability if c is not ecs.Capability.ALL and c not in REPORTER_CAPABILITIES),
                key=lambda c: c.value,
            )
        )
        return params

    @property
    def build(self) -> ecs.FargateTaskDefinition:
        return self.task_definitions["build"]

    @property
    def test(self) -> ecs.FargateTaskDefinition:
        return self.task_definitions["test"]

    @property
    def sandbox(self) -> ecs.FargateTaskDefinition:
        return self.task_definitions["sandbox"]

    def grant_run(self, grantee: iam.IGrantable) -> None:
        """ecs:RunTask on exactly these task definitions in this cluster, and passing their roles to ECS."""
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["ecs:RunTask"],
                resources=[t.task_definition_arn for t in self.task_definitions.values()],
                conditions={"ArnEquals": {"ecs:cluster": self.cluster.cluster_arn}},
            )
        )
        roles = [t.task_role for t in self.task_definitions.values()]
        roles += [t.obtain_execution_role() for t in self.task_definitions.values()]
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["iam:PassRole"],
                resources=[r.role_arn for r in roles],
                conditions={"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
            )
        )

    def grant_stop(self, grantee: iam.IGrantable) -> None:
        """ecs:StopTask on this cluster's tasks: `cancel` stops the build, test or sandbox task a job is running."""
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["ecs:StopTask"],
                # Task ids are only known at run time; the cluster condition is the scope.
                resources=[
                    Stack.of(self).format_arn(
                        service="ecs", resource="task", resource_name=f"{self.cluster.cluster_name}/*"
                    )
                ],
                conditions={"ArnEquals": {"ecs:cluster": self.cluster.cluster_arn}},
            )
        )
