"""`forge keys list` / `forge keys rotate`: the signing keyset, against the local forge's database and HSM."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import typer

from forge.cli.output import console, friendly
from forge.config import get_settings, reset_settings
from forge.pipeline.deps import PipelineDeps


@contextmanager
def local_deps() -> Iterator[PipelineDeps]:
    """The forge's own wiring, on DATABASE_URL or the embedded Postgres in FORGE_HOME, with the SoftHSM token
    prepared the way the local runtime prepares it."""
    from forge.db.migrate import migrate
    from forge.local.postgres import EmbeddedPostgres
    from forge.wiring import default_deps, reset_deps

    settings = get_settings()
    server = None
    dsn = settings.database_url
    if not dsn:
        server = EmbeddedPostgres(settings.forge_home / "pgdata")
        dsn = server.start()
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
        if server is not None:
            server.stop()


def register(app: typer.Typer, db_app: typer.Typer) -> None:
    keys_app = typer.Typer(help="The signing keyset: list keys, rotate the active key.", no_args_is_help=True)
    app.add_typer(keys_app, name="keys")

    @keys_app.command("list")
    @friendly
    def list_keys() -> None:
        """Every key the forge ever signed with: the active one first, then the verify-only ones."""
        with local_deps() as deps:
            keys = deps.repos.keys.all()
        if not keys:
            console.print("no signing key yet (the first signature creates one, or run `forge keys rotate`)")
            return
        for key in keys:
            retired = f" retired {key.retired_at:%Y-%m-%d %H:%M}" if key.retired_at else ""
            console.print(
                f"{key.key_id}  {key.status:<11} {key.backend:<6} activated {key.activated_at:%Y-%m-%d %H:%M}{retired}"
            )

    @keys_app.command("rotate")
    @friendly
    def rotate() -> None:
        """Make a new key the active one; the previous key stays in keys.json, verify-only."""
        from forge.pipeline.key_rotation import rotate_keys

        with local_deps() as deps:
            rotation = rotate_keys(deps)
        if rotation.previous is not None:
            console.print(f"previous key {rotation.previous.key_id} is now {rotation.previous.status} (verify-only)")
        console.print(f"active key {rotation.active.key_id} ({rotation.active.backend})")
