"""`forge keys list` / `rotate` / `compromise`: the signing keyset, against the local forge's database and HSM."""

from __future__ import annotations

from typing import Annotated

import typer

from forge.cli.database import local_deps
from forge.cli.groups import command_group
from forge.cli.listing import JsonFlag, print_json
from forge.cli.output import console, friendly, untrusted


def register(app: typer.Typer, db_app: typer.Typer) -> None:
    keys_app = command_group(app, "keys", "The signing keyset: list, rotate, mark a key compromised.")

    @keys_app.command("list")
    @friendly
    def list_keys(as_json: Annotated[bool, JsonFlag] = False) -> None:
        """Every key the forge ever signed with: the active one first, then the verify-only ones."""
        from forge.signing.keyset import keyset_of

        with local_deps() as deps:
            keys = deps.repos.keys.all()
        if as_json:
            # GET /keys's document: the same model, serialised the same way.
            print_json(keyset_of(keys).model_dump(mode="json", by_alias=True))
            return
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

    @keys_app.command("compromise")
    @friendly
    def compromise(
        key_id: Annotated[str, typer.Argument(help="The key id (sha256 of its DER public key), as `forge keys list`")],
        reason: Annotated[str, typer.Option("--reason", help="Why the key is no longer trusted (recorded)")],
    ) -> None:
        """Mark a key compromised: keys.json says so, and merchants refuse everything it signed. An active key is
        replaced by a new one first."""
        from forge.pipeline.key_rotation import compromise_key

        with local_deps() as deps:
            done = compromise_key(deps, key_id, reason)
        console.print(f"key {done.key.key_id} is now {done.key.status}: {untrusted(done.reason)}")
        if done.replacement is not None:
            console.print(f"active key {done.replacement.key_id} ({done.replacement.backend})")
        console.print(
            f"keys.json republished; revocation list v{done.revocation_list_version} signed by the active key. "
            "Everything this key signed fails merchant checks: rebuild and republish what is still wanted."
        )
