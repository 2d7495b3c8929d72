"""What every platform folder provides to the pipeline steps."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from forge.models.results import CompatibilityRow, TestRow
from forge.models.spec import PluginSpec

# A generated plugin: relative POSIX path -> file content. Rendering the same spec twice gives equal trees.
SourceTree = Mapping[str, bytes]


@dataclass(frozen=True)
class Command:
    """A tool invocation the pipeline runs inside the isolation sandbox.

    The isolated working directory holds `plugin/` (the plugin tree) and, for the sandbox step,
    `sandbox/` (the platform's stand-ins and harness). Build and test commands run in `plugin/`;
    the sandbox command runs in the working directory itself.
    """

    argv: tuple[str, ...]
    label: str


@dataclass(frozen=True)
class SiteRun:
    """One run of the plugin inside a real install of its platform (one platform version)."""

    cms_version: str
    ok: bool
    summary: str
    log: str
    checks: list[tuple[str, bool, str]] = field(default_factory=list)
    # plugin_contract_tests rows for the checks that are contracts (the money contracts run against the site).
    contract_rows: list[TestRow] = field(default_factory=list)


@dataclass(frozen=True)
class SuiteOutcome:
    """The contract suites of the Test step: plugin_contract_tests rows, plugin_compatibilities rows, a log."""

    rows: list[TestRow]
    compatibility: list[CompatibilityRow]
    log: str


@dataclass(frozen=True)
class Platform:
    name: str
    # spec -> source tree (deterministic, offline).
    render: Callable[[PluginSpec], SourceTree]
    # The plugin's main file inside the tree (the one with the plugin headers).
    main_file: Callable[[PluginSpec], str]
    # Build: commands that must all exit 0; `php_files` names every PHP file, each is linted.
    build_commands: Callable[[list[str]], list[Command]]
    # Test: one command writing JUnit XML to the path it is given.
    test_command: Callable[[str], Command]
    # Sandbox: files of the forge's own (stand-ins, harness), keyed by their path in the working directory
    # (so under `sandbox/`), and the command
    # that loads the plugin against them. The command must exit 0 and print nothing on stderr.
    sandbox_files: Callable[[], Mapping[str, bytes]]
    sandbox_command: Callable[[PluginSpec], Command]
    # Real-platform sandbox (optional). `stage_site` runs in the trusted half: it copies what the site needs into
    # the staged input and returns what the isolated half needs to know (JSON-able; {"error": ...} when the
    # platform builds are missing). `run_site` runs in the isolated half, one SiteRun per platform version:
    # (spec, staged input (read-only), work folder holding plugin/, what stage_site returned, limits).
    stage_site: Callable[[PluginSpec, Path, str | None], dict[str, Any]] | None = None
    run_site: Callable[[PluginSpec, Path, Path, dict[str, Any], Any], list[SiteRun]] | None = None
    # Contract suites (optional), run by the Test step after the plugin's own tests:
    # (spec, working directory holding plugin/, isolated runner, limits, allowlisted hosts) -> SuiteOutcome.
    contract_suites: Callable[[PluginSpec, Path, Any, Any, list[str]], SuiteOutcome] | None = None
    # Why the platform's sandbox could not test a spec (optional): problems, each naming its field; the spec is refused
    # when it is accepted (forge.cms.refuse_untestable).
    untestable: Callable[[PluginSpec], list[str]] | None = None
    # Paths (fnmatch patterns) that never go into the distributable zip.
    dist_exclude: tuple[str, ...] = field(default_factory=tuple)
    folder: Path = Path()
