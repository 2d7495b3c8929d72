"""The isolated half: build and sandbox checks over a staged working directory. No database, no AWS."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from forge.cms import get_platform
from forge.isolation.runner import Completed, Limits, Runner
from forge.models.job import Step
from forge.models.spec import parse_spec
from forge.packaging.archive import write_tree

INPUT = "input.json"
RESULT = "result.json"


class CheckReport(BaseModel):
    ok: bool
    summary: str
    log: str
    error: str | None = None
    compatibility: list[dict[str, Any]] = []


def _log(results: list[Completed]) -> str:
    return "\n".join(r.describe() for r in results)


def build(workdir: Path, runner: Runner, limits: Limits) -> CheckReport:
    inp = json.loads((workdir / INPUT).read_text())
    platform = get_platform(parse_spec(inp["spec"]).platform)
    plugin = workdir / "plugin"
    php_files = sorted(p.relative_to(plugin).as_posix() for p in plugin.rglob("*.php"))
    results = [runner.run(c.argv, plugin, limits) for c in platform.build_commands(php_files)]
    failed = [r for r in results if not r.ok]
    if failed:
        first = failed[0]
        detail = (first.stderr.strip() or first.stdout.strip()).splitlines()
        return CheckReport(
            ok=False,
            summary=f"{len(failed)} of {len(results)} build checks failed",
            log=_log(results),
            error=f"{' '.join(first.argv)}: {detail[0] if detail else 'failed'}",
        )
    return CheckReport(
        ok=True,
        summary=f"{len(php_files)} PHP files lint clean; {len(results)} checks passed",
        log=_log(results),
    )


def sandbox(workdir: Path, runner: Runner, limits: Limits) -> CheckReport:
    inp = json.loads((workdir / INPUT).read_text())
    spec = parse_spec(inp["spec"])
    platform = get_platform(spec.platform)
    write_tree(dict(platform.sandbox_files()), workdir)
    command = platform.sandbox_command(spec)
    version = runner.run(["php", "-r", "echo PHP_VERSION;"], workdir, limits)
    result = runner.run(command.argv, workdir, limits)
    php_version = version.stdout.strip() or "unknown"
    # Any diagnostic PHP prints (warning, notice, deprecation) fails the step, even with exit 0.
    clean = result.ok and not result.stderr.strip()
    compat = {
        "cms": spec.platform,
        "cms_version": "stand-ins",
        "php_version": php_version,
        "passed": clean,
        "details": {"command": " ".join(command.argv), "exit": result.returncode},
    }
    if not clean:
        reason = (
            "timed out"
            if result.timed_out
            else (result.stderr.strip().splitlines() or [f"exit {result.returncode}"])[0]
        )
        return CheckReport(
            ok=False,
            summary="the plugin does not load cleanly",
            log=result.describe(),
            error=f"sandbox: {reason}",
            compatibility=[compat],
        )
    return CheckReport(
        ok=True,
        summary=f"plugin loaded under PHP {php_version} with no diagnostics",
        log=result.describe(),
        compatibility=[compat],
    )


CHECKS = {Step.BUILD: build, Step.SANDBOX: sandbox}


def stage(workdir: Path, spec_params: dict[str, Any], tree: dict[str, bytes]) -> None:
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / INPUT).write_text(json.dumps({"spec": spec_params}))
    write_tree(tree, workdir / "plugin")
