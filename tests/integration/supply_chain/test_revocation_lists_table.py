"""revocation_lists (migration 005): versions only grow by one, and a stored list never changes or disappears."""

from __future__ import annotations

import psycopg2.errors
import pytest

from forge.db.repositories.revocations import RevocationListRepository

KEY = "ab" * 32


@pytest.fixture
def lists(db) -> RevocationListRepository:
    db.execute(
        "INSERT INTO signing_keys (key_id, public_pem, backend, backend_ref) VALUES (%s, 'pem', 'pkcs11', 'label')",
        (KEY,),
    )
    return RevocationListRepository(db)


def test_versions_are_consecutive_and_a_lost_race_is_reported(lists: RevocationListRepository) -> None:
    assert lists.latest() is None
    assert lists.next_version() == 1
    assert lists.append(1, '{"version":1}\n', "c2ln", KEY, 0)
    assert not lists.append(1, '{"version":1,"other":true}\n', "c2ln", KEY, 0)  # another writer took 1
    assert not lists.append(3, '{"version":3}\n', "c2ln", KEY, 0)  # a gap is refused
    assert lists.append(2, '{"version":2}\n', "c2ln", KEY, 1)
    latest = lists.latest()
    assert latest is not None
    assert (latest.version, latest.package_count) == (2, 1)
    assert lists.latest().body == '{"version":2}\n'


@pytest.mark.parametrize(
    "sql", ["UPDATE revocation_lists SET body = 'x' WHERE version = 1", "DELETE FROM revocation_lists"]
)
def test_stored_lists_are_append_only(lists: RevocationListRepository, sql: str) -> None:
    assert lists.append(1, '{"version":1}\n', "c2ln", KEY, 0)
    with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="append-only"):
        lists.db.execute(sql)
    assert lists.latest().body == '{"version":1}\n'
