"""The generation audit chain on a real PostgreSQL: append, verify, and a tampered row named."""

from __future__ import annotations

import uuid
from pathlib import Path

import psycopg2
import pytest
from typer.testing import CliRunner

from forge.cli.main import app
from forge.db.connection import Database
from forge.db.repositories.audit import GENESIS, AuditRepository


def superuser_sql(dsn: str, *statements: str) -> None:
    """As the test's superuser: the only way past the append-only trigger, which is the point."""
    conn = psycopg2.connect(dsn)
    try:
        with conn, conn.cursor() as cur:
            for statement in statements:
                cur.execute(statement)
    finally:
        conn.close()


def fill(repo: AuditRepository, rows: int) -> list[str]:
    return [
        repo.append(None, "openai", f"m-{i}", f"prompt {i}", f"response {i}", {"attempt": i, "usage": {"t": 1.5}})
        for i in range(rows)
    ]


def tamper(dsn: str, sql: str) -> None:
    superuser_sql(
        dsn,
        "ALTER TABLE sira_generation_audit DISABLE TRIGGER sira_generation_audit_append_only",
        sql,
        "ALTER TABLE sira_generation_audit ENABLE TRIGGER sira_generation_audit_append_only",
    )


def ids(db: Database) -> list[int]:
    return [r["id"] for r in db.fetchall("SELECT id FROM sira_generation_audit ORDER BY id")]


def test_an_empty_and_an_intact_chain_verify(db: Database) -> None:
    repo = AuditRepository(db)
    assert repo.verify().ok
    assert repo.verify().rows == 0
    assert repo.verify().last_hash == GENESIS
    hashes = fill(repo, 5)
    report = repo.verify()
    assert report.ok
    assert report.rows == 5
    assert report.last_hash == hashes[-1]
    rows = db.fetchall("SELECT prev_hash, row_hash FROM sira_generation_audit ORDER BY id")
    assert rows[0]["prev_hash"] == GENESIS
    assert all(rows[i]["prev_hash"] == rows[i - 1]["row_hash"] for i in range(1, 5))


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("UPDATE sira_generation_audit SET metadata = '{\"attempt\": 99}' WHERE id = {id}", "a field was changed"),
        ("UPDATE sira_generation_audit SET model_version = 'other' WHERE id = {id}", "a field was changed"),
        ("UPDATE sira_generation_audit SET prompt = 'edited' WHERE id = {id}", "prompt was changed"),
        ("DELETE FROM sira_generation_audit WHERE id = {id}", "does not match the previous row"),
    ],
)
def test_a_tampered_row_is_named(db: Database, db_dsn: str, change: str, reason: str) -> None:
    repo = AuditRepository(db)
    fill(repo, 5)
    third = ids(db)[2]
    tamper(db_dsn, change.replace("{id}", str(third)))
    report = repo.verify()
    assert not report.ok
    # A deleted row is noticed at its successor, the first row whose link no longer holds.
    assert report.broken_id == (ids(db)[2] if change.startswith("DELETE") else third)
    assert reason in report.reason
    assert report.rows == 2


def test_the_trigger_still_refuses_changes_after_migration_003(db: Database) -> None:
    fill(AuditRepository(db), 1)
    with pytest.raises(psycopg2.Error, match="append-only"):
        db.execute("UPDATE sira_generation_audit SET provider = 'x'")
    with pytest.raises(psycopg2.Error, match="append-only"):
        db.execute("DELETE FROM sira_generation_audit")


def test_a_fork_cannot_be_stored(db: Database) -> None:
    repo = AuditRepository(db)
    fill(repo, 1)
    with pytest.raises(psycopg2.errors.UniqueViolation):
        db.execute(
            """INSERT INTO sira_generation_audit (provider, model_version, prompt, prompt_hash, response_hash,
                                                  prev_hash, row_hash)
               VALUES ('x', 'x', 'p', %s, %s, %s, %s)""",
            ("a" * 64, "b" * 64, GENESIS, "c" * 64),
        )


def test_forge_audit_verify_cli(forge_env: Path, db: Database, db_dsn: str) -> None:
    repo = AuditRepository(db)
    fill(repo, 3)
    cli = CliRunner()
    ok = cli.invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "audit chain intact: 3 rows" in ok.output
    second = ids(db)[1]
    tamper(db_dsn, f"UPDATE sira_generation_audit SET response_hash = repeat('f', 64) WHERE id = {second}")  # noqa: S608 - an id read back
    broken = cli.invoke(app, ["audit", "verify"])
    assert broken.exit_code == 1
    assert f"audit chain BROKEN at row id {second}" in broken.output
    assert "1 rows before it verify" in broken.output


def test_forge_audit_verify_on_an_unmigrated_database_says_what_to_do(
    tmp_path: Path, pg_admin_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from forge.config import reset_settings
    from tests.conftest import admin_sql, with_database

    name = f"t_empty_{uuid.uuid4().hex[:12]}"
    admin_sql(pg_admin_dsn, f'CREATE DATABASE "{name}"')
    monkeypatch.setenv("FORGE_HOME", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", with_database(pg_admin_dsn, name))
    reset_settings()
    try:
        result = CliRunner().invoke(app, ["audit", "verify"])
    finally:
        reset_settings()
        admin_sql(pg_admin_dsn, f'DROP DATABASE "{name}"')
    assert result.exit_code == 1
    assert "run `forge db migrate`" in result.output


def test_removing_the_newest_rows_fails_against_an_expected_head(forge_env: Path, db: Database, db_dsn: str) -> None:
    repo = AuditRepository(db)
    hashes = fill(repo, 4)
    cli = CliRunner()
    first = cli.invoke(app, ["audit", "verify"])
    assert first.exit_code == 0
    assert f"audit chain intact: 4 rows, head {hashes[-1]}" in first.output
    assert repo.verify(hashes[-1]).expected_head_at == 4
    assert repo.verify(GENESIS).expected_head_at == 0

    fill(repo, 1)  # appended since the head was recorded: still fine
    grown = cli.invoke(app, ["audit", "verify", "--expect-head", hashes[-1].upper()])
    assert grown.exit_code == 0, grown.output
    assert "expected head found at row 4; 1 rows appended since" in grown.output

    tamper(db_dsn, f"DELETE FROM sira_generation_audit WHERE id >= {ids(db)[3]}")  # noqa: S608 - an id read back
    assert repo.verify().ok  # a chain cut short still verifies on its own
    assert repo.verify(hashes[-1]).expected_head_at is None
    cut = cli.invoke(app, ["audit", "verify", "--expect-head", hashes[-1]])
    assert cut.exit_code == 1
    assert "audit chain TRUNCATED: its 3 rows verify but never reach the expected head" in cut.output
    assert hashes[2] in cut.output


def test_a_malformed_expected_head_is_refused(forge_env: Path, db: Database) -> None:
    result = CliRunner().invoke(app, ["audit", "verify", "--expect-head", "abc"])
    assert result.exit_code == 2
    assert "64-character hex" in result.output
