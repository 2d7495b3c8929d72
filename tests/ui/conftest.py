"""The ops UI in a real browser: Debian's chromium driven through Debian's chromium-driver (selenium), against a
local runtime of the module's own that serves the built UI (ui/dist) beside the API. Nothing is downloaded."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from forge.local.runtime import LocalRuntime
from forge.local.ui_files import default_ui_root

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "ui" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WAIT_SECONDS = 30
# Screenshots for the docs: written to docs/ when FORGE_UI_SCREENSHOTS=1, else to the test's own folder.
SCREENSHOTS = os.environ.get("FORGE_UI_SCREENSHOTS") == "1"


@pytest.fixture(scope="module")
def runtime(
    tmp_path_factory: pytest.TempPathFactory, module_database: Callable[[], str], softhsm_token: dict[str, str]
) -> Iterator[LocalRuntime]:
    from tests.e2e.conftest import local_runtime

    for needed in (CHROMIUM, CHROMEDRIVER):
        assert shutil.which(needed), f"{needed} is missing: ./scripts/bootstrap.sh installs chromium and its driver"
    assert (default_ui_root() / "index.html").is_file(), "ui/dist is not built: ./scripts/bootstrap.sh builds it"
    assert AXE.is_file(), "axe-core is not installed: ./scripts/bootstrap.sh runs npm ci in ui/"
    with local_runtime(
        tmp_path_factory.mktemp("forge-home"), module_database(), **softhsm_token, FORGE_MIN_APPROVALS="2"
    ) as rt:
        yield rt


@pytest.fixture(scope="module")
def browsers() -> Iterator[Callable[[], WebDriver]]:
    """New browser sessions (each its own profile and sessionStorage), all closed at the end of the module."""
    opened: list[WebDriver] = []

    def new_browser() -> WebDriver:
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000"):
            options.add_argument(arg)
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        opened.append(driver)
        return driver

    yield new_browser
    for driver in opened:
        driver.quit()


def wait(driver: WebDriver, timeout: float = WAIT_SECONDS) -> WebDriverWait[WebDriver]:
    return WebDriverWait(driver, timeout)


def visible(driver: WebDriver, css: str, timeout: float = WAIT_SECONDS) -> Any:
    return wait(driver, timeout).until(expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, css)))


def text_appears(driver: WebDriver, css: str, text: str, timeout: float = WAIT_SECONDS) -> None:
    try:
        wait(driver, timeout).until(expected_conditions.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))
    except TimeoutException:
        shown = driver.find_element(By.TAG_NAME, "body").text
        raise AssertionError(f"{text!r} never appeared in {css}; the page shows:\n{shown[-3000:]}") from None


def sign_in(driver: WebDriver, runtime: LocalRuntime, user: str, role: str = "ops", key: str | None = None) -> None:
    url = runtime.ui_url if key is None else f"{runtime.api_url}/#sign-in-key={key}"
    driver.get("about:blank")  # a URL that differs only in its fragment would not load the page again
    driver.get(url)
    visible(driver, "#user").send_keys(user)
    Select(driver.find_element(By.ID, "role")).select_by_value(role)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()


def go(driver: WebDriver, runtime: LocalRuntime, path: str) -> None:
    driver.get(runtime.api_url + path)


def axe_violations(driver: WebDriver) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    driver.execute_script(AXE.read_text())
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations), e => done([{id: String(e)}]));"
    )
    return [
        {"id": v["id"], "impact": v.get("impact"), "nodes": [n["target"] for n in v.get("nodes", [])][:3]}
        for v in result
        if v.get("impact") in ("serious", "critical") or "impact" not in v
    ]


def assert_accessible(driver: WebDriver, screen: str) -> None:
    violations = axe_violations(driver)
    assert violations == [], f"{screen}: {violations}"


def screenshot(driver: WebDriver, name: str, tmp: Path) -> Path:
    target = (REPO / "docs" / name) if SCREENSHOTS else tmp / name
    driver.save_screenshot(str(target))
    return target
