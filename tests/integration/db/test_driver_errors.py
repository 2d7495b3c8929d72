"""Repositories speak forge.errors, never psycopg2: a refused value is a ForgeError, a missing referenced row a
NotFound, an unmigrated database a ForgeError saying what to run. Callers (API, CLI, steps) never import the driver."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import psycopg2
import pytest

from forge.db.connection import Database
from forge.db.repositories import PostgresRepositories
from forge.db.repositories.audit import AuditRepository
from forge.errors import ForgeError, NotFound
from forge.models.spec import load_spec
from tests.integration.api.conftest import EXAMPLE


def test_a_check_violation_is_a_forge_error(db: Database) -> None:
    repos = PostgresRepositories.on(db)
    job, _ = repos.jobs.create(load_spec(EXAMPLE), "carol", None)
    assert job.plugin_package_id is not None
    with pytest.raises(ForgeError, match="refused by the database") as refused:
        repos.packages.set_built(job.plugin_package_id, "not-a-sha256", "file:///tmp/x.zip")
    assert not isinstance(refused.value, psycopg2.Error)
    assert isinstance(refused.value.__cause__, psycopg2.errors.CheckViolation)


def test_a_missing_referenced_row_is_not_found(db: Database) -> None:
    repos = PostgresRepositories.on(db)
    with pytest.raises(NotFound):
        repos.publications.ensure(uuid.uuid4(), uuid.uuid4())


def test_an_unmigrated_database_names_the_table_and_the_fix(new_database: Callable[[], str]) -> None:
    dsn = new_database()
    # An empty database of its own: drop what the template migrated.
    bare = Database(dsn, max_connections=1)
    try:
        bare.execute("DROP TABLE sira_generation_audit CASCADE")
        with pytest.raises(ForgeError, match="no sira_generation_audit table; run `forge db migrate`"):
            AuditRepository(bare).verify()
    finally:
        bare.close()


def test_a_bug_is_not_disguised(db: Database) -> None:
    """An error no mapping knows (here: SQL that does not parse) stays the driver's: it is a bug, not a refusal."""

    class Broken(AuditRepository):
        def for_job(self, job_id: uuid.UUID) -> list[dict]:
            return self.db.fetchall("SELEC nonsense")

    from forge.db.errors import translates_driver_errors

    with pytest.raises(psycopg2.errors.SyntaxError):
        translates_driver_errors(Broken)(db).for_job(uuid.uuid4())
