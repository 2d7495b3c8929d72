"""The remembered revocation list versions: per key id, only ever rising, kept in a file that survives a restart."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from forge.errors import ForgeError
from forge.signing.revocation_floor import RevocationFloor, load_floor, locked, save_floor

A, B, C = "a" * 64, "b" * 64, "c" * 64


def test_the_floor_only_rises_and_is_shared_by_the_keys_of_one_keyset(tmp_path: Path) -> None:
    floor = RevocationFloor()
    assert floor.highest([A]) is None
    floor.remember([A, B], 4)
    floor.remember([A, B], 2)
    path = tmp_path / "state" / "seen.json"
    save_floor(path, floor)
    again = load_floor(path)
    assert again.highest([A]).version == 4  # type: ignore[union-attr]
    # After a rotation the keyset holds B and a new key C: the floor carries over.
    assert again.highest([B, C]).version == 4  # type: ignore[union-attr]
    # Another forge, other keys: nothing seen.
    assert again.highest([C]) is None


def test_a_missing_file_is_a_first_run_a_damaged_one_is_an_error(tmp_path: Path) -> None:
    assert load_floor(tmp_path / "absent.json").keys == {}
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": "plugin-forge.revocations-seen/v1", "keys": {"x": {"version": 0, "seen_at": ""}}}')
    with pytest.raises(ForgeError, match="not a revocation state file"):
        load_floor(bad)
    other = tmp_path / "other.json"
    other.write_text('{"schema": "something/v9", "keys": {}}')
    with pytest.raises(ForgeError, match="expected"):
        load_floor(other)


def test_concurrent_updates_under_the_lock_never_lower_the_floor(tmp_path: Path) -> None:
    path = tmp_path / "seen.json"

    def accept(version: int) -> None:
        with locked(path):
            floor = load_floor(path)
            time.sleep(0.001)  # widen the load/save window an unlocked writer would lose an update in
            floor.remember([A], version)
            save_floor(path, floor)

    threads = [threading.Thread(target=accept, args=(v,)) for v in range(1, 31)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert load_floor(path).highest([A]).version == 30  # type: ignore[union-attr]
