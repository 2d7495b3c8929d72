"""How the isolated half runs a platform's tools: with the environment its toolchain asks for (where the staged
dependency cache is) and the address space its runtime needs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from forge.cms.base import Platform
from forge.isolation.runner import Completed, Limits, Runner, with_memory_at_least
from forge.pipeline.container.staging import TOOLCHAIN


@dataclass(frozen=True)
class ToolRunner:
    """A Runner that gives every command the platform's tool environment (what a caller passes comes on top)."""

    runner: Runner
    env: Mapping[str, str]

    def run(
        self, argv: Sequence[str], cwd: Path, limits: Limits = Limits(), env: Mapping[str, str] | None = None
    ) -> Completed:
        try:
            return self.runner.run(argv, cwd, limits, {**self.env, **(env or {})})
        except OSError as exc:
            # A tool an earlier command should have installed (node_modules/.bin/tsc after a failed npm ci) is a
            # failed check like any other, not a crash of the whole step.
            return Completed(tuple(argv), 127, "", f"{argv[0]}: cannot run: {exc.strerror or exc}", 0)


def platform_tools(platform: Platform, staged: Path, runner: Runner, limits: Limits) -> tuple[ToolRunner, Limits]:
    env = platform.toolchain.env(staged / TOOLCHAIN) if platform.toolchain is not None else {}
    return ToolRunner(runner, env), with_memory_at_least(limits, platform.tool_memory_mb)


def install(platform: Platform, cwd: Path, runner: Runner, limits: Limits) -> list[Completed]:
    """The platform's install commands in `cwd` (its plugin folder), up to the first that fails."""
    done: list[Completed] = []
    for command in platform.install_commands():
        done.append(runner.run(command.argv, cwd, limits))
        if not done[-1].ok:
            break
    return done
