"""Who is calling: the principal API Gateway's Cognito authorizer (or the local adapter) put in the claims."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, cast

from aws_lambda_powertools.event_handler import Depends, Request
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

from forge.errors import ForgeError

OPS = "plugin_forge_ops"
ADMIN = "pay_admin"
ROLES = (OPS, ADMIN)


def rest_event(event: BaseProxyEvent) -> APIGatewayProxyEvent:
    """The event as forge.api.app's resolver, a REST one, built it: API Gateway's REST proxy event, which carries
    the request context (Powertools types the current event as the base class of every resolver's)."""
    return cast(APIGatewayProxyEvent, event)


class Unauthorized(ForgeError):
    pass


class WrongRole(ForgeError):
    pass


@dataclass(frozen=True)
class Principal:
    user: str
    roles: frozenset[str]

    @property
    def role(self) -> str:
        """The strongest role held, recorded on approvals."""
        return ADMIN if ADMIN in self.roles else OPS


def _groups(raw: object) -> frozenset[str]:
    # Cognito groups reach REST API claims as "a,b", "[a b]" or a list depending on the path taken.
    items = raw if isinstance(raw, list) else str(raw or "").strip("[]").replace(",", " ").split()
    return frozenset(str(i).strip() for i in items if str(i).strip())


def principal_from_claims(claims: dict[str, object] | None) -> Principal:
    if not claims:
        raise Unauthorized("authentication required")
    user = str(claims.get("cognito:username") or claims.get("username") or claims.get("sub") or "")
    if not user:
        raise Unauthorized("the token names no user")
    return Principal(user=user, roles=_groups(claims.get("cognito:groups")) & frozenset(ROLES))


def current_principal(request: Request) -> Principal:
    context = rest_event(request.resolved_event).request_context
    authorizer = context.authorizer.raw_event if context.authorizer else {}
    principal = principal_from_claims((authorizer or {}).get("claims"))
    if not principal.roles:
        raise WrongRole(f"{principal.user} has neither the {OPS} nor the {ADMIN} role")
    return principal


def admin_principal(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    if ADMIN not in principal.roles:
        raise WrongRole(f"this action needs the {ADMIN} role")
    return principal


Ops = Annotated[Principal, Depends(current_principal)]
Admin = Annotated[Principal, Depends(admin_principal)]


def gate(event: dict[str, object], public_paths: tuple[str, ...]) -> tuple[int, str, str] | None:
    """(status, code, message) refusing a request with no principal (401) or no forge role (403)."""
    path = str(event.get("path") or "")
    if path.rstrip("/") in public_paths or path.startswith(tuple(p + "/" for p in public_paths)):
        return None
    context = event.get("requestContext")
    authorizer = context.get("authorizer") if isinstance(context, dict) else None
    claims = authorizer.get("claims") if isinstance(authorizer, dict) else None
    try:
        principal = principal_from_claims(claims if isinstance(claims, dict) else None)
    except Unauthorized as exc:
        return 401, "unauthorized", str(exc)
    if not principal.roles:
        return 403, "forbidden", f"{principal.user} has neither the {OPS} nor the {ADMIN} role"
    return None
