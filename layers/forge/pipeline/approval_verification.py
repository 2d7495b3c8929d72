"""Which approval rows count. Publication is gated on cryptographic facts, not on rows: whoever can write the
database can insert rows, copy them between packages or add a key to the keyset, but cannot make the signer
(HSM/KMS) sign. So a row counts only when
- its signature verifies over this package's manifest digest and the row's own words (approver, role, decision,
  instant) with a keyset key that is not compromised, was not retired before the row was signed, and that the
  signer really holds (its public key read back from the HSM/KMS, not from the keyset row);
- its approver is enrolled (and active) and is not the person who requested the job.
Anything else is refused with a reason, and whoever asked must treat a refusal as an attack.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime

from forge.errors import ForgeError, NotFound, TransientError
from forge.models.package import Approval, Package, SigningKey
from forge.observability import emit_metric, logger
from forge.pipeline.approval_statement import approval_statement
from forge.pipeline.deps import PipelineDeps
from forge.signing.signer import key_id as key_id_of
from forge.signing.verify import verify_signature


@dataclass(frozen=True)
class Refused:
    approval: Approval
    reason: str

    def describe(self) -> str:
        decision = "approval" if self.approval.approved else "rejection"
        return f"{decision} row {self.approval.id} for '{self.approval.approver_id}' {self.reason}"


@dataclass(frozen=True)
class ApprovalAudit:
    approvals: list[Approval] = field(default_factory=list)
    rejections: list[Approval] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)

    @property
    def approvers(self) -> list[str]:
        return sorted({a.approver_id for a in self.approvals})

    def describe_refused(self) -> str:
        return "; ".join(r.describe() for r in self.refused)


class _KeyTrust:
    """Keyset entries checked against the signer once per audit: the HSM/KMS round trip is the expensive part."""

    def __init__(self, deps: PipelineDeps) -> None:
        self._deps = deps
        self._held: dict[str, bool] = {}

    def pem_for(self, key_id: str | None, signed_at: datetime) -> tuple[str | None, str]:
        if not key_id:
            return None, "names no signing key"
        try:
            key = self._deps.repos.keys.get(key_id)
        except NotFound:
            return None, f"is signed by key {key_id[:16]}… that is not in the keyset"
        if key.status == "compromised":
            return None, f"is signed by key {key_id[:16]}…, marked compromised"
        if key.retired_at is not None and signed_at > key.retired_at:
            return None, f"was signed after key {key_id[:16]}… was retired"
        if not self._held_by_signer(key):
            return None, f"is signed by key {key_id[:16]}…, which is not held by the signer (HSM/KMS)"
        return key.public_pem, ""

    def _held_by_signer(self, key: SigningKey) -> bool:
        if key.key_id not in self._held:
            try:
                der = self._deps.key_signer(key).public_key_der()
            except TransientError:
                raise
            except ForgeError:
                der = b""
            self._held[key.key_id] = key_id_of(der) == key.key_id
        return self._held[key.key_id]


def verify_approval(approval: Approval, package: Package, public_pem: str) -> bool:
    """True when the row's signature covers what the row and the package say now; anyone holding the public keyset
    (GET /keys) can run this on a row. It says nothing of who signed with that key: audit_approvals does."""
    statement = approval_statement(
        package, approval.approver_id, approval.approver_role, approval.approved, approval.created_at
    )
    try:
        signature = base64.b64decode(approval.signature, validate=True)
    except ValueError:
        return False
    return verify_signature(statement, signature, public_pem.encode())


def audit_approvals(deps: PipelineDeps, package: Package, requesters: set[str]) -> ApprovalAudit:
    """Every decision recorded on `package`, sorted into verified approvals, verified rejections and refusals."""
    audit = ApprovalAudit()
    keys = _KeyTrust(deps)
    for approval in deps.repos.approvals.approvals_for_package(package.id):
        pem, why = keys.pem_for(getattr(approval, "signing_key_id", None), approval.created_at)
        if pem is None:
            audit.refused.append(Refused(approval, why))
        elif not verify_approval(approval, package, pem):
            audit.refused.append(Refused(approval, "does not verify: its signature does not cover this package"))
        elif approval.approver_id in requesters:
            audit.refused.append(Refused(approval, "is by the person who requested the job"))
        elif not deps.repos.approvers.is_active(approval.approver_id):
            audit.refused.append(Refused(approval, "is not by an enrolled, active approver"))
        elif approval.approved:
            audit.approvals.append(approval)
        else:
            audit.rejections.append(approval)
    if audit.refused:
        emit_metric("forge_approval_verification_failures_total", len(audit.refused))
        logger.error(
            "approval rows refused",
            extra={"package_id": str(package.id), "refused": [r.describe() for r in audit.refused]},
        )
    return audit


def requesters_of(deps: PipelineDeps, package: Package) -> set[str]:
    """Who may not approve: whoever requested the job that built the package, or opened its approval requests."""
    names = {package.created_by}
    job = deps.repos.package_views.job_for(package.id)
    if job is not None:
        names.add(str(job["requested_by"]))
    names.update(r.requested_by for r in deps.repos.package_views.approval_requests(package.id))
    return names
