"""docs/runbook.md follows the stack: every alarm the stack creates has its section (what it means, what to do), and
every command it gives exists: `forge` commands in the CLI, `aws` calls in botocore's service models (the service,
the operation and each option)."""

from __future__ import annotations

import re
from pathlib import Path

import botocore.session
from aws_cdk import aws_cloudwatch as cloudwatch
from botocore import xform_name

from tests.infra.synthesis import Synth
from tests.unit.test_reference_docs import _commands

RUNBOOK = (Path(__file__).resolve().parents[2] / "docs" / "runbook.md").read_text(encoding="utf-8")
# The AWS CLI's options that are not an operation's parameters: its globals, its pagination, and `aws logs tail`'s.
CLI_OPTIONS = {"query", "output", "region", "cli-binary-format", "max-items", "page-size", "starting-token", "since"}
# The AWS CLI's own commands, which are no API operation.
CLI_COMMANDS = {("logs", "tail")}
CLI_SERVICE_NAMES = {"s3api": "s3"}


def _snippets() -> list[str]:
    """Every command line of the code blocks (continuations joined, comments left out) and every inline code span."""
    lines = []
    for block in re.findall(r"^```[a-z]*\n(.*?)^```", RUNBOOK, flags=re.S | re.M):
        joined = re.sub(r"\\\n\s*", " ", block)
        lines += [line.strip() for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    prose = re.sub(r"^```.*?^```", "", RUNBOOK, flags=re.S | re.M)
    return lines + [" ".join(span.split()) for span in re.findall(r"`([^`]+)`", prose)]


def _aws_calls() -> list[str]:
    """Each `aws ...` command, nested ones ("$(aws ...)") and piped ones apart."""
    calls = []
    for snippet in _snippets():
        for part in re.split(r"\$\(|\)|&&|\|", snippet):
            part = part.strip().strip('"')
            if part.startswith("aws "):
                calls.append(part)
    return calls


def test_every_alarm_of_the_stack_has_its_section(synth: Synth) -> None:
    alarms = [c for c in synth.stack.node.find_all() if isinstance(c, cloudwatch.Alarm)]
    assert len(alarms) == len(synth.of_type("AWS::CloudWatch::Alarm"))
    missing = [a.node.id for a in alarms if f"\n### {a.node.id}\n" not in RUNBOOK]
    assert not missing, f"docs/runbook.md has no section for {missing}"
    for alarm in alarms:
        section = RUNBOOK.split(f"\n### {alarm.node.id}\n", 1)[1].split("\n### ", 1)[0]
        assert "**Means:**" in section, alarm.node.id
        assert "**Do:**" in section, alarm.node.id


def test_every_forge_command_of_the_runbook_exists() -> None:
    names = set(_commands())
    groups = {" ".join(name.split()[:2]) for name in names}
    used = [s for s in _snippets() if s.startswith("forge ")]
    assert used
    for command in used:
        words = command.split()
        named = " ".join(words[:3]) in names or " ".join(words[:2]) in names
        assert named or (len(words) == 2 and command in groups), command


def test_every_aws_call_of_the_runbook_is_a_real_operation_with_real_options() -> None:
    session = botocore.session.get_session()
    services = set(session.get_available_services())
    calls = _aws_calls()
    assert len(calls) > 20, calls
    for call in calls:
        _aws, service, operation, *_ = call.split()
        service = CLI_SERVICE_NAMES.get(service, service)
        assert service in services, call
        options = set(re.findall(r"(?<!\S)--([a-z0-9-]+)", call))
        if (service, operation) in CLI_COMMANDS:
            continue
        model = session.get_service_model(service)
        if operation == "wait":
            waiters = session.get_waiter_model(service)
            by_cli_name = {xform_name(name, "-"): name for name in waiters.waiter_names}
            assert call.split()[3] in by_cli_name, call
            shape = model.operation_model(waiters.get_waiter(by_cli_name[call.split()[3]]).operation)
        else:
            by_cli_name = {xform_name(name, "-"): name for name in model.operation_names}
            assert operation in by_cli_name, call
            shape = model.operation_model(by_cli_name[operation])
        members = {xform_name(m, "-") for m in (shape.input_shape.members if shape.input_shape else {})}
        accepted = members | {f"no-{m}" for m in members} | CLI_OPTIONS
        assert options <= accepted, f"{call}: {sorted(options - accepted)}"
