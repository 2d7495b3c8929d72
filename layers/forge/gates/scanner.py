"""`scan(folder)`: run every registered rule over a plugin folder and collect the findings."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from pathlib import Path

from forge.errors import ForgeError
from forge.gates.context import Rule, ScanContext
from forge.gates.findings import Finding, ScanReport, Severity
from forge.gates.registry import RULES, rule_ids, unknown_selections

# Anything bigger is not plugin source; it is reported, not read whole into memory.
MAX_FILE_BYTES = 8 * 1024 * 1024


def _whole_file(rule: str, path: str, message: str, severity: Severity = Severity.ERROR) -> Finding:
    """A finding about a file as a whole, reported at its first line."""
    return Finding(rule=rule, path=path, line=1, severity=severity, message=message)


def _read_tree(root: Path, exclude: tuple[str, ...]) -> tuple[dict[str, bytes], list[Finding]]:
    files: dict[str, bytes] = {}
    problems: list[Finding] = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if any(fnmatch.fnmatch(relative, p) for p in exclude):
            continue
        if path.is_symlink():
            problems.append(_whole_file("files.symlink", relative, "symbolic link: it may point outside the plugin"))
            continue
        if not path.is_file():
            continue
        if path.stat().st_size > MAX_FILE_BYTES:
            problems.append(_whole_file("files.binary", relative, f"file larger than {MAX_FILE_BYTES} bytes"))
            files[relative] = path.read_bytes()[:8192]
            continue
        files[relative] = path.read_bytes()
    return files, problems


def scan(
    root: Path,
    allowed_hosts: Iterable[str],
    slug: str | None = None,
    only: Iterable[str] | None = None,
    exclude: Iterable[str] = (),
    platform_rules: Sequence[Rule] = (),
) -> ScanReport:
    """Scan a plugin folder. `only` limits the run to rule ids (or id prefixes such as `exec.`); `exclude`
    (fnmatch patterns, as the platform's dist_exclude) leaves out files that never ship; `platform_rules` (the
    platform's analyser_rules) run after the platform-neutral ones."""
    if not root.is_dir():
        raise ForgeError(f"{root} is not a folder")
    files, findings = _read_tree(root, tuple(exclude))
    ctx = ScanContext(
        root=root, files=files, allowed_hosts=frozenset(h.lower() for h in allowed_hosts), slug_override=slug
    )
    selected = tuple(only or ())
    if unknown := unknown_selections(selected, platform_rules):
        known = ", ".join(rule_ids(platform_rules))
        raise ForgeError(f"unknown rule id or prefix: {', '.join(unknown)} (known: {known})")
    message = "tree-sitter could not parse all of this file; rules saw a partial tree"
    parsed = [("php.parse", p, f.has_syntax_errors) for p, f in ctx.php.items()]
    parsed += [("js.parse", p, f.has_syntax_errors) for p, f in ctx.js.items()]
    findings += [_whole_file(rule, path, message, Severity.WARNING) for rule, path, broken in parsed if broken]
    for rule in (*RULES, *platform_rules):
        if selected and not any(rule.id == s or rule.id.startswith(s) for s in selected):
            continue
        findings.extend(rule.check(rule, ctx))
    unique = {(f.rule, f.path, f.line, f.message): f for f in findings}
    ordered = sorted(unique.values(), key=lambda f: (f.severity is not Severity.ERROR, f.path, f.line, f.rule))
    return ScanReport(root=str(root), files_scanned=len(files), findings=ordered)
