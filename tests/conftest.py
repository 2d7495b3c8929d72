"""Fixtures shared by every test: a real PostgreSQL (embedded pgserver, or DATABASE_URL) per session,
and a freshly migrated database per test, copied from a template so each test starts clean."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg2
import pytest

from forge.config import reset_settings
from forge.db.connection import Database, close_all
from forge.db.migrate import migrate
from forge.pipeline.deps import PipelineDeps
from forge.wiring import default_deps, reset_deps

REPO = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent
TEMPLATE = "forge_test_template"
# The folder a test lives in is its tier (docs/testing.md); each is a marker registered in pyproject.toml.
TIERS = ("unit", "integration", "e2e", "infra", "attacks", "ui", "chaos")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test with its tier, from its path, so `-m unit` and friends select by cost."""
    for item in items:
        parts = item.path.resolve().relative_to(TESTS).parts
        tier = parts[0] if len(parts) > 1 else None
        if tier not in TIERS:
            raise pytest.UsageError(f"{item.nodeid}: a test lives in one of tests/{{{','.join(TIERS)}}}/")
        item.add_marker(tier)


def with_database(dsn: str, name: str) -> str:
    dsn_params = psycopg2.extensions.parse_dsn(dsn)
    dsn_params["dbname"] = name
    return psycopg2.extensions.make_dsn(**dsn_params)


def admin_sql(dsn: str, sql: str) -> None:
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


@pytest.fixture(scope="session")
def pg_admin_dsn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server for the whole session: DATABASE_URL if CI gives one, else an embedded PostgreSQL 16."""
    if os.environ.get("FORGE_TEST_DATABASE_URL"):
        yield os.environ["FORGE_TEST_DATABASE_URL"]
        return
    from forge.local.postgres import EmbeddedPostgres

    # Not under pytest's tmp dir: that is mode 0700 for root, and pgserver runs postgres as its own user.
    root = Path(tempfile.mkdtemp(prefix="forge-test-pg-"))
    root.chmod(0o755)
    server = EmbeddedPostgres(root / "pgdata")
    dsn = server.start("postgres")
    yield dsn
    close_all()
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


def drop_database(admin_dsn: str, name: str) -> None:
    # FORCE: a runtime's pool or a test's Database may still hold a connection; the test is over.
    admin_sql(admin_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def template_dsn(pg_admin_dsn: str) -> Iterator[str]:
    drop_database(pg_admin_dsn, TEMPLATE)
    admin_sql(pg_admin_dsn, f'CREATE DATABASE "{TEMPLATE}"')
    dsn = with_database(pg_admin_dsn, TEMPLATE)
    migrate(dsn)
    yield dsn
    drop_database(pg_admin_dsn, TEMPLATE)


@contextmanager
def _databases(admin_dsn: str) -> Iterator[Callable[[], str]]:
    """A factory of freshly migrated, empty databases (copies of the template); drops them all on exit, so a
    server shared with CI (FORGE_TEST_DATABASE_URL) keeps nothing of a test."""
    created: list[str] = []

    def make() -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        admin_sql(admin_dsn, f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
        created.append(name)
        return with_database(admin_dsn, name)

    try:
        yield make
    finally:
        for name in created:
            drop_database(admin_dsn, name)


@pytest.fixture
def new_database(pg_admin_dsn: str, template_dsn: str) -> Iterator[Callable[[], str]]:
    """Factory: a freshly migrated, empty database; returns its DSN. Dropped when the test ends."""
    with _databases(pg_admin_dsn) as make:
        yield make


@pytest.fixture(scope="module")
def module_database(pg_admin_dsn: str, template_dsn: str) -> Iterator[Callable[[], str]]:
    """`new_database` for a module-scoped fixture (a local runtime shared by a module's tests): dropped when the
    module's tests end."""
    with _databases(pg_admin_dsn) as make:
        yield make


@pytest.fixture
def db_dsn(new_database: Callable[[], str]) -> str:
    """A freshly migrated, empty database of this test's own."""
    return new_database()


@pytest.fixture
def db(db_dsn: str) -> Iterator[Database]:
    database = Database(db_dsn)
    yield database
    database.close()


@pytest.fixture
def forge_env(tmp_path: Path, db_dsn: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A FORGE_HOME of this test's own pointing at its own database."""
    home = tmp_path / "forge-home"
    monkeypatch.setenv("FORGE_HOME", str(home))
    monkeypatch.setenv("DATABASE_URL", db_dsn)
    reset_settings()
    yield home
    reset_settings()


@pytest.fixture(scope="session")
def softhsm_token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One SoftHSM2 token for the session: the PKCS#11 module reads its configuration (SOFTHSM2_CONF, which
    prepare_softhsm sets for the process) only once per process, so a second token could never be opened.
    Returns the environment that selects the token; `softhsm` sets it for one test, a module-scoped local
    runtime passes it to local_runtime(). Nothing else of the session's environment is changed."""
    from forge.signing.softhsm import prepare_softhsm

    conf_before = os.environ.get("SOFTHSM2_CONF")
    pin = prepare_softhsm(tmp_path_factory.mktemp("softhsm"), "plugin-forge-test")
    yield {"FORGE_PKCS11_PIN": pin, "FORGE_PKCS11_TOKEN": "plugin-forge-test"}
    if conf_before is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = conf_before


@pytest.fixture
def softhsm(softhsm_token: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The session's SoftHSM2 token selected for this test (FORGE_PKCS11_PIN and _TOKEN); returns its PIN."""
    for name, value in softhsm_token.items():
        monkeypatch.setenv(name, value)
    reset_settings()
    yield softhsm_token["FORGE_PKCS11_PIN"]
    reset_settings()


@pytest.fixture
def serve_api(forge_env: Path, softhsm: str) -> Iterator[Callable[[PipelineDeps], PipelineDeps]]:
    """Hand the API routes these deps (Powertools' dependency_overrides), for this test only; returns them."""
    from forge.api.app import app
    from forge.api.dependencies import pipeline_deps

    def serve(deps: PipelineDeps) -> PipelineDeps:
        app.dependency_overrides[pipeline_deps] = lambda: deps
        return deps

    reset_deps()
    yield serve
    app.dependency_overrides.pop(pipeline_deps, None)
    reset_deps()


@pytest.fixture
def api(serve_api: Callable[[PipelineDeps], PipelineDeps]) -> Any:
    """The API on this test's database and SoftHSM, with a spy for the workflow port
    (tests/integration/api/conftest.py: WorkflowSpy, and `call` to send API Gateway events)."""
    from tests.integration.api.conftest import WorkflowSpy

    spy = WorkflowSpy()
    serve_api(replace(default_deps(), workflow=spy))
    return spy
