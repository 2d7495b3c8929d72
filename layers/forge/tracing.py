"""X-Ray for the Lambda entry points (functions/*/handler.py import this): the Powertools tracer patches the AWS SDK
so its calls show as subsegments. Only there: building it loads the X-Ray SDK and most of botocore (~250 ms), which
the domain, the CLI, the local runtime and the container steps never need (X-Ray is disabled outside Lambda)."""

from __future__ import annotations

from aws_lambda_powertools import Tracer

from forge.observability import SERVICE

tracer = Tracer(service=SERVICE)
