"""The check lines a platform's stand-in driver prints (one JSON object per line: suite, name, ok, detail), as the
contract rows the Test step records. One reading for every platform whose driver speaks it."""

from __future__ import annotations

import json

from forge.models.results import TestRow

MAX_DETAIL = 2000


def check_row(suite: str, name: str, ok: bool, detail: str) -> TestRow:
    return TestRow.model_validate(
        {"suite": suite, "name": name, "result": "pass" if ok else "fail", "details": {"detail": detail[:MAX_DETAIL]}}
    )


def rows_from_check_lines(stdout: str) -> list[TestRow]:
    """Every check line of the driver's output; anything else on stdout is ignored."""
    rows = []
    for line in stdout.splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if isinstance(item, dict) and {"suite", "name", "ok"} <= item.keys():
            rows.append(check_row(str(item["suite"]), str(item["name"]), bool(item["ok"]), str(item.get("detail", ""))))
    return rows
