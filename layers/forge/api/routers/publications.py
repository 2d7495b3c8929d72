"""/publications: each marketplace connector's publication of a package, its history, a retry, and the mark-done
of a step only a person can take (an upload through a dashboard, a listing closed)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import BaseModel, ConfigDict, Field, field_validator

from forge.api.auth import Ops
from forge.api.dependencies import Deps
from forge.api.schemas import PublicationDetail, PublicationEventView, PublicationView
from forge.pipeline.publications import mark_done, retry

router = Router()

PublicationId = Annotated[UUID, Path(description="Publication id")]


class MarkDone(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=1, max_length=500, description="What was done, and where (kept in the history)")

    @field_validator("note")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if not value.strip() or any(ord(c) < 32 or ord(c) == 127 for c in value):
            raise ValueError("must be text on one line (no control characters), not blank")
        return value.strip()


def _view(deps: Deps, publication_id: UUID) -> PublicationView:
    rows = deps.repos.publications
    publication = rows.get(publication_id)
    return PublicationView.of(publication, rows.connector_by_id(publication.marketplace_connector_id))


@router.get("/publications", summary="The publications of a package, one per marketplace connector")
def list_publications(
    principal: Ops, deps: Deps, package_id: Annotated[UUID, Query(description="Package id")]
) -> list[PublicationView]:
    rows = deps.repos.publications
    deps.repos.packages.get(package_id)
    return [
        PublicationView.of(p, rows.connector_by_id(p.marketplace_connector_id)) for p in rows.for_package(package_id)
    ]


@router.get("/publications/<publication_id>", summary="A publication with every transition and attempt")
def get_publication(publication_id: PublicationId, principal: Ops, deps: Deps) -> PublicationDetail:
    events = deps.repos.publications.events(publication_id)
    return PublicationDetail(
        publication=_view(deps, publication_id), events=[PublicationEventView.of(e) for e in events]
    )


@router.post("/publications/<publication_id>/retry", summary="Attempt a failed publication or retraction again")
def retry_publication(publication_id: PublicationId, principal: Ops, deps: Deps) -> PublicationView:
    retry(deps, publication_id)
    return _view(deps, publication_id)


@router.post("/publications/<publication_id>/done", summary="Record the manual step a publication waits on as done")
def mark_publication_done(publication_id: PublicationId, body: MarkDone, principal: Ops, deps: Deps) -> PublicationView:
    mark_done(deps, publication_id, principal.user, body.note)
    return _view(deps, publication_id)
