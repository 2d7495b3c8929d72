"""/keys: the signing keyset (public keys only), for any authenticated principal."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from forge.api.auth import Ops
from forge.api.dependencies import Deps
from forge.signing.keyset import Keyset, keyset_of

router = Router()


@router.get("/keys", summary="The signing keyset: the active key and the verify-only (retired) ones")
def list_keys(principal: Ops, deps: Deps) -> Keyset:
    return keyset_of(deps.repos.keys.all())
