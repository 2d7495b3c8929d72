"""A small client of the ops API for the CLI: a token, JSON in and out, errors as ForgeError."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

import requests

from forge.config import get_settings
from forge.errors import ForgeError

if TYPE_CHECKING:
    from forge.auth.local_authenticator import LocalAuthenticator


class ApiError(ForgeError):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status = status
        self.body = body
        problems = body.get("problems") or []
        text = body.get("message") or body.get("error") or f"HTTP {status}"
        super().__init__(f"{text} (HTTP {status})" + "".join(f"\n  - {p}" for p in problems))


def running_api_url() -> str | None:
    """The URL of the local runtime serving this FORGE_HOME, if one is up."""
    from forge.local.runtime import running_runtime

    live = running_runtime(get_settings())
    return live["url"] if live else None


def local_token(user: str, role: str = "ops") -> str:
    from forge.local.home import private_subdir
    from forge.local.tokens import LocalIssuer

    return LocalIssuer(private_subdir("auth")).mint(user, role)


def local_authenticator() -> LocalAuthenticator:
    from forge.auth.local_authenticator import LocalAuthenticator
    from forge.auth.secret_box import secret_box
    from forge.local.home import private_subdir

    settings = get_settings()
    return LocalAuthenticator(private_subdir("auth", settings), secret_box(settings))


def default_user() -> str:
    return os.environ.get("FORGE_USER") or os.environ.get("USER") or "ops"


class ForgeClient:
    def __init__(
        self,
        base_url: str | None = None,
        token: str | None = None,
        user: str | None = None,
        role: str = "ops",
    ) -> None:
        url = base_url or os.environ.get("FORGE_API_URL") or running_api_url()
        if not url:
            raise ForgeError(
                f"no forge API to talk to: start one with `forge up` (FORGE_HOME="
                f"{get_settings().forge_home}) or set FORGE_API_URL"
            )
        parsed = urlsplit(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ForgeError(f"FORGE_API_URL must be the forge API's http(s):// URL, got {url!r}")
        self.base = url.rstrip("/") + "/api/v1/forge"
        self.user = user or default_user()
        explicit = token or os.environ.get("FORGE_TOKEN")
        # A token minted from FORGE_HOME means the local runtime: FORGE_HOME also holds the local authenticator.
        self.local = explicit is None
        self.token = explicit or local_token(self.user, role)
        self.session = requests.Session()

    def _call(self, method: str, path: str, expect_list: bool = False, **kwargs: Any) -> dict[str, Any]:
        """The JSON object the API answered (a JSON list, where `expect_list`, as {"items": [...]})."""
        headers = kwargs.pop("headers", {})
        headers["Authorization"] = f"Bearer {self.token}"
        try:
            response = self.session.request(method, self.base + path, headers=headers, timeout=60, **kwargs)
        except requests.ConnectionError:
            raise ForgeError(f"cannot reach the forge API at {self.base}; is `forge up` running?") from None
        try:
            body = response.json()
        except ValueError:
            body = {"message": response.text[:500]}
        if response.status_code >= 400:
            raise ApiError(response.status_code, body if isinstance(body, dict) else {"message": str(body)})
        if expect_list and isinstance(body, list):
            return {"items": body}
        if not isinstance(body, dict):
            raise ForgeError(f"the forge API answered {method} {path} with a JSON {type(body).__name__}, not an object")
        return body

    def submit(self, spec: dict[str, Any], idempotency_key: str | None = None) -> dict[str, Any]:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        return self._call("POST", "/jobs", json={"spec": spec}, headers=headers)

    def job(self, job_id: str) -> dict[str, Any]:
        return self._call("GET", f"/jobs/{job_id}")

    def jobs(self, **filters: Any) -> dict[str, Any]:
        return self._call("GET", "/jobs", params={k: v for k, v in filters.items() if v is not None})

    def logs(self, job_id: str, since: str | None = None) -> dict[str, Any]:
        return self._call("GET", f"/jobs/{job_id}/logs", params={"since": since} if since else None)

    def cancel(self, job_id: str) -> dict[str, Any]:
        return self._call("POST", f"/jobs/{job_id}/cancel")

    def retry(self, job_id: str) -> dict[str, Any]:
        return self._call("POST", f"/jobs/{job_id}/retry")

    def decide(
        self, request_id: str, approve: bool, comment: str | None = None, mfa_code: str | None = None
    ) -> dict[str, Any]:
        action = "approve" if approve else "reject"
        code = mfa_code or self._local_code()
        return self._call("POST", f"/approvals/{request_id}/{action}", json={"comment": comment, "mfa_code": code})

    def approvals(self, **filters: Any) -> dict[str, Any]:
        return self._call("GET", "/approvals", params={k: v for k, v in filters.items() if v is not None})

    def review(self, package_id: str) -> dict[str, Any]:
        return self._call("GET", f"/packages/{package_id}/review")

    def request_approval(self, package_id: str) -> dict[str, Any]:
        return self._call("POST", "/approvals", json={"package_id": package_id})

    def enroll(self, name: str, replace: bool = False) -> dict[str, Any]:
        return self._call("POST", "/approvers", json={"name": name, "replace": replace})

    def approvers(self) -> dict[str, Any]:
        return self._call("GET", "/approvers")

    def approver_events(self, name: str, limit: int) -> dict[str, Any]:
        return self._call("GET", f"/approvers/{quote(name, safe='')}/events", params={"limit": limit})

    def approver_action(self, name: str, action: str, reason: str) -> dict[str, Any]:
        """`unlock` or `deactivate`."""
        return self._call("POST", f"/approvers/{quote(name, safe='')}/{action}", json={"reason": reason})

    def packages(self, **filters: Any) -> dict[str, Any]:
        return self._call("GET", "/packages", params={k: v for k, v in filters.items() if v is not None})

    def package(self, package_id: str) -> dict[str, Any]:
        return self._call("GET", f"/packages/{package_id}")

    def publications(self, package_id: str) -> list[dict[str, Any]]:
        listed = self._call("GET", "/publications", params={"package_id": package_id}, expect_list=True)
        return list(listed["items"])

    def publication(self, publication_id: str) -> dict[str, Any]:
        return self._call("GET", f"/publications/{publication_id}")

    def retry_publication(self, publication_id: str) -> dict[str, Any]:
        return self._call("POST", f"/publications/{publication_id}/retry")

    def publication_done(self, publication_id: str, note: str) -> dict[str, Any]:
        return self._call("POST", f"/publications/{publication_id}/done", json={"note": note})

    def stats(self, days: int = 7) -> dict[str, Any]:
        return self._call("GET", "/stats", params={"days": days})

    def _local_code(self) -> str:
        """Against the local runtime, the TOTP code comes from FORGE_HOME's authenticator, enrolling the
        approver on first use (an admin token is one `forge token` away locally anyway)."""
        if not self.local:
            raise ForgeError("approving needs your authenticator's code: pass --code NNNNNN")
        authenticator = local_authenticator()
        code = authenticator.next_code(self.user)
        if code is None:
            admin = ForgeClient(self.base.removesuffix("/api/v1/forge"), user=self.user, role="admin")
            try:
                enrolment = admin.enroll(self.user)
            except ApiError as exc:
                if exc.status == 409:
                    raise ForgeError(
                        f"{self.user} is enrolled but this FORGE_HOME holds no copy of the secret; pass --code"
                    ) from None
                raise
            authenticator.remember(self.user, enrolment["secret"])
            code = authenticator.next_code(self.user)
        if code is None:
            raise ForgeError(f"the local authenticator holds no secret for {self.user} after enrolling them")
        return code

    def health(self) -> dict[str, Any]:
        return self._call("GET", "/health")


def spec_payload(path: Path) -> dict[str, Any]:
    """Validate locally first (with this environment's API host allowlist): a bad spec never reaches the API or the
    database. The API checks again against its own allowlist."""
    from forge.cms.spec_acceptance import accept_spec_file
    from forge.config import get_settings

    return accept_spec_file(path, get_settings().allowed_hosts).model_dump(mode="json")
