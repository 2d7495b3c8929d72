"""The approver's authenticator app, for the local runtime only.

Locally anyone who can read FORGE_HOME can mint tokens already; this keeps approvers' TOTP seeds there
too (sealed with the same FORGE_HOME key), so `forge approve` and `forge demo` can produce codes without
a phone. The API still verifies every code, refuses replays and stores nothing differently: only the
source of the code is local. Against a deployed API the approver types the code from their app.
"""

from __future__ import annotations

import fcntl
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from forge.auth import totp
from forge.auth.secret_box import SecretBox


class LocalAuthenticator:
    def __init__(self, auth_dir: Path, box: SecretBox) -> None:
        self.path = auth_dir / "authenticator.json"
        self.box = box

    @contextmanager
    def _locked(self) -> Iterator[dict[str, dict[str, object]]]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            entries = json.loads(self.path.read_text()) if self.path.exists() else {}
            yield entries
            tmp = self.path.with_suffix(".tmp")
            tmp.touch(mode=0o600)
            tmp.write_text(json.dumps(entries))
            tmp.replace(self.path)

    def remember(self, name: str, seed: str) -> None:
        with self._locked() as entries:
            entries[name] = {"sealed": self.box.seal(f"local/{name}", seed.encode()).hex(), "last_step": 0}

    def knows(self, name: str) -> bool:
        return self.path.exists() and name in json.loads(self.path.read_text())

    def next_code(self, name: str) -> str | None:
        """A code the server has not seen from this approver: the current step, or the next one (still in
        the server's drift window) when the current one was handed out; waits when both were."""
        while True:
            with self._locked() as entries:
                entry = entries.get(name)
                if entry is None:
                    return None
                seed = self.box.open(f"local/{name}", bytes.fromhex(str(entry["sealed"]))).decode()
                now = totp.current_step()
                step = max(now, int(str(entry["last_step"])) + 1)
                if step <= now + totp.DRIFT_STEPS:
                    entry["last_step"] = step
                    return totp.code_at_step(seed, step)
            time.sleep(1)
