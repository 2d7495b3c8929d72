"""Who may reach what (permissions): the session URLs refuse a client without Shopify's certificate or with one
another CA issued; every GraphQL call carries the access token; every provider request matches the API document."""

from __future__ import annotations

from .run import PAYMENT_MINOR, Run, post_session, refused
from .sessions import payment_session


def client_certificates(run: Run) -> None:
    path = run.layout.sessions["payment_session_url"]
    for client, name in (("none", "client_without_certificate_refused"), ("impostor", "client_of_other_ca_refused")):
        before = len(run.payments())
        session = payment_session(path, PAYMENT_MINOR, run.exponent, run.currency)
        answer = post_session(run, session, client)
        created = len(run.payments()) - before
        run.checks.add(
            "permissions", name, refused(answer) and created == 0, f"{answer.describe()}; payments created: {created}"
        )


def graphql_calls_authenticated(run: Run) -> None:
    calls = run.admin.recorder.snapshot()
    wrong = [c.mutation for c in calls if c.token != run.shopify.access_token]
    run.checks.add(
        "permissions",
        "graphql_calls_carry_access_token",
        bool(calls) and not wrong,
        f"{len(calls)} call(s); without the token: {wrong}",
    )


def provider_contract(run: Run) -> None:
    violations = run.fake.state().get("violations") or []
    shown = [f"{v.get('operation') or v.get('path')}: {v.get('violations')}" for v in violations if isinstance(v, dict)]
    run.checks.add("events", "provider_requests_match_the_api_document", not violations, "; ".join(shown)[:1500])
