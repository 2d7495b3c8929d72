"""The Shopify app's build has no network and cannot change the dependency cache it installs from.

The app's own eslint.config.js runs in the Build step (eslint loads it), so a hostile app can run code there. It
tries to reach a port this test listens on and to write into npm's cache: both fail inside the isolation. The same
probe, run outside the isolation against a writable copy, succeeds at both: the probe can tell. A dependency the
forge's cache does not hold cannot be fetched: the build fails at `npm ci --offline`."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from forge.cms.shopify import toolchain
from forge.cms.shopify.platform import PLATFORM
from forge.models.job import Step
from forge.models.spec import load_spec
from forge.pipeline.container.report import CheckReport
from forge.pipeline.container.staging import stage
from tests.isolated_step import isolated_report

REPO = Path(__file__).resolve().parents[2]
PROBE = """
import net from "node:net";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
const reached = await new Promise((resolve) => {
  const socket = net.connect({ host: "127.0.0.1", port: PORT }, () => { socket.destroy(); resolve("reached"); });
  socket.on("error", (error) => resolve(`refused ${error.code}`));
});
let cache = "written";
try { writeFileSync(join(process.env.npm_config_cache ?? "/nonexistent", "planted"), "x"); }
catch (error) { cache = `refused ${error.code}`; }
console.log(`PROBE network=${reached} cache=${cache}`);
export default [];
"""


@pytest.fixture
def listener() -> Iterator[int]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                server.accept()[0].close()
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    server.close()


def _build(tmp_path: Path, tree: dict[str, bytes]) -> CheckReport:
    spec = load_spec(REPO / "examples" / "shopify.yaml")
    stage(tmp_path / "input", spec.model_dump(mode="json"), tree, Step.BUILD)
    return isolated_report(tmp_path / "input", Step.BUILD, wall_seconds=400)


def _app() -> dict[str, bytes]:
    return dict(PLATFORM.render(load_spec(REPO / "examples" / "shopify.yaml")))


def test_the_builds_own_code_reaches_no_network_and_cannot_write_the_cache(tmp_path: Path, listener: int) -> None:
    tree = _app()
    tree["eslint.config.js"] = PROBE.replace("PORT", str(listener)).encode()
    report = _build(tmp_path, tree)
    probe = [line for line in report.log.splitlines() if line.startswith("PROBE ")]
    assert probe, report.log[-3000:]
    assert "network=refused" in probe[0]
    assert "cache=refused EROFS" in probe[0]


def test_the_probe_succeeds_without_the_isolation(tmp_path: Path, listener: int) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(toolchain.folder(), cache)
    (tmp_path / "probe.mjs").write_text(PROBE.replace("PORT", str(listener)))
    done = subprocess.run(
        ["node", "probe.mjs"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "npm_config_cache": str(cache)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "PROBE network=reached cache=written" in done.stdout, done.stdout + done.stderr


def test_a_dependency_the_cache_does_not_hold_fails_the_build(tmp_path: Path) -> None:
    tree = _app()
    manifest, lock = json.loads(tree["package.json"]), json.loads(tree["package-lock.json"])
    manifest["dependencies"]["left-pad"] = "1.3.0"
    lock["packages"][""]["dependencies"]["left-pad"] = "1.3.0"
    lock["packages"]["node_modules/left-pad"] = {
        "version": "1.3.0",
        "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz",
        "integrity": "sha512-XI5MPzVNApjAyhQzphX8BkmKsKUxD4LdyK24iZeQEfOwi/I1ZCK9XLvbVyjcp+L5UpA6Q9w6tddVNH2NWSrCPA==",
        "license": "WTFPL",
    }
    tree["package.json"] = json.dumps(manifest).encode()
    tree["package-lock.json"] = json.dumps(lock).encode()
    report = _build(tmp_path, tree)
    assert not report.ok
    assert report.error is not None
    assert report.error.startswith("npm ci --offline --ignore-scripts:"), report.error
    assert "ENOTCACHED" in report.log or "only-if-cached" in report.log, report.log[-2000:]
