"""Retraction: a revoked package comes down from every connector that may hold it, each retraction a
plugin_publications transition (retracting -> retracted) with the connector's own words.

A retraction that fails stays `retracting` with its error, raises forge_publication_retraction_failures_total (an
alarm in AWS: a revoked release is still offered somewhere) and is retried: by the sweeper (the local runtime's
ticker; the workflow-callbacks schedule in AWS), by `forge publications retry ID`, by the API. One that only a
person can finish (a marketplace with no retraction API) waits on them with instructions, and alarms the same way.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from uuid import UUID

from forge.models.package import Package
from forge.models.publication import MarketplaceConnector, Publication, PublicationStatus
from forge.observability import emit_metric, logger
from forge.pipeline.deps import PipelineDeps
from forge.pipeline.verified_release import connector_for, verified_release
from forge.ports.connectors import ConnectorResult, Outcome, RetractionTarget, VerifiedRelease

# The alarm RetractionFailure (infra/observability.py) watches it; named literally at emit_metric for its source scan.
RETRACTION_FAILURES = "forge_publication_retraction_failures_total"


def _last_good(
    deps: PipelineDeps, connector: MarketplaceConnector, package: Package, workdir: Path
) -> VerifiedRelease | None:
    """The newest other release of the plugin on this connector that still verifies, if any."""
    other = deps.repos.publications.last_good_package(connector.id, package.slug, package.id)
    if other is None:
        return None
    try:
        return verified_release(deps, deps.repos.packages.get(other), workdir)
    except Exception:  # noqa: BLE001 - an earlier release that no longer verifies is no release to go back to
        logger.warning("earlier release does not verify", extra={"package_id": str(other)})
        return None


def _take_down(deps: PipelineDeps, publication: Publication, connector: MarketplaceConnector) -> ConnectorResult:
    package = deps.repos.packages.get(publication.plugin_package_id)
    with tempfile.TemporaryDirectory(prefix="forge-retract-") as tmp:
        target = RetractionTarget(
            slug=package.slug,
            version=package.version,
            reason=package.revocation_reason or "retraction requested",
            job_id=deps.repos.publications.job_of(package.id),
            external_id=publication.external_id,
            last_good=_last_good(deps, connector, package, Path(tmp)),
        )
        try:
            return connector_for(deps, connector).retract(target)
        except Exception as exc:  # noqa: BLE001 - recorded, alarmed and retried; the other connectors go on
            logger.exception("retraction failed", extra={"connector": connector.name})
            return ConnectorResult.failed(f"{type(exc).__name__}: {exc}")


def retract(deps: PipelineDeps, publication_id: UUID) -> Publication:
    """One attempt at a publication's retraction; its outcome recorded."""
    rows = deps.repos.publications
    claimed = rows.claim(publication_id, (PublicationStatus.RETRACTING,))
    if claimed is None or claimed.manual_action is not None:
        if claimed is not None:
            rows.release(publication_id)
        return rows.get(publication_id)
    connector = rows.connector_by_id(claimed.marketplace_connector_id)
    result = _take_down(deps, claimed, connector)
    if result.outcome is Outcome.DONE:
        rows.retracted(publication_id, result.message)
    else:
        if result.outcome is Outcome.MANUAL:
            rows.awaiting_person(
                publication_id, "retracting", result.message, result.manual_action or result.message, None
            )
        else:
            rows.retraction_failed(publication_id, result.message)
        emit_metric("forge_publication_retraction_failures_total", 1)
        logger.error(
            "a revoked release is still offered",
            extra={"connector": connector.name, "publication": str(publication_id), "outcome": result.outcome.value},
        )
    return rows.get(publication_id)


def retract_package(deps: PipelineDeps, package_id: UUID) -> int:
    """Retract the package wherever it is asked to come down; how many retractions are done."""
    done = 0
    for publication in deps.repos.publications.for_package(package_id):
        if publication.publication_status is PublicationStatus.RETRACTING:
            done += retract(deps, publication.id).publication_status is PublicationStatus.RETRACTED
    return done


def sweep_retractions(deps: PipelineDeps) -> int:
    """Retry every retraction nobody is working on; how many are done now."""
    return sum(
        retract(deps, p.id).publication_status is PublicationStatus.RETRACTED
        for p in deps.repos.publications.due_retractions()
    )
