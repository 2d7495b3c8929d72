"""What FORGE_WORKER_CONCURRENCY (context forge:workerConcurrency) means in AWS.

Locally it bounds the container steps (build, test, sandbox) running at once on the machine
(forge.local.aws_emulator); the Lambda steps run in-process there. In AWS each working step's Lambda (generate,
package, sign, publish) gets it as reserved concurrency: at most that many invocations of that step at once, and
that much
capacity kept for the step whatever else runs in the account. An invocation beyond the limit is throttled
(Lambda.TooManyRequestsException); every Lambda task of statemachine/forge.asl.json retries that with backoff
(2 s, 4 s, 8 s), and a job still throttled after the retries fails at that step, where `forge retry` resumes it.
The build, test and sandbox Fargate tasks are not bounded by it: ECS has no per-task-definition limit; the account's
Fargate vCPU quota bounds them.
"""

from __future__ import annotations

from aws_cdk import aws_lambda as lambda_

# The bookkeeping steps stay unlimited: they take milliseconds, and RecordFailure must never be throttled into
# leaving a failed job "running" (in AWS nothing reconciles it).
UNLIMITED_STEPS = frozenset({"approval", "finish"})


def reserve_step_concurrency(steps: dict[str, lambda_.Function], limit: int) -> dict[str, lambda_.Function]:
    """Reserve `limit` for every step that does work; returns those functions. The API must answer people, and
    the schedules and the migration run alone, so they are not given here."""
    limited = {name: function for name, function in steps.items() if name not in UNLIMITED_STEPS}
    for function in limited.values():
        resource = function.node.default_child
        if not isinstance(resource, lambda_.CfnFunction):
            raise TypeError(f"{function.node.path} has no CfnFunction")
        resource.reserved_concurrent_executions = limit
    return limited
