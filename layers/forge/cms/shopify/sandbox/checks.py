"""The stand-in's results: one check per line of JSON on stdout ({"suite", "name", "ok", "detail"}), the format
the PrestaShop driver prints too, so the Sandbox step's log records them and the Test step turns them into
plugin_contract_tests rows."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, field

# The four contract suites of the Test step.
SUITES = ("events", "webhooks", "permissions", "compatibility")


@dataclass(frozen=True)
class Check:
    suite: str
    name: str
    ok: bool
    detail: str = ""


@dataclass
class Checks:
    found: list[Check] = field(default_factory=list)

    def add(self, suite: str, name: str, ok: bool, detail: str = "") -> bool:
        check = Check(suite, name, bool(ok), detail[:2000])
        self.found.append(check)
        sys.stdout.write(json.dumps(asdict(check)) + "\n")
        sys.stdout.flush()
        return check.ok

    @property
    def ok(self) -> bool:
        return bool(self.found) and all(c.ok for c in self.found)
