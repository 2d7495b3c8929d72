"""Platform knowledge, one folder per platform. Adding a platform = adding a folder with a `platform.py`
that defines `PLATFORM`; nothing outside that folder changes."""

from __future__ import annotations

import importlib

from forge.cms.base import Platform
from forge.errors import ForgeError, SpecError
from forge.models.spec import PluginSpec


def get_platform(name: str) -> Platform:
    try:
        module = importlib.import_module(f"forge.cms.{name}.platform")
    except ModuleNotFoundError:
        raise ForgeError(f"no platform '{name}' in forge.cms") from None
    platform: Platform = module.PLATFORM
    return platform


def refuse_untestable(spec: PluginSpec, source: str = "spec") -> PluginSpec:
    """The spec, unless its platform's sandbox could not test it (SpecError naming why). Checked where a spec is
    accepted (a job's submission, `forge run`, `forge generate`), like the API host allowlist: a stored spec is read
    back without it."""
    platform = get_platform(spec.platform)
    problems = platform.untestable(spec) if platform.untestable is not None else []
    if problems:
        raise SpecError(source, problems)
    return spec
