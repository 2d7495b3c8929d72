"""plugin_publications, the marketplace connectors they point at, and the forge_secrets references connectors use.

Every status change is a guarded UPDATE (WHERE the row is still where the caller expects it): the transition
trigger of migration 012 refuses any move it does not draw, and a row a revocation moved meanwhile is left alone
(the caller gets None and takes the release down again).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg2.extras import Json

from forge.db.connection import Database
from forge.db.errors import translates_driver_errors
from forge.errors import NotFound
from forge.models.publication import MarketplaceConnector, Publication, PublicationEvent, SecretReference

# How long one attempt may hold a publication before another may try (a crashed sender does not block it forever).
LEASE = "15 minutes"


@translates_driver_errors
class PublicationRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def connector(self, connector_type: str) -> dict[str, Any]:
        row = self.db.fetchone(
            "SELECT * FROM marketplace_connectors WHERE connector_type = %s AND enabled", (connector_type,)
        )
        if row is None:
            raise NotFound(f"no enabled marketplace connector of type {connector_type}")
        return row

    def connectors_for(self, cms: str) -> list[MarketplaceConnector]:
        """The enabled connectors whose cms column names this platform."""
        rows = self.db.fetchall(
            "SELECT * FROM marketplace_connectors WHERE enabled AND %s = ANY(cms) ORDER BY name", (cms,)
        )
        return [MarketplaceConnector.model_validate(r) for r in rows]

    def connector_by_id(self, connector_id: UUID) -> MarketplaceConnector:
        row = self.db.fetchone("SELECT * FROM marketplace_connectors WHERE id = %s", (connector_id,))
        if row is None:
            raise NotFound(f"marketplace connector {connector_id} not found")
        return MarketplaceConnector.model_validate(row)

    def configure(self, connector_type: str, base_url: str, config: dict[str, Any], enabled: bool = True) -> None:
        """Point a connector at a marketplace (the demo's local WordPress.org-style repository, a test's server)."""
        self.db.execute(
            "UPDATE marketplace_connectors SET base_url = %s, config = %s, enabled = %s WHERE connector_type = %s",
            (base_url, Json(config), enabled, connector_type),
        )

    def ensure(self, package_id: UUID, connector_id: UUID) -> Publication:
        """The package's publication on this connector, created pending on first use."""
        self.db.execute(
            """INSERT INTO plugin_publications (plugin_package_id, marketplace_connector_id)
               VALUES (%s, %s) ON CONFLICT (plugin_package_id, marketplace_connector_id) DO NOTHING""",
            (package_id, connector_id),
        )
        row = self.db.fetchone(
            "SELECT * FROM plugin_publications WHERE plugin_package_id = %s AND marketplace_connector_id = %s",
            (package_id, connector_id),
        )
        return Publication.model_validate(row)

    def get(self, publication_id: UUID) -> Publication:
        row = self.db.fetchone("SELECT * FROM plugin_publications WHERE id = %s", (publication_id,))
        if row is None:
            raise NotFound(f"publication {publication_id} not found")
        return Publication.model_validate(row)

    def claim(self, publication_id: UUID, statuses: tuple[str, ...]) -> Publication | None:
        """Take the lease for one attempt if the row is in one of `statuses` and nobody holds it; a failed
        publication goes back to pending for the attempt. None when it is not there to claim."""
        row = self.db.fetchone(
            """UPDATE plugin_publications
                   SET attempts = attempts + 1, last_attempt_at = now(), claimed_until = now() + %s::interval,
                       publication_status = CASE publication_status WHEN 'failed' THEN 'pending'
                                                 ELSE publication_status END,
                       error = CASE publication_status WHEN 'failed' THEN NULL ELSE error END
                 WHERE id = %s AND publication_status = ANY(%s)
                   AND (claimed_until IS NULL OR claimed_until < now())
             RETURNING *""",
            (LEASE, publication_id, list(statuses)),
        )
        return Publication.model_validate(row) if row else None

    def published(self, publication_id: UUID, external_id: str | None, url: str | None, message: str) -> bool:
        return self._move(
            publication_id,
            "pending",
            """publication_status = 'published', external_id = %s, url = %s, connector_message = %s,
               error = NULL, manual_action = NULL, published_at = coalesce(published_at, now())""",
            (external_id, url, message),
        )

    def awaiting_person(
        self, publication_id: UUID, status: str, message: str, action: str, external: str | None
    ) -> bool:
        return self._move(
            publication_id,
            status,
            "connector_message = %s, manual_action = %s, external_id = coalesce(%s, external_id), error = NULL",
            (message, action, external),
        )

    def failed(self, publication_id: UUID, message: str) -> bool:
        return self._move(
            publication_id,
            "pending",
            "publication_status = 'failed', error = %s, connector_message = %s",
            (message, message),
        )

    def retracted(self, publication_id: UUID, message: str) -> bool:
        return self._move(
            publication_id,
            "retracting",
            """publication_status = 'retracted', retracted_at = now(), connector_message = %s, error = NULL,
               manual_action = NULL""",
            (message,),
        )

    def retraction_failed(self, publication_id: UUID, message: str) -> bool:
        return self._move(publication_id, "retracting", "error = %s, connector_message = %s", (message, message))

    def _move(self, publication_id: UUID, expected: str, assignments: str, params: tuple[Any, ...]) -> bool:
        """Apply `assignments` and release the lease, if the row is still `expected`."""
        done = self.db.execute(
            f"UPDATE plugin_publications SET {assignments}, claimed_until = NULL "  # noqa: S608 - fixed SQL fragments of this module
            "WHERE id = %s AND publication_status = %s",
            (*params, publication_id, expected),
        )
        return done == 1

    def release(self, publication_id: UUID) -> None:
        self.db.execute("UPDATE plugin_publications SET claimed_until = NULL WHERE id = %s", (publication_id,))

    def request_retraction(self, package_id: UUID, reason: str) -> int:
        """Every publication of the package that may hold the release is to be taken down."""
        return self.db.execute(
            """UPDATE plugin_publications SET publication_status = 'retracting', manual_action = NULL,
                      connector_message = %s
               WHERE plugin_package_id = %s AND publication_status IN ('pending', 'published', 'failed')""",
            (reason, package_id),
        )

    def due_retractions(self, limit: int = 50) -> list[Publication]:
        """Retractions nobody is working on and no person is asked to finish: what the sweeper retries."""
        rows = self.db.fetchall(
            """SELECT * FROM plugin_publications
               WHERE publication_status = 'retracting' AND manual_action IS NULL
                 AND (claimed_until IS NULL OR claimed_until < now())
               ORDER BY last_attempt_at NULLS FIRST LIMIT %s""",
            (limit,),
        )
        return [Publication.model_validate(r) for r in rows]

    def for_package(self, package_id: UUID) -> list[Publication]:
        rows = self.db.fetchall(
            "SELECT * FROM plugin_publications WHERE plugin_package_id = %s ORDER BY created_at, id",
            (package_id,),
        )
        return [Publication.model_validate(r) for r in rows]

    def events(self, publication_id: UUID) -> list[PublicationEvent]:
        rows = self.db.fetchall(
            "SELECT * FROM plugin_publication_events WHERE publication_id = %s ORDER BY id", (publication_id,)
        )
        return [PublicationEvent.model_validate(r) for r in rows]

    def last_good_package(self, connector_id: UUID, slug: str, before: UUID) -> UUID | None:
        """The newest other package of this plugin still published on the connector (not revoked): what a
        marketplace that cannot delete points merchants back at."""
        row = self.db.fetchone(
            """SELECT k.id FROM plugin_publications p JOIN plugin_packages k ON k.id = p.plugin_package_id
               WHERE p.marketplace_connector_id = %s AND k.slug = %s AND k.id <> %s
                 AND p.publication_status = 'published' AND k.status <> 'revoked'
               ORDER BY p.published_at DESC LIMIT 1""",
            (connector_id, slug, before),
        )
        return row["id"] if row else None

    def secret(self, name: str) -> SecretReference:
        row = self.db.fetchone(
            """SELECT name, secret_type, vault_path, rotation_schedule::interval AS rotation_schedule, last_rotated_at,
                      coalesce(now() > coalesce(last_rotated_at, created_at) + rotation_schedule::interval, false)
                        AS rotation_due
               FROM forge_secrets WHERE name = %s""",
            (name,),
        )
        if row is None:
            raise NotFound(f"no forge_secrets row named {name}")
        return SecretReference.model_validate(row)

    def register_secret(self, name: str, vault_path: str, rotation_schedule: str | None = None) -> None:
        """Record where a marketplace credential lives (never its value); re-registering marks it rotated."""
        self.db.execute(
            """INSERT INTO forge_secrets (name, secret_type, vault_path, rotation_schedule, last_rotated_at)
               VALUES (%s, 'cms_credential', %s, %s, now())
               ON CONFLICT (name) DO UPDATE SET vault_path = EXCLUDED.vault_path,
                 rotation_schedule = EXCLUDED.rotation_schedule, last_rotated_at = now()""",
            (name, vault_path, rotation_schedule),
        )

    def job_of(self, package_id: UUID) -> UUID:
        """The job that built the package (its artifacts are stored under the job)."""
        row = self.db.fetchone(
            "SELECT id FROM forge_jobs WHERE plugin_package_id = %s ORDER BY created_at DESC LIMIT 1", (package_id,)
        )
        if row is None:
            raise NotFound(f"no job built package {package_id}")
        return UUID(str(row["id"]))
