"""Publications: Publish fans a package out to every enabled connector for its platform, each publication attempted
and retried on its own (a failed WordPress.org commit does not hold back the Molam marketplace). Every attempt goes
through the merchant's check first (forge.pipeline.verified_release); every outcome is a recorded transition
(migration 012: pending -> published / failed, and on revocation -> retracting -> retracted).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from uuid import UUID

from forge.errors import Conflict, StepFailed
from forge.models.package import Package
from forge.models.publication import MarketplaceConnector, Publication, PublicationStatus
from forge.observability import emit_metric, logger
from forge.pipeline.deps import PipelineDeps
from forge.pipeline.retraction import retract
from forge.pipeline.verified_release import connector_for, verified_release
from forge.ports.connectors import ConnectorResult, Outcome


def _record(deps: PipelineDeps, publication: Publication, result: ConnectorResult) -> bool:
    """Store the attempt's outcome; False when the row moved meanwhile (a revocation asked for its retraction)."""
    rows = deps.repos.publications
    if result.outcome is Outcome.DONE:
        return rows.published(publication.id, result.external_id, result.url, result.message)
    if result.outcome is Outcome.MANUAL:
        action = result.manual_action or result.message
        return rows.awaiting_person(publication.id, "pending", result.message, action, result.external_id)
    return rows.failed(publication.id, result.message)


def _send(deps: PipelineDeps, publication: Publication, connector: MarketplaceConnector) -> ConnectorResult:
    package = deps.repos.packages.get(publication.plugin_package_id)
    with tempfile.TemporaryDirectory(prefix="forge-release-") as tmp:
        try:
            verified = verified_release(deps, package, Path(tmp))
        except StepFailed as exc:
            emit_metric("forge_publications_refused_total", 1)
            logger.error("release refused before sending", extra={"publication": str(publication.id)})
            return ConnectorResult.failed(f"refused, nothing sent: {exc}")
        try:
            return connector_for(deps, connector).publish(verified)
        except Exception as exc:  # noqa: BLE001 - one marketplace's failure is recorded; the others go on
            logger.exception("connector failed", extra={"connector": connector.name})
            return ConnectorResult.failed(f"{type(exc).__name__}: {exc}")


def attempt(deps: PipelineDeps, publication_id: UUID) -> Publication:
    """One attempt at a pending or failed publication. Anything else (published, being retracted, someone else's
    attempt in flight) is left as it is."""
    rows = deps.repos.publications
    claimed = rows.claim(publication_id, (PublicationStatus.PENDING, PublicationStatus.FAILED))
    if claimed is None:
        return rows.get(publication_id)
    if claimed.manual_action is not None:
        rows.release(publication_id)
        return rows.get(publication_id)
    connector = rows.connector_by_id(claimed.marketplace_connector_id)
    result = _send(deps, claimed, connector)
    if result.outcome is Outcome.FAILED:
        emit_metric("forge_publication_failures_total", 1)
    if not _record(deps, claimed, result):
        # Revoked while it was being sent: what reached the marketplace comes down again.
        rows.release(publication_id)
        retract(deps, publication_id)
    final = rows.get(publication_id)
    logger.info(
        "publication attempt",
        extra={"connector": connector.name, "status": final.publication_status.value, "attempt": final.attempts},
    )
    return final


def publish_everywhere(deps: PipelineDeps, package: Package) -> list[Publication]:
    """A publication per enabled connector for the package's platform, each attempted once."""
    rows = deps.repos.publications
    return [attempt(deps, rows.ensure(package.id, c.id).id) for c in rows.connectors_for(package.cms)]


def retry(deps: PipelineDeps, publication_id: UUID) -> Publication:
    """`forge publications retry ID` / POST /publications/{id}/retry: a failed publication is attempted again, a
    retraction that failed is retried; anything else is a conflict."""
    from forge.pipeline.retraction import retract

    current = deps.repos.publications.get(publication_id)
    status = current.publication_status
    if status is PublicationStatus.RETRACTING:
        return retract(deps, publication_id)
    if status in (PublicationStatus.FAILED, PublicationStatus.PENDING) and current.manual_action is None:
        return attempt(deps, publication_id)
    if current.manual_action is not None:
        raise Conflict(f"publication {publication_id} waits on a person: {current.manual_action}")
    raise Conflict(f"publication {publication_id} is {status.value}: nothing to retry")


def mark_done(deps: PipelineDeps, publication_id: UUID, actor: str, note: str) -> Publication:
    """A person did what manual_action asked (an upload through a dashboard, a listing closed)."""
    rows = deps.repos.publications
    current = rows.get(publication_id)
    if current.manual_action is None:
        raise Conflict(f"publication {publication_id} is {current.publication_status.value} and waits on no one")
    message = f"done by {actor}: {note}"
    if current.publication_status is PublicationStatus.PENDING:
        moved = rows.published(publication_id, current.external_id, current.url, message)
    else:
        moved = rows.retracted(publication_id, message)
    if not moved:
        raise Conflict(f"publication {publication_id} changed meanwhile; look again")
    logger.warning("manual marketplace step recorded", extra={"publication": str(publication_id), "actor": actor})
    return rows.get(publication_id)
