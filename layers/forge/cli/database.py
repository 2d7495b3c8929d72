"""The database a CLI command works on: DATABASE_URL, else the embedded Postgres in FORGE_HOME (started for the
command and stopped after it), and the forge's own wiring on top of it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from forge.cli.telemetry_file import telemetry_to_file
from forge.config import get_settings, reset_settings
from forge.pipeline.deps import PipelineDeps


@contextmanager
def command_dsn() -> Iterator[str]:
    from forge.local.home import forge_home
    from forge.local.postgres import EmbeddedPostgres

    settings = get_settings()
    if settings.database_url:
        yield settings.database_url
        return
    server = EmbeddedPostgres(forge_home(settings) / "pgdata")
    dsn = server.start()
    try:
        yield dsn
    finally:
        server.stop()


@contextmanager
def local_deps() -> Iterator[PipelineDeps]:
    """The forge's own wiring on the command's database, migrated, with the SoftHSM token prepared the way the
    local runtime prepares it. Logs and metrics of the work go to FORGE_HOME/logs/cli.log, not the terminal: print
    the command's output after this block."""
    from forge.db.migrate import migrate
    from forge.local.home import forge_home
    from forge.wiring import default_deps, reset_deps

    settings = get_settings()
    with telemetry_to_file(forge_home(settings)), command_dsn() as dsn:
        saved = {k: os.environ.get(k) for k in ("DATABASE_URL", "FORGE_PKCS11_PIN")}
        try:
            migrate(dsn)
            os.environ["DATABASE_URL"] = dsn
            if settings.signer == "pkcs11" and not settings.pkcs11_pin:
                from forge.signing.softhsm import prepare_softhsm

                os.environ["FORGE_PKCS11_PIN"] = prepare_softhsm(
                    settings.forge_home / "softhsm", settings.pkcs11_token_label
                )
            reset_settings()
            reset_deps()
            yield default_deps()
        finally:
            reset_deps()
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            reset_settings()
