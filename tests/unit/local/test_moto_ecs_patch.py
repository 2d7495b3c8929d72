"""moto's ECS service task needs forge.local.moto_ecs_patch; this fails without it."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent('''
    import json, os, sys, threading, time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    import boto3
    from moto import mock_aws

    if sys.argv[1] == "patched":
        from forge.local import moto_ecs_patch
        moto_ecs_patch.apply()

    SFN = {}
    class Ecs(BaseHTTPRequestHandler):
        def log_message(self, *a): pass
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            task = {"taskArn": "arn:aws:ecs:us-east-1:123456789012:task/c/1",
                    "clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/c", "lastStatus": "RUNNING"}
            if self.headers["X-Amz-Target"].endswith("RunTask"):
                env = {e["name"]: e["value"] for e in body["overrides"]["containerOverrides"][0]["environment"]}
                threading.Timer(0.2, lambda: SFN["c"].send_task_success(
                    taskToken=env["TOKEN"], output=json.dumps({"cluster": body["cluster"]}))).start()
            out = json.dumps({"tasks": [task], "failures": []}).encode()
            self.send_response(200); self.send_header("Content-Length", str(len(out))); self.end_headers()
            self.wfile.write(out)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Ecs)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    os.environ.update(AWS_ENDPOINT_URL_ECS=f"http://127.0.0.1:{server.server_port}", AWS_DEFAULT_REGION="us-east-1")
    definition = {"StartAt": "Build", "States": {"Build": {
        "Type": "Task", "Resource": "arn:aws:states:::ecs:runTask.waitForTaskToken", "TimeoutSeconds": 20, "End": True,
        "Parameters": {"Cluster": "c", "TaskDefinition": "build", "LaunchType": "FARGATE",
                       "Overrides": {"ContainerOverrides": [{"Name": "build", "Environment": [
                           {"Name": "TOKEN", "Value.$": "$$.Task.Token"}]}]}}}}}
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True},
                          "core": {"passthrough": {"services": ["ecs"]}}}):
        sfn = SFN["c"] = boto3.client("stepfunctions")
        arn = sfn.create_state_machine(name="t", definition=json.dumps(definition),
                                       roleArn="arn:aws:iam::123456789012:role/r")["stateMachineArn"]
        execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
        for _ in range(100):
            d = sfn.describe_execution(executionArn=execution)
            if d["status"] != "RUNNING":
                break
            time.sleep(0.1)
        print(json.dumps({"status": d["status"], "output": d.get("output"), "cause": d.get("cause")}))
''')


def run(mode: str) -> dict:
    import json

    done = subprocess.run([sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_run_task_with_task_token_succeeds_with_the_patch() -> None:
    result = run("patched")
    assert result["status"] == "SUCCEEDED", result
    assert json_output(result) == {"cluster": "c"}


def test_run_task_fails_without_the_patch() -> None:
    result = run("unpatched")
    assert result["status"] == "FAILED"
    assert "Cluster" in (result["cause"] or ""), result


def json_output(result: dict) -> dict:
    import json

    return json.loads(result["output"])
