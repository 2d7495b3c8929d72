"""The local runtime needs every fix in forge.local.moto_patches; each test here fails without its fix.

Each scenario runs in a fresh interpreter, since a fix, once applied, stays for the process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent('''
    import json, os, sys, threading, time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    import boto3
    from moto import mock_aws
    from forge.local import moto_patches

    from forge.local.sigv4 import RunCredentials, SignatureError, verify_sigv4

    scenario, patched = sys.argv[1], sys.argv[2] == "patched"
    RUN = RunCredentials()
    if patched:
        moto_patches.apply()
        moto_patches.sign_engine_calls_with(RUN)

    SFN = {}
    class Peer(BaseHTTPRequestHandler):
        """Plays ECS (RunTask/DescribeTasks) and Lambda (Invoke) on loopback."""
        def log_message(self, *a): pass
        def do_POST(self):
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            if scenario == "signed":
                try:
                    verify_sigv4(RUN, "lambda", "us-east-1", "POST", self.path, self.headers, raw)
                except SignatureError:
                    self.send_response(403); self.send_header("Content-Length", "2"); self.end_headers()
                    self.wfile.write(b"{}")
                    return
            body = json.loads(raw)
            if "invocations" in self.path:
                out = b"{}"
            else:
                task = {"taskArn": "arn:aws:ecs:us-east-1:123456789012:task/c/1",
                        "clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/c", "lastStatus": "RUNNING"}
                if self.headers["X-Amz-Target"].endswith("RunTask"):
                    env = {e["name"]: e["value"] for e in body["overrides"]["containerOverrides"][0]["environment"]}
                    threading.Timer(0.2, lambda: SFN["c"].send_task_success(
                        taskToken=env["TOKEN"], output=json.dumps({"cluster": body["cluster"]}))).start()
                out = json.dumps({"tasks": [task], "failures": []}).encode()
            self.send_response(200); self.send_header("Content-Length", str(len(out))); self.end_headers()
            self.wfile.write(out)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Peer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    os.environ.update(AWS_ENDPOINT_URL_ECS=url, AWS_ENDPOINT_URL_LAMBDA=url, AWS_DEFAULT_REGION="us-east-1")
    if scenario == "ecs":
        state = {"Type": "Task", "Resource": "arn:aws:states:::ecs:runTask.waitForTaskToken", "TimeoutSeconds": 20,
                 "End": True, "Parameters": {"Cluster": "c", "TaskDefinition": "build", "LaunchType": "FARGATE",
                 "Overrides": {"ContainerOverrides": [{"Name": "build", "Environment": [
                     {"Name": "TOKEN", "Value.$": "$$.Task.Token"}]}]}}}
    elif scenario == "signed":
        state = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True,
                 "Parameters": {"FunctionName": "f", "Payload": {}}}
    else:
        state = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken", "TimeoutSeconds": 600,
                 "End": True, "Parameters": {"FunctionName": "wait", "Payload": {"token.$": "$$.Task.Token"}}}
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True},
                          "core": {"passthrough": {"services": ["ecs", "lambda"]}}}):
        sfn = SFN["c"] = boto3.client("stepfunctions")
        arn = sfn.create_state_machine(name="t", definition=json.dumps({"StartAt": "S", "States": {"S": state}}),
                                       roleArn="arn:aws:iam::123456789012:role/r")["stateMachineArn"]
        execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]

        def until(probe, done, timeout=120):
            # A condition, not a guess: the deadline only bounds a hang.
            deadline = time.monotonic() + timeout
            while not done(found := probe()) and time.monotonic() < deadline:
                time.sleep(0.02)
            return found

        def history():
            return sfn.get_execution_history(executionArn=execution)["events"]

        if scenario in ("stop", "cause"):
            # The engine records TaskSubmitted once the Lambda was invoked, right before the token wait starts.
            until(history, lambda events: any(e["type"] == "TaskSubmitted" for e in events))
        if scenario == "stop":
            sfn.stop_execution(executionArn=execution)
        if scenario == "cause":
            token = json.loads([e for e in history()
                                if e["type"] == "TaskScheduled"][0]["taskScheduledEventDetails"]["parameters"])
            sfn.send_task_failure(taskToken=token["Payload"]["token"], error="Rejected", cause="wrong colours")
        # Without the stop fix the execution never ends by itself (its wait lasts 600 s): that one case can only
        # be watched for a while, long enough for the fixed engine to have ended it many times over.
        watch = 5 if (scenario, patched) == ("stop", False) else 120
        d = until(lambda: sfn.describe_execution(executionArn=execution), lambda d: d["status"] != "RUNNING", watch)
        print(json.dumps({"status": d["status"], "output": d.get("output"), "cause": d.get("cause")}))
''')


def run(scenario: str, mode: str) -> dict:
    done = subprocess.run([sys.executable, "-c", SCRIPT, scenario, mode], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_ecs_run_task_with_task_token_succeeds_with_the_fix() -> None:
    result = run("ecs", "patched")
    assert result["status"] == "SUCCEEDED", result
    assert json.loads(result["output"]) == {"cluster": "c"}


def test_ecs_run_task_fails_without_the_fix() -> None:
    result = run("ecs", "unpatched")
    assert result["status"] == "FAILED"
    assert "Cluster" in (result["cause"] or ""), result


def test_stop_aborts_a_task_waiting_for_its_token_with_the_fix() -> None:
    assert run("stop", "patched")["status"] == "ABORTED"


def test_stop_leaves_the_wait_running_without_the_fix() -> None:
    assert run("stop", "unpatched")["status"] == "RUNNING"


def test_send_task_failure_keeps_its_cause_with_the_fix() -> None:
    result = run("cause", "patched")
    assert result["status"] == "FAILED"
    assert result["cause"] == "wrong colours"


def test_send_task_failure_loses_its_cause_without_the_fix() -> None:
    result = run("cause", "unpatched")
    assert result["status"] == "FAILED"
    assert not result["cause"]


def test_engine_calls_carry_the_run_signature_with_the_fix() -> None:
    assert run("signed", "patched")["status"] == "SUCCEEDED"


def test_engine_calls_are_signed_with_moto_fixed_keys_without_the_fix() -> None:
    assert run("signed", "unpatched")["status"] == "FAILED"


KMS_SCRIPT = textwrap.dedent("""
    import os, sys
    os.environ.update(AWS_DEFAULT_REGION="us-east-1", AWS_ACCESS_KEY_ID="t", AWS_SECRET_ACCESS_KEY="t")
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from moto import mock_aws
    from forge.local import moto_patches
    from forge.signing.kms_signer import KmsSigner, create_kms_key
    if sys.argv[1] == "patched":
        moto_patches.fix_kms_sign_digest()
    with mock_aws():
        signer = KmsSigner(create_kms_key("alias/digest-test"))
        message = b"m" * 6000  # over KMS's 4096-byte RAW limit: sent as its digest
        public = serialization.load_der_public_key(signer.public_key_der())
        try:
            public.verify(signer.sign(message), message, ec.ECDSA(hashes.SHA256()))
            print("verified")
        except InvalidSignature:
            print("not verified")
""")


def _kms_sign(mode: str) -> str:
    done = subprocess.run([sys.executable, "-c", KMS_SCRIPT, mode], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]


def test_a_long_message_signed_as_its_digest_verifies_with_the_fix() -> None:
    assert _kms_sign("patched") == "verified"


def test_a_long_message_signed_as_its_digest_is_hashed_twice_without_the_fix() -> None:
    assert _kms_sign("unpatched") == "not verified"


PARSE_SCRIPT = textwrap.dedent("""
    import json, os, sys, time
    os.environ.update(AWS_DEFAULT_REGION="us-east-1", AWS_ACCESS_KEY_ID="t", AWS_SECRET_ACCESS_KEY="t")
    import boto3
    from moto import mock_aws
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
    from forge.local import moto_patches
    if sys.argv[1] == "patched":
        moto_patches.fix_definition_parsed_per_execution()
    parses = []
    original = AmazonStateLanguageParser.parse
    AmazonStateLanguageParser.parse = staticmethod(lambda definition: parses.append(1) or original(definition))
    # A Choice and a Pass that each read the execution's own input: a program shared between executions would
    # answer one with another's path.
    definition = {"StartAt": "Pick", "States": {
        "Pick": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThan": 1, "Next": "Big"}],
                 "Default": "Small"},
        "Big": {"Type": "Pass", "Parameters": {"size": "big", "n.$": "$.n"}, "End": True},
        "Small": {"Type": "Pass", "Parameters": {"size": "small", "n.$": "$.n"}, "End": True}}}
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        sfn = boto3.client("stepfunctions")
        arn = sfn.create_state_machine(name="p", definition=json.dumps(definition),
                                       roleArn="arn:aws:iam::123456789012:role/r")["stateMachineArn"]
        at_create = len(parses)
        runs = [sfn.start_execution(stateMachineArn=arn, name=f"run-{n}", input=json.dumps({"n": n}))["executionArn"]
                for n in (1, 2, 3)]
        outputs = []
        for run in runs:
            deadline = time.monotonic() + 60
            while (d := sfn.describe_execution(executionArn=run))["status"] == "RUNNING":
                if time.monotonic() > deadline:
                    break
                time.sleep(0.02)
            outputs.append(json.loads(d.get("output") or "null"))
        print(json.dumps({"parses": len(parses) - at_create, "outputs": outputs}))
""")


def _parse_run(mode: str) -> dict:
    done = subprocess.run([sys.executable, "-c", PARSE_SCRIPT, mode], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


EXPECTED_OUTPUTS = [{"size": "small", "n": 1}, {"size": "big", "n": 2}, {"size": "big", "n": 3}]


def test_three_executions_parse_the_definition_once_with_the_fix_each_on_its_own_input() -> None:
    result = _parse_run("patched")
    assert result["parses"] == 1, result
    assert result["outputs"] == EXPECTED_OUTPUTS


def test_every_execution_parses_the_definition_again_without_the_fix() -> None:
    result = _parse_run("unpatched")
    assert result["parses"] == 3, result
    assert result["outputs"] == EXPECTED_OUTPUTS
