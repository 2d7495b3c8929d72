"""X-Ray for the Lambda entry points (functions/*/handler.py import this): the Powertools tracer patches the AWS SDK,
the database driver and requests so their calls show as subsegments. Built only where tracing is on: even a disabled
Tracer loads the X-Ray SDK, which the domain, the CLI, the local runtime, the container steps and the emulator never
need. Whether it is on is Powertools' own rule (POWERTOOLS_TRACE_DISABLED, set by forge.observability from
AWS_LAMBDA_FUNCTION_NAME; off outside a Lambda task root or under SAM local), so in AWS it stays on.

Each library is patched when it is first imported, not at load: Powertools' default (X-Ray's patch_all) imports every
library it can patch, botocore, requests, psycopg2 and sqlite3 among them, about 100 ms of every cold start, even in a
handler that reaches none of them before its first call or at all. Patched on import, a call is traced exactly as
before, and the import is paid where it is paid with tracing off."""

from __future__ import annotations

from aws_lambda_powertools.tracing.tracer import Tracer

from forge.observability import SERVICE

# What the forge's Lambda code calls out through: the AWS SDK (boto3), Postgres, and requests (Vault, the
# marketplaces). X-Ray's name of each, with the module whose import means the library is about to be used: the AWS SDK
# is reached through boto3 (Powertools imports the bare `botocore` package at load, for its user agent, and no client;
# and a hook on `botocore.client` itself would run before the package binds it, which X-Ray's patch reads).
TRACED_LIBRARIES = {"botocore": "boto3", "psycopg2": "psycopg2", "requests": "requests"}


def patch_when_imported(tracer: Tracer, library: str, module: str) -> None:
    """Patch `library` for X-Ray as soon as `module` is imported (at once if it already is). wrapt's post-import hooks
    are the X-Ray SDK's own dependency, so this adds no library. Imported here, where tracing is on: wrapt loads
    asyncio (about 15 ms), which a handler with tracing off would otherwise pay for nothing."""
    import wrapt

    wrapt.register_post_import_hook(lambda _module: tracer.patch([library]), module)


def build_tracer() -> Tracer | None:
    """The tracer when Powertools would trace, else None (nothing to patch, nothing to load)."""
    # Powertools' own decision (a private helper), so the rule is not copied here and cannot drift from it.
    if Tracer._is_tracer_disabled():
        return None
    built = Tracer(service=SERVICE, auto_patch=False)
    for library, module in TRACED_LIBRARIES.items():
        patch_when_imported(built, library, module)
    return built


tracer = build_tracer()
