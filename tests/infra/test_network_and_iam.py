"""The VPC's private reach (endpoints, flow logs) and least privilege: each role only what its code uses."""

from __future__ import annotations

import json

from infra.network import INTERFACE_ENDPOINTS
from tests.infra.synthesis import Synth, actions

# The list (S3, KMS, Secrets Manager, Step Functions, ECR, CloudWatch Logs) and ECS for cancel.
REQUIRED_INTERFACE_SERVICES = {"kms", "secretsmanager", "states", "ecr.api", "ecr.dkr", "logs", "ecs"}


def test_vpc_reaches_aws_only_through_endpoints(synth: Synth) -> None:
    endpoints = [e["Properties"] for e in synth.of_type("AWS::EC2::VPCEndpoint").values()]
    names = {json.dumps(e["ServiceName"]) for e in endpoints}
    for service in REQUIRED_INTERFACE_SERVICES:
        assert any(n.endswith(f'.{service}"]]}}') for n in names), (service, names)
    (gateway,) = [e for e in endpoints if e.get("VpcEndpointType") == "Gateway"]
    assert json.dumps(gateway["ServiceName"]).endswith('.s3"]]}')
    interfaces = [e for e in endpoints if e.get("VpcEndpointType") == "Interface"]
    assert len(interfaces) == len(INTERFACE_ENDPOINTS)
    assert all(e["PrivateDnsEnabled"] for e in interfaces)
    synth.template.resource_count_is("AWS::EC2::NatGateway", 0)


def test_vpc_flow_logs_are_kept(synth: Synth) -> None:
    (flow_log,) = synth.of_type("AWS::EC2::FlowLog").values()
    assert flow_log["Properties"]["LogDestinationType"] == "s3"
    assert flow_log["Properties"]["TrafficType"] == "ALL"


def test_every_function_runs_in_the_isolated_subnets(synth: Synth) -> None:
    isolated = [synth.stack.resolve(s.subnet_id) for s in synth.stack.network.vpc.isolated_subnets]
    group = synth.logical_id(synth.stack.network.function_security_group)
    for name, function in synth.stack.functions.all.items():
        vpc = synth.resources[synth.logical_id(function)]["Properties"]["VpcConfig"]
        assert vpc["SubnetIds"] == isolated, name
        assert vpc["SecurityGroupIds"] == [{"Fn::GetAtt": [group, "GroupId"]}], name


def _granted(synth: Synth, role: str) -> set[str]:
    return set().union(*(actions(s) for s in synth.statements(role)))


def test_no_role_is_granted_a_whole_service(synth: Synth) -> None:
    for policy in synth.of_type("AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            for action in actions(statement):
                assert action != "*", (policy["Properties"]["PolicyName"], action)
                assert not action.endswith(":*"), (policy["Properties"]["PolicyName"], action)


def test_each_function_holds_only_the_permissions_its_code_uses(synth: Synth) -> None:
    functions = synth.stack.functions.all
    roles = {name: synth.logical_id(f.role) for name, f in functions.items()}
    granted = {name: _granted(synth, role) for name, role in roles.items()}
    # Signing keys: the sign step, publish (release statement), the API (revocation lists), and rotation.
    signers = {"sign", "publish", "api"} | ({"rotate_keys"} & set(functions))
    assert {n for n, g in granted.items() if "kms:Sign" in g} == signers
    assert {n for n, g in granted.items() if "kms:CreateKey" in g} == {"rotate_keys"} & set(functions)
    # Task tokens: the API (approve/reject), approval, finish, and the sweeper of the workflow-callback outbox.
    released_by = {"api", "approval", "finish", "workflow_callbacks"}
    assert {n for n, g in granted.items() if "states:SendTaskSuccess" in g} == released_by
    # Failing a task: those, and the function that fails the state of a task that stopped without reporting.
    assert {n for n, g in granted.items() if "states:SendTaskFailure" in g} == released_by | {"task_stopped"}
    # Starting, stopping executions and stopping Fargate tasks: the API only.
    for action in ("states:StartExecution", "states:StopExecution", "ecs:StopTask"):
        assert {n for n, g in granted.items() if action in g} == {"api"}, action
    # The migration touches the database and nothing else.
    assert granted["migrate"] <= {
        "secretsmanager:GetSecretValue",
        "secretsmanager:DescribeSecret",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
    }
    # Nobody deletes artifacts (versioned bucket, writers overwrite); only the API's revoke deletes, and only
    # marketplace releases (a retraction; the versions stay).
    for name, actions_granted in granted.items():
        deletes = {a for a in actions_granted if a.startswith("s3:Delete")}
        assert deletes == ({"s3:DeleteObject"} if name == "api" else set()), name
    marketplace = synth.logical_id(synth.stack.artifacts.marketplace)
    for statement in synth.statements(roles["api"]):
        if "s3:DeleteObject" in actions(statement):
            assert marketplace in str(statement["Resource"])
            assert synth.logical_id(synth.stack.artifacts.bucket) not in str(statement["Resource"])


def test_only_the_state_machine_scheduler_and_provider_invoke_functions(synth: Synth) -> None:
    invokers = set()
    for policy in synth.of_type("AWS::IAM::Policy").values():
        if any("lambda:InvokeFunction" in actions(s) for s in policy["Properties"]["PolicyDocument"]["Statement"]):
            invokers |= {r["Ref"] for r in policy["Properties"]["Roles"]}
    machine_role = synth.state_machine["RoleArn"]["Fn::GetAtt"][0]
    expected = {machine_role, synth.logical_id(synth.stack.schedules.role)}
    provider_roles = {
        k
        for k, r in synth.of_type("AWS::IAM::Role").items()
        if "Migrations" in k and "Provider" in k and "framework" in k
    }
    assert len(provider_roles) == 1
    assert invokers == expected | provider_roles
