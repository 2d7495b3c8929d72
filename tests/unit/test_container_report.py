"""The one shape the trusted half accepts from an isolated half: what does not fit is refused, not recorded."""

from __future__ import annotations

import base64
import json

import pytest
from pydantic import ValidationError

from forge.pipeline.container.report import CheckReport


def _report(**changes: object) -> bytes:
    data: dict[str, object] = {"ok": True, "summary": "s", "log": "l", **changes}
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    "rows",
    [
        [{"suite": "unit", "name": "t", "result": "passed-trust-me"}],
        [{"suite": "anything", "name": "t", "result": "pass"}],
        [{"suite": "unit", "name": "", "result": "pass"}],
    ],
)
def test_rows_outside_the_tables_constraints_are_refused(rows: list[dict[str, object]]) -> None:
    with pytest.raises(ValidationError):
        CheckReport.model_validate_json(_report(contract_tests=rows))


def test_success_beside_a_failing_row_contradicts_itself() -> None:
    failing = [{"suite": "unit", "name": "t", "result": "fail"}]
    assert CheckReport.model_validate_json(_report(contract_tests=failing)).contradicts_itself()
    broken_site = [{"cms": "woocommerce", "cms_version": "6.5", "php_version": "8.2", "passed": False}]
    assert CheckReport.model_validate_json(_report(compatibility=broken_site)).contradicts_itself()
    assert not CheckReport.model_validate_json(_report(ok=False, contract_tests=failing)).contradicts_itself()


def test_the_junit_report_travels_as_base64_bytes_unchanged() -> None:
    junit = b"<testsuites>\xff\x00</testsuites>"
    report = CheckReport.model_validate_json(_report(test_report=base64.b64encode(junit).decode()))
    assert report.test_report == junit
    assert CheckReport.model_validate_json(report.model_dump_json()).test_report == junit
