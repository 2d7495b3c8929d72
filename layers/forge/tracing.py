"""X-Ray for the Lambda entry points (functions/*/handler.py import this): the Powertools tracer patches the AWS SDK
so its calls show as subsegments. Built only where tracing is on: even a disabled Tracer loads the X-Ray SDK and most
of botocore (130 to 175 ms of every cold start), which the domain, the CLI, the local runtime, the container steps
and the emulator never need. Whether it is on is Powertools' own rule (POWERTOOLS_TRACE_DISABLED, set by
forge.observability from AWS_LAMBDA_FUNCTION_NAME; off outside a Lambda task root or under SAM local), so in AWS it
stays on exactly as before."""

from __future__ import annotations

from aws_lambda_powertools.tracing.tracer import Tracer

from forge.observability import SERVICE


def build_tracer() -> Tracer | None:
    """The tracer when Powertools would trace, else None (nothing to patch, nothing to load)."""
    # Powertools' own decision (a private helper), so the rule is not copied here and cannot drift from it.
    if Tracer._is_tracer_disabled():
        return None
    return Tracer(service=SERVICE)


tracer = build_tracer()
