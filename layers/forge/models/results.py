"""What the Build, Test and Sandbox steps found, as the rows they become: plugin_contract_tests (one per test case
of the plugin's own suite or of the forge's contracts) and plugin_compatibilities (one per platform/PHP version)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

TestSuite = Literal["unit", "events", "webhooks", "permissions", "compatibility"]
TestResult = Literal["pass", "fail", "skip"]


class TestRow(BaseModel):
    """One plugin_contract_tests row as a step reports it."""

    __test__ = False  # not a pytest class, whatever its name

    suite: TestSuite
    name: str = Field(min_length=1, max_length=500)
    result: TestResult
    details: dict[str, Any] = {}


class CompatibilityRow(BaseModel):
    """One plugin_compatibilities row as a step reports it."""

    cms: str = Field(min_length=1, max_length=100)
    cms_version: str = Field(min_length=1, max_length=200)
    php_version: str = Field(min_length=1, max_length=100)
    passed: bool
    details: dict[str, Any] = {}


class _Stored(BaseModel):
    model_config = ConfigDict(from_attributes=True, extra="ignore")


class StoredTestRow(_Stored):
    """A plugin_contract_tests row as recorded: the latest result of one test of one suite."""

    test_suite: str
    test_name: str
    result: str
    details: dict[str, Any]
    job_id: UUID | None
    created_at: datetime


class StoredCompatibilityRow(_Stored):
    """A plugin_compatibilities row as recorded."""

    cms: str
    cms_version: str
    php_version: str
    tested: bool
    test_result: str
    details: dict[str, Any]
    updated_at: datetime
