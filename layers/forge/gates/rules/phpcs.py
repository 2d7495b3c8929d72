"""PHP_CodeSniffer with the sniffs Debian's php-codesniffer ships (ruleset: forge/gates/phpcs/ruleset.xml)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

from forge.gates.context import Rule, ScanContext
from forge.gates.findings import Finding, Severity
from forge.isolation.runner import Limits, run_bounded

RULESET = Path(__file__).resolve().parent.parent / "phpcs" / "ruleset.xml"
LIMITS = Limits(cpu_seconds=120, memory_mb=1024, wall_seconds=180)


def _phpcs(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    if not ctx.php:
        return
    binary = shutil.which("phpcs")
    if binary is None:
        yield ctx.hit(rule, ".", 1, "phpcs is not installed (Debian package php-codesniffer): the gate cannot run")
        return
    argv = [
        binary,
        f"--standard={RULESET}",
        "--report=json",
        "-q",
        "--no-colors",
        "--basepath=.",
        "--",
        *sorted(ctx.php),
    ]
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8"}  # noqa: S108 - phpcs writes nothing there
    done = run_bounded(argv, ctx.root, LIMITS, env)
    # phpcs exits 1/2 when it found something; only unreadable output is a failure of the gate itself.
    try:
        report = json.loads(done.stdout)
    except ValueError:
        detail = (done.stderr.strip() or done.stdout.strip() or f"exit {done.returncode}").splitlines()[0]
        yield ctx.hit(rule, ".", 1, f"phpcs did not produce a report: {detail}")
        return
    for path, result in sorted(report.get("files", {}).items()):
        relative = Path(path).as_posix().removeprefix("./")
        for message in result.get("messages", []):
            source = str(message.get("source", "unknown"))
            # A .php file phpcs sees no code in hides it behind short open tags, which PHP may run elsewhere.
            blocking = message.get("type") == "ERROR" or source == "Internal.NoCodeFound"
            severity = Severity.ERROR if blocking else Severity.WARNING
            yield Finding(
                rule=f"phpcs.{source}",
                path=relative,
                line=int(message.get("line") or 1),
                severity=severity,
                message=str(message.get("message", "")),
            )


RULES = (Rule("phpcs", Severity.ERROR, "PHP_CodeSniffer (Debian's sniffs, forge ruleset)", _phpcs),)
