"""With tracing on, as in Lambda: loading a handler imports none of the libraries X-Ray patches, and the first import
of one patches it, so an AWS SDK call is still traced (a fresh interpreter: what a new Lambda container pays)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("handler_under_test", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
loaded_at_start = sorted(m for m in ("boto3", "botocore.client", "requests", "psycopg2") if m in sys.modules)
import boto3, botocore.client, requests, psycopg2
from aws_xray_sdk.core import patcher
print(json.dumps({
    "tracer": type(module.tracer).__name__,
    "loaded_at_start": loaded_at_start,
    "patched": sorted(patcher._PATCHED_MODULES),
    "sdk_call_wrapped": hasattr(botocore.client.BaseClient._make_api_call, "__wrapped__"),
}))
"""


@pytest.mark.parametrize("handler", ["api", "sign"])
def test_libraries_are_patched_on_first_import_not_at_load(handler: str) -> None:
    path = ROOT / "functions" / handler / "handler.py"
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT / "layers"),
        "LAMBDA_TASK_ROOT": str(path.parent),
        "AWS_LAMBDA_FUNCTION_NAME": f"forge-{handler}",
        "AWS_REGION": "us-east-1",
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True, check=True, env=env, cwd=ROOT
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["tracer"] == "Tracer"
    assert seen["loaded_at_start"] == []
    assert seen["patched"] == ["botocore", "psycopg2", "requests"]
    assert seen["sdk_call_wrapped"] is True
