"""The ops UI, as its users use it: sign-in, a job followed to its approval, two approvers deciding with their TOTP
codes from two browser sessions, a rejection, a revoke, and the role limits (ops sees no admin action, and a forced
admin call shows the API's 403 as the API words it). axe-core checks every screen for serious or critical
accessibility violations. The tests run in file order: later ones use the jobs the first ones followed."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyotp
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from forge.cli.client import ForgeClient, spec_payload
from forge.local.runtime import LocalRuntime
from tests.e2e.conftest import EXAMPLE, client_for, wait_for
from tests.ui.conftest import assert_accessible, go, screenshot, sign_in, text_appears, visible

pytestmark = pytest.mark.ui
Browsers = Callable[[], WebDriver]


@pytest.fixture(scope="module")
def jobs(runtime: LocalRuntime) -> dict[str, Any]:
    """Two jobs of erin's on the same slug, submitted together (the pipeline runs them side by side), and two
    enrolled approvers whose authenticator secrets the test holds."""
    erin = client_for(runtime, "erin")
    first = erin.submit(spec_payload(EXAMPLE))
    second = erin.submit(spec_payload(EXAMPLE))
    admin = ForgeClient(runtime.api_url, user="ada", role="admin")
    secrets = {name: admin.enroll(name)["secret"] for name in ("alice", "bob")}
    return {"first": first["id"], "second": second["id"], "secrets": secrets, "erin": erin}


def totp(secret: str, steps_ahead: int = 0) -> str:
    """The approver's authenticator app; a later step (within the allowed drift) when this step's code is spent."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def test_sign_in_needs_the_key_and_lands_on_the_dashboard(runtime: LocalRuntime, browsers: Browsers) -> None:
    driver = browsers()
    sign_in(driver, runtime, "erin", key="not-the-key")
    text_appears(driver, "[data-testid=api-error]", "wrong sign-in key")
    assert_accessible(driver, "sign-in")
    sign_in(driver, runtime, "erin")
    text_appears(driver, "[data-testid=who]", "erin (ops)")
    assert "sign-in-key" not in driver.current_url, "the key must leave the address bar"
    visible(driver, "[data-testid=counts]")
    assert_accessible(driver, "dashboard")


def test_a_job_is_followed_to_its_approval(
    runtime: LocalRuntime, browsers: Browsers, jobs: dict[str, Any], tmp_path: Path
) -> None:
    driver = browsers()
    sign_in(driver, runtime, "erin")
    text_appears(driver, "[data-testid=who]", "erin")
    visible(driver, f"a[href='/jobs/{jobs['first']}']").click()
    text_appears(driver, "h1", jobs["first"])
    text_appears(driver, "[data-testid=timeline]", "build", timeout=60)
    assert "(live)" in driver.find_element(By.XPATH, "//h2[starts-with(., 'Logs')]").text
    assert_accessible(driver, "job timeline")
    text_appears(driver, "main", "Review for approval", timeout=180)
    log = driver.find_element(By.CSS_SELECTOR, "pre.log").text
    assert "generated 19 files" in log or "produced" in log
    driver.find_element(By.LINK_TEXT, "Review for approval").click()
    text_appears(driver, "h1", "Review")
    # The requester cannot approve their own job: the buttons are disabled and say why.
    text_appears(driver, "[data-testid=cannot-decide]", "You requested this job")
    approve = driver.find_element(By.XPATH, "//button[.='Approve']")
    assert not approve.is_enabled()
    text_appears(driver, "[data-testid=diff-summary]", "files changed")
    assert_accessible(driver, "approval review")


def test_two_approvers_approve_with_totp_from_two_sessions(
    runtime: LocalRuntime, browsers: Browsers, jobs: dict[str, Any], tmp_path: Path
) -> None:
    package_id = jobs["erin"].job(jobs["first"])["job"]["package_id"]
    alice, bob = browsers(), browsers()
    sign_in(alice, runtime, "alice")
    sign_in(bob, runtime, "bob")
    for driver in (alice, bob):
        text_appears(driver, "[data-testid=who]", "(ops)")
    go(alice, runtime, "/approvals")
    visible(alice, f"a[href='/approvals/{package_id}']").click()
    text_appears(alice, "h1", "Review")
    visible(alice, "[data-testid=contract-summary]")
    screenshot(alice, "ui-approvals.png", tmp_path)
    assert_accessible(alice, "approvals queue → review")
    visible(alice, "#totp").send_keys(totp(jobs["secrets"]["alice"]))
    alice.find_element(By.ID, "comment").send_keys("diff and tests look right")
    alice.find_element(By.XPATH, "//button[.='Approve']").click()
    text_appears(alice, "[data-testid=decision-result]", "alice approved")
    go(bob, runtime, f"/approvals/{package_id}")
    text_appears(bob, "[data-testid=decisions]", "alice (plugin_forge_ops) approved")
    visible(bob, "#totp").send_keys(totp(jobs["secrets"]["bob"]))
    bob.find_element(By.XPATH, "//button[.='Approve']").click()
    text_appears(bob, "[data-testid=decision-result]", "workflow was released")
    done = wait_for(jobs["erin"], jobs["first"], ("success", "failed"))
    assert done["job"]["status"] == "success", done["job"]["error"]
    go(alice, runtime, "/")
    text_appears(alice, "[data-testid=jobs]", "success")
    screenshot(alice, "ui-dashboard.png", tmp_path)


def test_a_rejection_fails_the_job_with_the_reason(
    runtime: LocalRuntime, browsers: Browsers, jobs: dict[str, Any]
) -> None:
    detail = wait_for(jobs["erin"], jobs["second"], ("awaiting_approval", "failed", "cancelled"))
    assert detail["job"]["status"] == "awaiting_approval", detail["job"]["error"]
    driver = browsers()
    sign_in(driver, runtime, "alice")
    text_appears(driver, "[data-testid=who]", "alice")
    go(driver, runtime, f"/approvals/{detail['job']['package_id']}")
    # The first job is published now: this one is reviewed against it.
    text_appears(driver, "h2#diff-title", "since published 1.0.0")
    # alice's code of this 30 s step is spent on the first job: her app's next one (within the allowed drift).
    visible(driver, "#totp").send_keys(totp(jobs["secrets"]["alice"], steps_ahead=1))
    driver.find_element(By.ID, "comment").send_keys("wrong brand colours")
    driver.find_element(By.XPATH, "//button[.='Reject']").click()
    text_appears(driver, "[data-testid=decision-result]", "alice rejected; the request is rejected")
    failed = wait_for(jobs["erin"], jobs["second"], ("failed", "success"))
    assert failed["job"]["status"] == "failed"
    assert "wrong brand colours" in (failed["job"]["error"] or "")


def test_ops_sees_no_admin_action_and_a_forced_one_shows_the_apis_403(
    runtime: LocalRuntime, browsers: Browsers, jobs: dict[str, Any]
) -> None:
    package_id = jobs["erin"].job(jobs["first"])["job"]["package_id"]
    driver = browsers()
    sign_in(driver, runtime, "olga", "ops")
    text_appears(driver, "[data-testid=who]", "olga (ops)")
    go(driver, runtime, "/packages")
    text_appears(driver, "[data-testid=packages]", "published")
    assert driver.find_elements(By.LINK_TEXT, "Revoke") == []
    assert_accessible(driver, "packages")
    go(driver, runtime, "/keys")
    visible(driver, "[data-testid=keys]")
    assert driver.find_elements(By.ID, "rotation-title") == []
    assert_accessible(driver, "keys")
    go(driver, runtime, f"/packages/{package_id}/revoke")
    visible(driver, "#reason").send_keys("forcing an admin action")
    driver.find_element(By.XPATH, "//button[.='Revoke']").click()
    text_appears(driver, "[data-testid=api-error]", "403 forbidden: this action needs the pay_admin role")


def test_an_admin_revokes_a_published_package(runtime: LocalRuntime, browsers: Browsers, jobs: dict[str, Any]) -> None:
    package_id = jobs["erin"].job(jobs["first"])["job"]["package_id"]
    driver = browsers()
    sign_in(driver, runtime, "ada", "admin")
    text_appears(driver, "[data-testid=who]", "ada (admin)")
    go(driver, runtime, "/packages")
    visible(driver, f"a[href='/packages/{package_id}/revoke']").click()
    visible(driver, "#reason").send_keys("key material leaked in a support ticket")
    assert_accessible(driver, "revoke")
    driver.find_element(By.XPATH, "//button[.='Revoke']").click()
    text_appears(driver, "[data-testid=revoked]", "Revoked; revocation list v")
    assert jobs["erin"].package(package_id)["package"]["status"] == "revoked"
    go(driver, runtime, "/keys")
    visible(driver, "#rotation-title")
