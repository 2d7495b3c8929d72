"""plugin_publications and the marketplace connectors they point at."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from forge.db.connection import Database
from forge.db.errors import translates_driver_errors
from forge.errors import NotFound
from forge.models.package import Publication


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

    def record(self, package_id: UUID, connector_id: UUID, external_id: str, url: str) -> Publication:
        row = self.db.fetchone(
            """INSERT INTO plugin_publications (plugin_package_id, marketplace_connector_id, publication_status,
                                                external_id, url, published_at)
               VALUES (%s, %s, 'published', %s, %s, now())
               ON CONFLICT (plugin_package_id, marketplace_connector_id)
               DO UPDATE SET publication_status = 'published', external_id = EXCLUDED.external_id,
                             url = EXCLUDED.url, error = NULL,
                             published_at = coalesce(plugin_publications.published_at, now())
               RETURNING *""",
            (package_id, connector_id, external_id, url),
        )
        return Publication.model_validate(row)

    def retract(self, package_id: UUID) -> int:
        """Mark every publication of the package retracted (its release was taken down)."""
        return self.db.execute(
            """UPDATE plugin_publications SET publication_status = 'retracted', retracted_at = now()
               WHERE plugin_package_id = %s AND publication_status <> 'retracted'""",
            (package_id,),
        )

    def connector_types(self, package_id: UUID) -> dict[UUID, str]:
        """{publication id: connector type} for a package's publications (which marketplace to retract from)."""
        rows = self.db.fetchall(
            """SELECT p.id, c.connector_type FROM plugin_publications p
               JOIN marketplace_connectors c ON c.id = p.marketplace_connector_id
               WHERE p.plugin_package_id = %s""",
            (package_id,),
        )
        return {r["id"]: r["connector_type"] for r in rows}

    def for_package(self, package_id: UUID) -> list[Publication]:
        rows = self.db.fetchall(
            "SELECT * FROM plugin_publications WHERE plugin_package_id = %s ORDER BY created_at",
            (package_id,),
        )
        return [Publication.model_validate(r) for r in rows]
