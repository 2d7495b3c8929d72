"""Migration 001 against a real PostgreSQL: the runner, every constraint, the 4 functions and the triggers.

No mocks. The migration-runner tests use an empty database created here; the function and uniqueness tests
each get a freshly migrated database of their own (`db` / `db_dsn`); the many small parametrized cases share
one migrated database and each runs in a transaction rolled back at the end (`tx`), which keeps the file fast.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import psycopg2
import psycopg2.errors
import psycopg2.extensions
import pytest
from psycopg2 import sql
from psycopg2.extras import Json, RealDictCursor

from forge.db.connection import Database
from forge.db.migrate import _LOCK_KEY, available_migrations, migrate
from forge.errors import ForgeError
from tests.conftest import admin_sql, with_database

Row = dict[str, Any]

SPEC_TABLES = {
    "plugin_packages",
    "forge_jobs",
    "forge_runs",
    "forge_approvals",
    "plugin_contract_tests",
    "plugin_compatibilities",
    "sira_generation_audit",
    "forge_secrets",
    "marketplace_connectors",
    "plugin_publications",
}
EXTRA_TABLES = {
    "approval_requests",
    "signing_keys",
    "revocation_lists",
    "approvers",
    "approver_security_events",
    "workflow_callbacks",
    "plugin_publication_events",
}
SPEC_FUNCTIONS = {
    "has_minimum_approvals",
    "get_forge_job_stats",
    "get_package_by_slug_version",
    "revoke_package",
}
T0 = datetime.fromisoformat("2024-01-01T00:00:00+00:00")


# --- helpers ------------------------------------------------------------------------------------------------


def _query(dsn: str, statement: str, params: Any = None) -> list[tuple]:
    conn = psycopg2.connect(dsn)
    try:
        with conn.cursor() as cur:
            cur.execute(statement, params)
            rows = cur.fetchall() if cur.description else []
        conn.commit()
        return rows
    finally:
        conn.close()


@pytest.fixture
def empty_dsn(pg_admin_dsn: str) -> Iterator[str]:
    """A new database with nothing in it (not even schema_migrations), dropped afterwards."""
    name = f"empty_{uuid.uuid4().hex[:12]}"
    admin_sql(pg_admin_dsn, f'CREATE DATABASE "{name}"')
    yield with_database(pg_admin_dsn, name)
    admin_sql(pg_admin_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class RollbackDatabase:
    """The `Database` interface on one connection whose work is all rolled back when the test ends.

    Each statement runs under a savepoint, so a refused statement leaves the transaction usable, as a
    separate transaction would. Used by the many small parametrized cases: one shared database for them
    all is much faster than a fresh database per case.
    """

    def __init__(self, conn: psycopg2.extensions.connection) -> None:
        self._conn = conn

    @contextmanager
    def transaction(self) -> Iterator[RealDictCursor]:
        with self._conn.cursor(cursor_factory=RealDictCursor) as cur:
            cur.execute("SAVEPOINT stmt")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK TO SAVEPOINT stmt")
                raise
            cur.execute("RELEASE SAVEPOINT stmt")

    def fetchone(self, statement: Any, params: Any = None) -> Row | None:
        with self.transaction() as cur:
            cur.execute(statement, params)
            return cur.fetchone()

    def fetchall(self, statement: Any, params: Any = None) -> list[Row]:
        with self.transaction() as cur:
            cur.execute(statement, params)
            return list(cur.fetchall())

    def execute(self, statement: Any, params: Any = None) -> int:
        with self.transaction() as cur:
            cur.execute(statement, params)
            return cur.rowcount


DB = Database | RollbackDatabase


@pytest.fixture(scope="module")
def shared_dsn(pg_admin_dsn: str, template_dsn: str) -> Iterator[str]:
    """One migrated database for this module's rolled-back cases."""
    name = f"shared_{uuid.uuid4().hex[:12]}"
    template = psycopg2.extensions.parse_dsn(template_dsn)["dbname"]
    admin_sql(pg_admin_dsn, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield with_database(pg_admin_dsn, name)
    admin_sql(pg_admin_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def tx(shared_dsn: str) -> Iterator[RollbackDatabase]:
    """A migrated database whose changes vanish after the test (see RollbackDatabase)."""
    conn = psycopg2.connect(shared_dsn)
    try:
        yield RollbackDatabase(conn)
    finally:
        conn.rollback()
        conn.close()


def insert(db: DB, table: str, **values: Any) -> Row:
    columns = list(values)
    query = sql.SQL("INSERT INTO {} ({}) VALUES ({}) RETURNING *").format(
        sql.Identifier(table),
        sql.SQL(", ").join(map(sql.Identifier, columns)),
        sql.SQL(", ").join(sql.Placeholder() * len(columns)),
    )
    params = [Json(v) if isinstance(v, dict) else v for v in values.values()]
    row = db.fetchone(query, params)
    assert row is not None
    return row


def hex64(seed: str | None = None) -> str:
    return hashlib.sha256((seed or uuid.uuid4().hex).encode()).hexdigest()


def package(db: DB, **over: Any) -> Row:
    values = {"name": "Molam Pay", "slug": "molam-pay", "version": "1.0.0", "cms": "woocommerce"}
    return insert(db, "plugin_packages", **(values | {"created_by": "user-1"} | over))


def job(db: DB, **over: Any) -> Row:
    values = {"requested_by": "user-1", "params": {"cms": "woocommerce"}, "cms": "woocommerce"}
    return insert(db, "forge_jobs", **(values | over))


def run(db: DB, job_id: uuid.UUID | None = None, **over: Any) -> Row:
    # Each delivery of a step's task is its own run (unique per job, step and delivery_key).
    values = {
        "job_id": job_id or job(db)["id"],
        "step": "generate",
        "delivery_key": f"exec:{uuid.uuid4().hex}",
    }
    return insert(db, "forge_runs", **(values | over))


def approval_request(db: DB, package_id: uuid.UUID | None = None, **over: Any) -> Row:
    values = {
        "plugin_package_id": package_id or package(db)["id"],
        "requested_by": "user-1",
        "required_approvals": 2,
    }
    return insert(db, "approval_requests", **(values | over))


def approval(
    db: DB,
    package_id: uuid.UUID | None = None,
    approver: str = "alice",
    approved: bool = True,
    **over: Any,
) -> Row:
    values = {
        "plugin_package_id": package_id or package(db)["id"],
        "approver_id": approver,
        "approver_role": "plugin_forge_ops",
        "approved": approved,
        "signature": "sig",
    }
    return insert(db, "forge_approvals", **(values | over))


def connector_id(db: DB, connector_type: str) -> uuid.UUID:
    row = db.fetchone("SELECT id FROM marketplace_connectors WHERE connector_type = %s", (connector_type,))
    assert row is not None, connector_type
    return row["id"]


def publication(db: DB, package_id: uuid.UUID | None = None, connector_type: str = "molam", **over: Any) -> Row:
    values = {
        "plugin_package_id": package_id or package(db)["id"],
        "marketplace_connector_id": connector_id(db, connector_type),
    }
    return insert(db, "plugin_publications", **(values | over))


def signing_key(db: DB, **over: Any) -> Row:
    values = {
        "key_id": hex64(),
        "public_pem": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        "backend": "vault",
        "backend_ref": "transit/keys/plugin-forge",
    }
    return insert(db, "signing_keys", **(values | over))


def audit(db: DB, **over: Any) -> Row:
    values = {
        "provider": "sira",
        "model_version": "sira-2024-01",
        "prompt": "write a woocommerce gateway",
        "prompt_hash": hex64("prompt"),
        "response_hash": hex64("response"),
        "prev_hash": "0" * 64,
        "row_hash": hex64(),
    }
    return insert(db, "sira_generation_audit", **(values | over))


def contract_test(db: DB, **over: Any) -> Row:
    values = {
        "plugin_package_id": package(db)["id"],
        "test_suite": "unit",
        "test_name": "it works",
        "result": "pass",
    }
    return insert(db, "plugin_contract_tests", **(values | over))


def compatibility(db: DB, **over: Any) -> Row:
    values = {"plugin_package_id": package(db)["id"], "cms": "woocommerce", "cms_version": "8.9"}
    return insert(db, "plugin_compatibilities", **(values | over))


def secret(db: DB, **over: Any) -> Row:
    values = {
        "name": f"secret-{uuid.uuid4().hex[:8]}",
        "secret_type": "api_key",
        "vault_path": "secret/forge/x",
    }
    return insert(db, "forge_secrets", **(values | over))


def connector(db: DB, **over: Any) -> Row:
    values = {
        "name": f"Test Marketplace {uuid.uuid4().hex[:8]}",
        "connector_type": "molam",
        "cms": ["woocommerce"],
        "base_url": "internal://test",
    }
    return insert(db, "marketplace_connectors", **(values | over))


BUILDERS: dict[str, Callable[..., Row]] = {
    "plugin_packages": package,
    "forge_jobs": job,
    "forge_runs": run,
    "approval_requests": approval_request,
    "forge_approvals": approval,
    "plugin_contract_tests": contract_test,
    "plugin_compatibilities": compatibility,
    "sira_generation_audit": audit,
    "forge_secrets": secret,
    "marketplace_connectors": connector,
    "plugin_publications": publication,
    "signing_keys": signing_key,
}


def count(db: DB, table: str) -> int:
    row = db.fetchone(sql.SQL("SELECT count(*) AS n FROM {}").format(sql.Identifier(table)))
    assert row is not None
    return row["n"]


# --- 1. the migration runner --------------------------------------------------------------------------------


def test_migrate_applies_001_on_an_empty_database_then_nothing(empty_dsn: str) -> None:
    migrations = available_migrations()
    assert [(m.version, m.name) for m in migrations][:1] == [(1, "plugin_forge")]

    applied = migrate(empty_dsn)

    assert [m.version for m in applied] == [m.version for m in migrations]
    rows = _query(empty_dsn, "SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version")
    assert [(v, n, c) for v, n, c, _ in rows] == [(m.version, m.name, m.checksum) for m in migrations]
    tables = {
        name
        for (name,) in _query(
            empty_dsn, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
    }
    assert tables == SPEC_TABLES | EXTRA_TABLES | {"schema_migrations"}
    functions = {
        name
        for (name,) in _query(empty_dsn, "SELECT proname FROM pg_proc WHERE proname = ANY(%s)", (list(SPEC_FUNCTIONS),))
    }
    assert functions == SPEC_FUNCTIONS

    assert migrate(empty_dsn) == []
    assert (
        _query(empty_dsn, "SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version") == rows
    )


def test_two_processes_migrating_at_the_same_moment_apply_each_migration_once(empty_dsn: str) -> None:
    # Hold the runner's advisory lock until both processes are queued behind it, then let them race.
    script = "import sys; from forge.db.migrate import migrate; print('APPLIED=%d' % len(migrate(sys.argv[1])))"
    holder = psycopg2.connect(empty_dsn)
    holder.autocommit = True
    procs: list[subprocess.Popen[str]] = []
    try:
        with holder.cursor() as cur:
            cur.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
            procs = [
                subprocess.Popen(
                    [sys.executable, "-c", script, empty_dsn],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for _ in range(2)
            ]
            deadline = time.monotonic() + 30
            while True:
                cur.execute(
                    """SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database
                       WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = current_database()"""
                )
                waiting = cur.fetchone()[0]
                if waiting == 2:
                    break
                exited = [p.returncode for p in procs if p.poll() is not None]
                assert not exited, f"a migrate process exited before reaching the lock: {exited}"
                assert time.monotonic() < deadline, f"only {waiting} process(es) waiting on the migration lock"
                time.sleep(0.02)
            cur.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))
    finally:
        holder.close()
        outputs = []
        for proc in procs:
            try:
                stdout, stderr = proc.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                stdout, stderr = proc.communicate()
            outputs.append((proc.returncode, stdout, stderr))

    applied = []
    for returncode, stdout, stderr in outputs:
        assert returncode == 0, stderr
        match = re.search(r"^APPLIED=(\d+)$", stdout, re.MULTILINE)
        assert match, stdout
        applied.append(int(match[1]))
    migrations = available_migrations()
    assert sorted(applied) == [0, len(migrations)]
    rows = _query(empty_dsn, "SELECT version, count(*) FROM schema_migrations GROUP BY version ORDER BY version")
    assert rows == [(m.version, 1) for m in migrations]


def test_an_applied_migration_whose_checksum_changed_is_refused(db_dsn: str) -> None:
    _query(db_dsn, "UPDATE schema_migrations SET checksum = 'x' WHERE version = 1")

    with pytest.raises(ForgeError, match=r"001_plugin_forge changed after it was applied"):
        migrate(db_dsn)

    assert _query(db_dsn, "SELECT version, checksum FROM schema_migrations WHERE version = 1") == [(1, "x")]
    # The runner let go of its lock on the way out.
    assert _query(db_dsn, "SELECT pg_try_advisory_lock(%s)", (_LOCK_KEY,)) == [(True,)]


# --- 2. constraints -----------------------------------------------------------------------------------------

CHECK_CASES = [
    # table, column, refused value, accepted value, other columns the accepted value needs
    ("plugin_packages", "status", "deleted", "published", {}),
    ("plugin_packages", "cms", "wix", "magento", {}),
    ("forge_jobs", "status", "done", "awaiting_approval", {}),
    ("forge_runs", "status", "succeeded", "success", {"started_at": T0, "finished_at": T0 + timedelta(days=1)}),
    ("forge_runs", "step", "deploy", "sandbox", {}),
    ("forge_runs", "attempt", 0, 2, {}),
    ("forge_approvals", "approver_role", "admin", "pay_admin", {}),
    ("plugin_contract_tests", "test_suite", "integration", "webhooks", {}),
    ("plugin_contract_tests", "result", "error", "skip", {}),
    ("plugin_compatibilities", "test_result", "ok", "fail", {}),
    ("plugin_publications", "publication_status", "live", "retracted", {"retracted_at": T0}),
    ("approval_requests", "status", "open", "expired", {"decided_at": T0}),
    ("approval_requests", "required_approvals", 0, 1, {}),
    ("signing_keys", "status", "revoked", "compromised", {"retired_at": T0}),
    ("signing_keys", "backend", "hsm", "pkcs11", {}),
    ("forge_secrets", "secret_type", "password", "mfa_seed", {}),
    ("marketplace_connectors", "connector_type", "etsy", "wordpress_org", {}),
]


@pytest.mark.parametrize(
    ("table", "column", "bad", "good", "extra"),
    CHECK_CASES,
    ids=[f"{t}.{c}" for t, c, *_ in CHECK_CASES],
)
def test_check_constraint_refuses_a_bad_value(
    tx: RollbackDatabase, table: str, column: str, bad: Any, good: Any, extra: dict[str, Any]
) -> None:
    build = BUILDERS[table]
    before = count(tx, table)

    with pytest.raises(psycopg2.errors.CheckViolation) as refused:
        build(tx, **{column: bad}, **extra)

    assert refused.value.diag.constraint_name == f"{table}_{column}_check"
    assert count(tx, table) == before
    assert build(tx, **{column: good}, **extra)[column] == good


STATE_CASES = [
    ("forge_runs", {"status": "success"}),  # finished without finished_at
    ("forge_runs", {"status": "running", "finished_at": T0}),
    ("forge_runs", {"status": "success", "started_at": T0, "finished_at": T0 - timedelta(seconds=1)}),
    ("forge_jobs", {"status": "failed"}),  # terminal without finished_at
    ("plugin_packages", {"status": "revoked", "revocation_reason": "leak"}),  # no revoked_at
    ("plugin_packages", {"status": "revoked", "revoked_at": T0}),  # no reason
    ("plugin_packages", {"status": "published", "revoked_at": T0}),
    ("approval_requests", {"status": "approved"}),  # decided without decided_at
    ("approval_requests", {"status": "pending", "decided_at": T0}),
    ("signing_keys", {"status": "retired"}),  # no retired_at
    ("signing_keys", {"status": "active", "retired_at": T0}),
    ("plugin_publications", {"publication_status": "published"}),  # no published_at
    ("plugin_publications", {"publication_status": "retracted"}),  # no retracted_at
    ("plugin_publications", {"publication_status": "failed"}),  # no error
    ("forge_secrets", {"vault_path": None}),  # neither a vault path nor a value
]


@pytest.mark.parametrize(("table", "values"), STATE_CASES, ids=[f"{t}-{i}" for i, (t, _) in enumerate(STATE_CASES)])
def test_inconsistent_state_is_refused(tx: RollbackDatabase, table: str, values: dict[str, Any]) -> None:
    with pytest.raises(psycopg2.errors.CheckViolation):
        BUILDERS[table](tx, **values)
    assert count(tx, table) == (4 if table == "marketplace_connectors" else 0)


@pytest.mark.parametrize("slug", ["Molam-Pay", "molam_pay", "-molam", "molam-", "molam--pay", "molam pay", "", "é"])
def test_a_bad_slug_is_refused(tx: RollbackDatabase, slug: str) -> None:
    with pytest.raises(psycopg2.errors.CheckViolation) as refused:
        package(tx, slug=slug)
    assert refused.value.diag.constraint_name == "plugin_packages_slug_check"


@pytest.mark.parametrize("slug", ["molam", "molam-pay", "molam-pay-2", "m1"])
def test_a_good_slug_is_accepted(tx: RollbackDatabase, slug: str) -> None:
    assert package(tx, slug=slug)["slug"] == slug


def test_forge_jobs_idempotency_key_is_unique_per_requester(db: Database) -> None:
    job(db, idempotency_key="req-1")
    with pytest.raises(psycopg2.errors.UniqueViolation) as duplicate:
        job(db, idempotency_key="req-1")
    assert duplicate.value.diag.constraint_name == "forge_jobs_requester_idempotency_key_idx"
    # Migration 006: another requester's key is another request.
    job(db, idempotency_key="req-1", requested_by="user-2")
    # Jobs without a key are not each other's duplicates.
    job(db)
    job(db)
    assert count(db, "forge_jobs") == 4
    with pytest.raises(psycopg2.errors.CheckViolation):
        job(db, spec_digest="not-a-digest")
    with pytest.raises(psycopg2.errors.CheckViolation):
        job(db, idempotency_key="")


def test_forge_approvals_one_decision_per_approver_and_package(db: Database) -> None:
    pkg = package(db)["id"]
    approval(db, pkg, "alice", approved=False)
    with pytest.raises(psycopg2.errors.UniqueViolation):
        approval(db, pkg, "alice", approved=True, approver_role="pay_admin")
    approval(db, pkg, "bob")
    approval(db, package(db, version="1.0.1")["id"], "alice")
    assert count(db, "forge_approvals") == 3


def test_forge_runs_unique_per_job_step_and_attempt(db: Database) -> None:
    job_id = job(db)["id"]
    run(db, job_id, step="build")
    with pytest.raises(psycopg2.errors.UniqueViolation) as refused:
        run(db, job_id, step="build")  # another delivery, same attempt number
    assert refused.value.diag.constraint_name == "forge_runs_job_id_step_attempt_key"
    run(db, job_id, step="build", attempt=2)
    run(db, job_id, step="test")
    run(db, step="build")  # another job
    assert count(db, "forge_runs") == 4


def test_forge_runs_unique_per_job_step_and_delivery(db: Database) -> None:
    job_id = job(db)["id"]
    run(db, job_id, step="build", delivery_key="exec-1:0")
    with pytest.raises(psycopg2.errors.UniqueViolation) as refused:
        run(db, job_id, step="build", attempt=2, delivery_key="exec-1:0")
    assert refused.value.diag.constraint_name == "forge_runs_job_id_step_delivery_key_key"
    run(db, job_id, step="build", attempt=2, delivery_key="exec-1:1")
    run(db, job_id, step="test", delivery_key="exec-1:0")
    assert count(db, "forge_runs") == 3


def test_at_most_one_active_signing_key(db: Database) -> None:
    first = signing_key(db)
    with pytest.raises(psycopg2.errors.UniqueViolation):
        signing_key(db)
    # Retired and compromised keys stay in the keyset beside the active one.
    signing_key(db, status="retired", retired_at=T0)
    db.execute("UPDATE signing_keys SET status = 'retired', retired_at = now() WHERE key_id = %s", (first["key_id"],))
    second = signing_key(db)
    rows = db.fetchall("SELECT key_id FROM signing_keys WHERE status = 'active'")
    assert rows == [{"key_id": second["key_id"]}]
    with pytest.raises(psycopg2.errors.UniqueViolation):
        db.execute(
            "UPDATE signing_keys SET status = 'active', retired_at = NULL WHERE key_id = %s",
            (first["key_id"],),
        )


def test_one_pending_approval_request_per_package(db: Database) -> None:
    pkg = package(db)["id"]
    first = approval_request(db, pkg)
    with pytest.raises(psycopg2.errors.UniqueViolation):
        approval_request(db, pkg)
    approval_request(db)  # another package
    db.execute("UPDATE approval_requests SET status = 'rejected', decided_at = now() WHERE id = %s", (first["id"],))
    approval_request(db, pkg)  # a new round once the first one is decided
    rows = db.fetchall("SELECT status FROM approval_requests WHERE plugin_package_id = %s ORDER BY created_at", (pkg,))
    assert sorted(r["status"] for r in rows) == ["pending", "rejected"]


# --- 3. functions -------------------------------------------------------------------------------------------


def has_min(db: DB, package_id: uuid.UUID, threshold: int | None = None) -> bool:
    if threshold is None:
        row = db.fetchone("SELECT has_minimum_approvals(%s) AS ok", (package_id,))
    else:
        row = db.fetchone("SELECT has_minimum_approvals(%s, %s) AS ok", (package_id, threshold))
    assert row is not None
    return row["ok"]


def test_has_minimum_approvals_counts_distinct_approvers_who_approved(db: Database) -> None:
    pkg = package(db)["id"]
    other = package(db, version="2.0.0")["id"]
    assert has_min(db, pkg, 1) is False

    approval(db, pkg, "alice")
    approval(db, pkg, "bob", approved=False)  # a rejection does not count
    approval(db, other, "carol")  # nor does an approval of another package
    approval(db, other, "dave")
    assert has_min(db, pkg, 1) is True
    assert has_min(db, pkg, 2) is False
    assert has_min(db, pkg) is False  # the default threshold is 2

    approval(db, pkg, "erin", approver_role="pay_admin")
    assert has_min(db, pkg, 2) is True
    assert has_min(db, pkg) is True
    assert has_min(db, pkg, 3) is False
    assert has_min(db, uuid.uuid4(), 1) is False


def stats(db: DB, days: int | None = None) -> dict[str, Any]:
    if days is None:
        row = db.fetchone("SELECT get_forge_job_stats() AS s")
    else:
        row = db.fetchone("SELECT get_forge_job_stats(%s) AS s", (days,))
    assert row is not None
    return row["s"]


def test_get_forge_job_stats_on_an_empty_database(db: Database) -> None:
    assert stats(db) == {
        "days": 7,
        "total": 0,
        "success": 0,
        "failed": 0,
        "cancelled": 0,
        "running": 0,
        "queued": 0,
        "awaiting_approval": 0,
        "success_rate": None,
        "avg_duration_seconds": None,
        "steps": {},
    }


def test_get_forge_job_stats_counts_recent_jobs_and_their_runs(db: Database) -> None:
    now = db.fetchone("SELECT now() AS now")["now"]

    def add_job(status: str, age: timedelta, seconds: float | None = None) -> uuid.UUID:
        created = now - age
        values: dict[str, Any] = {"status": status, "created_at": created}
        if status != "queued":
            values["started_at"] = created + timedelta(seconds=1)
        if status in ("success", "failed", "cancelled"):
            values["finished_at"] = created + timedelta(seconds=1 + (seconds or 5))
        return job(db, **values)["id"]

    def add_run(job_id: uuid.UUID, step: str, status: str, ms: int | None, attempt: int = 1) -> None:
        finished = None if ms is None else T0 + timedelta(milliseconds=ms)
        run(db, job_id, step=step, status=status, started_at=T0, finished_at=finished, attempt=attempt)

    recent = timedelta(hours=1)
    ok1 = add_job("success", recent, seconds=10)
    ok2 = add_job("success", timedelta(days=3), seconds=20)
    add_job("success", timedelta(days=6, hours=23), seconds=30)  # just inside 7 days
    bad = add_job("failed", recent)
    live = add_job("running", recent)
    add_job("queued", recent)
    add_job("cancelled", recent)
    add_job("awaiting_approval", recent)
    add_run(ok1, "generate", "success", 1000)
    add_run(ok1, "build", "success", 3000)
    add_run(ok2, "generate", "success", 2000)
    add_run(bad, "build", "failed", 500)
    add_run(bad, "build", "success", 1501, attempt=2)
    add_run(live, "test", "running", None)
    # Older than 7 days: counted with days=30 only.
    old1 = add_job("success", timedelta(days=7, hours=1), seconds=100)
    old2 = add_job("failed", timedelta(days=20))
    add_job("failed", timedelta(days=40))  # outside both windows
    add_run(old1, "generate", "success", 100_000)
    add_run(old2, "sign", "failed", 7)

    week = stats(db, 7)
    assert week == {
        "days": 7,
        "total": 8,
        "success": 3,
        "failed": 1,
        "cancelled": 1,
        "running": 1,
        "queued": 1,
        "awaiting_approval": 1,
        "success_rate": 0.75,
        "avg_duration_seconds": 20.0,
        "steps": {
            "generate": {"runs": 2, "failed": 0, "avg_duration_ms": 1500},
            "build": {"runs": 3, "failed": 1, "avg_duration_ms": 1667},
            "test": {"runs": 1, "failed": 0, "avg_duration_ms": None},
        },
    }
    assert stats(db) == week  # the default window is 7 days

    month = stats(db, 30)
    assert (month["days"], month["total"], month["success"], month["failed"]) == (30, 10, 4, 2)
    assert month["success_rate"] == pytest.approx(0.6667, abs=1e-9)
    assert month["avg_duration_seconds"] == 40.0
    assert month["steps"]["generate"] == {"runs": 3, "failed": 0, "avg_duration_ms": 34333}
    assert month["steps"]["sign"] == {"runs": 1, "failed": 1, "avg_duration_ms": 7}

    assert stats(db, 0)["total"] == 0


def find(db: DB, slug: str, version: str) -> list[Row]:
    return db.fetchall("SELECT * FROM get_package_by_slug_version(%s, %s)", (slug, version))


def test_get_package_by_slug_version_prefers_the_published_package(db: Database) -> None:
    old = datetime.fromisoformat("2024-01-01T00:00:00+00:00")
    published = package(db, status="published", created_at=old)
    package(db, status="failed", created_at=old - timedelta(days=1))
    newer = package(db, status="built", created_at=old + timedelta(days=2))
    package(db, version="1.0.1", status="published", created_at=old + timedelta(days=5))
    package(db, slug="molam-pay-pro", status="published", created_at=old + timedelta(days=5))

    assert [r["id"] for r in find(db, "molam-pay", "1.0.0")] == [published["id"]]

    # Without a published one, the newest wins.
    db.execute("UPDATE plugin_packages SET status = 'approved' WHERE id = %s", (published["id"],))
    assert [r["id"] for r in find(db, "molam-pay", "1.0.0")] == [newer["id"]]

    assert find(db, "molam-pay", "9.9.9") == []
    assert find(db, "nope", "1.0.0") == []
    row = find(db, "molam-pay", "1.0.1")[0]
    assert (row["slug"], row["version"], row["status"]) == ("molam-pay", "1.0.1", "published")


def test_revoke_package_revokes_retracts_and_cancels(db: Database) -> None:
    pkg = package(db, status="published")
    pub_live = publication(db, pkg["id"], "molam", publication_status="published", published_at=T0)
    pub_pending = publication(db, pkg["id"], "shopify_app_store")
    pub_done = publication(db, pkg["id"], "prestashop_addons", publication_status="retracted", retracted_at=T0)
    request = approval_request(db, pkg["id"])
    decided = approval_request(db, pkg["id"], status="approved", decided_at=T0)
    # Another package is left alone.
    bystander = package(db, version="0.9.0", status="published")
    bystander_pub = publication(db, bystander["id"], "molam", publication_status="published", published_at=T0)
    bystander_req = approval_request(db, bystander["id"])

    with db.transaction() as cur:
        cur.execute("SELECT * FROM revoke_package(%s, %s)", (pkg["id"], "  signing key leaked  "))
        returned = cur.fetchone()
        cur.execute("SELECT now() AS now")
        now = cur.fetchone()["now"]

    assert returned["id"] == pkg["id"]
    assert (returned["status"], returned["revocation_reason"], returned["revoked_at"]) == (
        "revoked",
        "signing key leaked",
        now,
    )
    stored = db.fetchone("SELECT * FROM plugin_packages WHERE id = %s", (pkg["id"],))
    assert stored == returned

    # Migration 012: the revocation asks for the retraction; only the connector that took the release down records
    # it retracted (forge.pipeline.retraction).
    pubs = {r["id"]: r for r in db.fetchall("SELECT * FROM plugin_publications")}
    for pub in (pub_live, pub_pending):
        assert (pubs[pub["id"]]["publication_status"], pubs[pub["id"]]["retracted_at"]) == ("retracting", None)
        assert pubs[pub["id"]]["connector_message"] == "revoked: signing key leaked"
    assert pubs[pub_done["id"]]["retracted_at"] == T0  # already retracted: untouched
    assert pubs[bystander_pub["id"]]["publication_status"] == "published"

    requests = {r["id"]: r for r in db.fetchall("SELECT * FROM approval_requests")}
    assert (requests[request["id"]]["status"], requests[request["id"]]["decided_at"]) == ("cancelled", now)
    assert (requests[decided["id"]]["status"], requests[decided["id"]]["decided_at"]) == ("approved", T0)
    assert requests[bystander_req["id"]]["status"] == "pending"
    assert db.fetchone("SELECT status FROM plugin_packages WHERE id = %s", (bystander["id"],)) == {
        "status": "published"
    }

    # Revoking again keeps the first reason and time.
    again = db.fetchone("SELECT * FROM revoke_package(%s, %s)", (pkg["id"], "another reason"))
    assert (again["revocation_reason"], again["revoked_at"]) == ("signing key leaked", now)


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_revoke_package_needs_a_reason(tx: RollbackDatabase, reason: str | None) -> None:
    pkg = package(tx, status="published")
    pub = publication(tx, pkg["id"], publication_status="published", published_at=T0)

    with pytest.raises(psycopg2.errors.CheckViolation, match="needs a reason"):
        tx.fetchone("SELECT * FROM revoke_package(%s, %s)", (pkg["id"], reason))

    assert tx.fetchone("SELECT status, revoked_at FROM plugin_packages WHERE id = %s", (pkg["id"],)) == {
        "status": "published",
        "revoked_at": None,
    }
    assert tx.fetchone("SELECT publication_status FROM plugin_publications WHERE id = %s", (pub["id"],)) == {
        "publication_status": "published"
    }


def test_revoke_package_raises_for_an_unknown_id(db: Database) -> None:
    package(db)
    unknown = uuid.uuid4()
    with pytest.raises(psycopg2.errors.NoDataFound, match=str(unknown)):
        db.fetchone("SELECT * FROM revoke_package(%s, %s)", (unknown, "gone"))
    assert db.fetchall("SELECT status FROM plugin_packages") == [{"status": "building"}]


# --- 4. triggers --------------------------------------------------------------------------------------------

UPDATED_AT_TABLES = [
    "plugin_packages",
    "forge_jobs",
    "forge_runs",
    "approval_requests",
    "plugin_compatibilities",
    "forge_secrets",
    "marketplace_connectors",
    "plugin_publications",
]


def test_every_table_with_updated_at_has_the_trigger(db: Database) -> None:
    rows = db.fetchall(
        """SELECT c.table_name FROM information_schema.columns c
           WHERE c.table_schema = 'public' AND c.column_name = 'updated_at'"""
    )
    assert {r["table_name"] for r in rows} == set(UPDATED_AT_TABLES)
    triggers = db.fetchall(
        """SELECT t.tgrelid::regclass::text AS table_name FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
           WHERE p.proname = 'forge_touch_updated_at' AND NOT t.tgisinternal"""
    )
    assert sorted(r["table_name"] for r in triggers) == sorted(UPDATED_AT_TABLES)


@pytest.mark.parametrize("table", UPDATED_AT_TABLES)
def test_updated_at_changes_on_update(tx: RollbackDatabase, table: str) -> None:
    row = BUILDERS[table](tx, updated_at=T0)
    assert row["updated_at"] == T0  # an INSERT keeps what it is given

    with tx.transaction() as cur:
        cur.execute(
            sql.SQL("UPDATE {} SET updated_at = %s WHERE id = %s RETURNING updated_at, now() AS now").format(
                sql.Identifier(table)
            ),
            (T0 - timedelta(days=1), row["id"]),
        )
        updated = cur.fetchone()

    assert updated["updated_at"] == updated["now"]
    assert updated["updated_at"] > T0


def test_forge_runs_duration_ms_follows_started_and_finished_at(db: Database) -> None:
    job_id = job(db)["id"]
    done = run(db, job_id, status="success", started_at=T0, finished_at=T0 + timedelta(seconds=1, microseconds=500))
    assert done["duration_ms"] == 1001  # rounded: 1000.5 ms

    live = run(db, job_id, step="build", started_at=T0, duration_ms=42)
    assert live["duration_ms"] is None  # still running: no duration, whatever the caller says

    finished = db.fetchone(
        """UPDATE forge_runs SET status = 'failed', finished_at = %s, duration_ms = 1
           WHERE id = %s RETURNING *""",
        (T0 + timedelta(minutes=2, milliseconds=250), live["id"]),
    )
    assert finished["duration_ms"] == 120_250

    moved = db.fetchone(
        "UPDATE forge_runs SET started_at = %s WHERE id = %s RETURNING duration_ms",
        (T0 + timedelta(minutes=1), live["id"]),
    )
    assert moved == {"duration_ms": 60_250}

    reopened = db.fetchone(
        "UPDATE forge_runs SET status = 'running', finished_at = NULL WHERE id = %s RETURNING duration_ms",
        (live["id"],),
    )
    assert reopened == {"duration_ms": None}


def test_forge_runs_duration_ms_of_a_long_approval_wait(db: Database) -> None:
    # The approval step waits for humans (FORGE_APPROVAL_TIMEOUT_SECONDS has no upper bound, and a Step
    # Functions task token may wait up to a year); a stuck run may also be closed weeks later. duration_ms
    # is an `integer` (max 2_147_483_647 ms, about 24.8 days), so finishing such a run must still work.
    live = run(db, step="approval", started_at=T0)
    try:
        finished = db.fetchone(
            "UPDATE forge_runs SET status = 'success', finished_at = %s WHERE id = %s RETURNING duration_ms",
            (T0 + timedelta(days=30), live["id"]),
        )
    except psycopg2.errors.NumericValueOutOfRange as exc:
        pytest.fail(
            "SQL BUG: forge_runs.duration_ms is `integer`, so finishing a run that lasted more than "
            "~24.8 days "
            f"fails in the forge_runs_duration trigger ({exc.pgerror.strip()}); make it bigint"
        )
    assert finished == {"duration_ms": 30 * 24 * 3600 * 1000}


@pytest.fixture
def audit_row(tx: RollbackDatabase) -> Row:
    return audit(tx, job_id=job(tx)["id"])


def test_sira_generation_audit_accepts_inserts(tx: RollbackDatabase, audit_row: Row) -> None:
    second = audit(tx, prev_hash=audit_row["row_hash"])
    assert second["id"] > audit_row["id"]
    assert count(tx, "sira_generation_audit") == 2


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE sira_generation_audit SET prompt = 'tampered' WHERE id = %(id)s",
        "UPDATE sira_generation_audit SET metadata = '{\"x\": 1}' WHERE id = %(id)s",
        "DELETE FROM sira_generation_audit WHERE id = %(id)s",
        "DELETE FROM sira_generation_audit",
        "TRUNCATE sira_generation_audit",
        "TRUNCATE forge_jobs CASCADE",
    ],
    ids=["update-prompt", "update-metadata", "delete-one", "delete-all", "truncate", "truncate-cascade"],
)
def test_sira_generation_audit_is_append_only(tx: RollbackDatabase, audit_row: Row, statement: str) -> None:
    with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="sira_generation_audit is append-only"):
        tx.execute(statement, {"id": audit_row["id"]})
    assert tx.fetchall("SELECT * FROM sira_generation_audit") == [audit_row]


def test_sira_generation_audit_outlives_its_job(tx: RollbackDatabase, audit_row: Row) -> None:
    with pytest.raises((psycopg2.errors.ForeignKeyViolation, psycopg2.errors.InsufficientPrivilege)):
        tx.execute("DELETE FROM forge_jobs WHERE id = %s", (audit_row["job_id"],))
    assert tx.fetchall("SELECT * FROM sira_generation_audit") == [audit_row]
    assert count(tx, "forge_jobs") == 1


# --- 5. seed data -------------------------------------------------------------------------------------------


def test_the_four_marketplace_connectors_exist(db: Database) -> None:
    rows = db.fetchall(
        """SELECT name, connector_type, cms, base_url, enabled
           FROM marketplace_connectors ORDER BY connector_type"""
    )
    assert [(r["connector_type"], r["enabled"]) for r in rows] == [
        ("molam", True),
        ("prestashop_addons", False),
        ("shopify_app_store", False),
        ("wordpress_org", False),
    ]
    by_type = {r["connector_type"]: r for r in rows}
    assert by_type["wordpress_org"]["name"].startswith("WordPress.org")
    assert by_type["shopify_app_store"]["name"] == "Shopify App Store"
    assert by_type["molam"]["name"] == "Molam Marketplace"
    assert by_type["prestashop_addons"]["name"] == "PrestaShop Addons"
    assert sorted(by_type["molam"]["cms"]) == ["magento", "prestashop", "shopify", "woocommerce"]
    assert by_type["wordpress_org"]["cms"] == ["woocommerce"]
    assert by_type["shopify_app_store"]["cms"] == ["shopify"]
    assert by_type["prestashop_addons"]["cms"] == ["prestashop"]
    with pytest.raises(psycopg2.errors.UniqueViolation):
        connector(db, name="Molam Marketplace")


def test_workflow_callbacks_hold_one_well_formed_answer_per_request(db: Database) -> None:
    package_id = db.fetchone(
        "INSERT INTO plugin_packages (name, slug, version, cms, created_by)"
        " VALUES ('P', 'p', '1.0.0', 'woocommerce', 'u') RETURNING id"
    )["id"]
    request_id = db.fetchone(
        "INSERT INTO approval_requests (plugin_package_id, requested_by, required_approvals) VALUES (%s, 'u', 2)"
        " RETURNING id",
        (package_id,),
    )["id"]
    insert = """INSERT INTO workflow_callbacks (approval_request_id, task_token, outcome, output, error)
                VALUES (%s, 'token', %s, %s, %s)"""
    for outcome, output, error in (("success", None, None), ("failure", None, None), ("maybe", '{"a": 1}', None)):
        with pytest.raises(psycopg2.errors.CheckViolation):
            db.execute(insert, (request_id, outcome, output, error))
    db.execute(insert, (request_id, "success", '{"approved_by": ["a", "b"]}', None))
    with pytest.raises(psycopg2.errors.UniqueViolation):
        db.execute(insert, (request_id, "failure", None, "ApprovalRejected"))
