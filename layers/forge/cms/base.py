"""What every platform folder provides to the pipeline steps."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from forge.gates.context import Rule
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
class PlatformRun:
    """One run of the plugin inside a real install of its platform (one platform version)."""

    cms_version: str
    ok: bool
    summary: str
    log: str
    checks: list[tuple[str, bool, str]] = field(default_factory=list)
    # plugin_contract_tests rows for the checks that are contracts (the money contracts run against the platform).
    contract_rows: list[TestRow] = field(default_factory=list)


@dataclass(frozen=True)
class SuiteOutcome:
    """The contract suites of the Test step: plugin_contract_tests rows, plugin_compatibilities rows, a log."""

    rows: list[TestRow]
    compatibility: list[CompatibilityRow]
    log: str


def no_spec_rules(data: Mapping[str, Any]) -> list[str]:
    return []


def no_commands() -> list[Command]:
    return []


def no_tool_env(toolchain: Path) -> Mapping[str, str]:
    return {}


@dataclass(frozen=True)
class Toolchain:
    """Read-only files the platform's tools need in the isolated half besides the plugin: a dependency cache the
    trusted side filled from the registry, since build, test and sandbox have no network. `prepare` fills it
    (bootstrap, the build image) and returns its folder; `folder` returns it, or raises ForgeError naming how to
    prepare it. The staging copies it into the staged input's `toolchain/` for the build, test and sandbox steps;
    `env` is the tools' environment, given where that copy is inside the isolated half."""

    prepare: Callable[[], Path]
    folder: Callable[[], Path]
    env: Callable[[Path], Mapping[str, str]] = no_tool_env


@dataclass(frozen=True)
class Platform:
    """Everything the pipeline steps know about a platform; they never name one. A platform folder defines one
    `PLATFORM` in its `platform.py`."""

    name: str
    # spec -> source tree (deterministic, offline).
    render: Callable[[PluginSpec], SourceTree]
    # The plugin's main file inside the tree (the one the platform loads first).
    main_file: Callable[[PluginSpec], str]
    # Build: the platform gets every path of the tree and returns the commands that must all exit 0 (its
    # toolchain: linters, manifest validators).
    build_commands: Callable[[list[str]], list[Command]]
    # Test: one command writing JUnit XML to the path it is given.
    test_command: Callable[[str], Command]
    # Sandbox with stand-ins: files of the forge's own (stand-ins, harness), keyed by their path in the working
    # directory (so under `sandbox/`), and the command that loads the plugin against them. The command must exit 0
    # and print nothing on stderr.
    sandbox_files: Callable[[], Mapping[str, bytes]]
    sandbox_command: Callable[[PluginSpec], Command]
    # Real-platform sandbox (optional). `stage_platform` runs in the trusted half: it copies what the real platform
    # needs into the staged input and returns what the isolated half needs to know (JSON-able; {"error": ...} when
    # the platform's builds are missing). `run_platform` runs in the isolated half, one PlatformRun per platform
    # version: (spec, staged input (read-only), work folder holding plugin/, what stage_platform returned, limits).
    stage_platform: Callable[[PluginSpec, Path], dict[str, Any]] | None = None
    run_platform: Callable[[PluginSpec, Path, Path, dict[str, Any], Any], list[PlatformRun]] | None = None
    # Contract suites (optional), run by the Test step after the plugin's own tests:
    # (spec, working directory holding plugin/, isolated runner, limits, allowlisted hosts) -> SuiteOutcome.
    contract_suites: Callable[[PluginSpec, Path, Any, Any, list[str]], SuiteOutcome] | None = None
    # Why the platform's sandbox could not test a spec (optional): problems, each naming its field; the spec is refused
    # when it is accepted (forge.cms.refuse_untestable, from forge.cms.spec_acceptance).
    untestable: Callable[[PluginSpec], list[str]] | None = None
    # The platform's own analyser rule families (its marketplace's review rules), run by the Build step's scan
    # beside the platform-neutral ones of forge.gates.registry.
    analyser_rules: tuple[Rule, ...] = ()
    # The platform's own spec rules (its marketplace's naming rules, ...), on the raw spec data: one message per
    # problem, each starting with the field it is about ("slug: ...").
    check_spec: Callable[[Mapping[str, Any]], list[str]] = no_spec_rules
    # What the published JSON Schema adds for a spec naming this platform (a JSON Schema `then` clause).
    spec_schema: Mapping[str, Any] = field(default_factory=dict)
    # LLM generation: (role line, requirements) of the system prompt, the files the model must write besides the
    # main file, and the files the forge writes itself (stand-ins, binaries): the model may not.
    generation_brief: tuple[str, str] = ("", "")
    generated_required: tuple[str, ...] = ()
    forge_owned: tuple[str, ...] = ()
    # Paths (fnmatch patterns) that never go into the distributable zip.
    dist_exclude: tuple[str, ...] = field(default_factory=tuple)
    folder: Path = Path()
    # The dependency cache and tool environment of the build, test and sandbox steps (None: the tools need neither).
    toolchain: Toolchain | None = None
    # Commands that install the plugin's dependencies and build it (from the toolchain, offline), run in `plugin/`
    # before the test command and before the sandbox command: each of those phases starts from a fresh copy.
    install_commands: Callable[[], list[Command]] = no_commands
    # Address space (MB) the platform's tools need at least (Node.js reserves more than PHP): the isolated half raises
    # the tools' limit to it, never above its own.
    tool_memory_mb: int = 0
    # The runtime whose version the Sandbox step records beside its results (plugin_compatibilities.php_version).
    runtime_version: Command = Command(argv=("php", "-r", "echo PHP_VERSION;"), label="PHP version")
    # Which lock file the SBOM lists the dependencies of (forge.packaging.sbom.LOCK_READERS).
    lockfile: str = "composer"
    # Where `forge package DIR` reads a folder's slug, version and name (plugin_header.IDENTITY_READERS).
    identity: str = "plugin-header"
