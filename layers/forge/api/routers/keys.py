"""/keys: the signing keyset (public keys only), for any authenticated principal."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from forge.api.auth import Ops
from forge.signing.keyset import Keyset, keyset_of
from forge.wiring import default_deps

router = Router()


@router.get("/keys", summary="The signing keyset: the active key and the verify-only (retired) ones")
def list_keys(principal: Ops) -> Keyset:
    return keyset_of(default_deps().repos.keys.all())
