"""Platform knowledge, one folder per platform. Adding a platform = adding a folder with a `platform.py`
that defines `PLATFORM`; nothing outside that folder changes."""

from __future__ import annotations

import importlib

from forge.cms.base import Platform
from forge.errors import ForgeError


def get_platform(name: str) -> Platform:
    try:
        module = importlib.import_module(f"forge.cms.{name}.platform")
    except ModuleNotFoundError:
        raise ForgeError(f"no platform '{name}' in forge.cms") from None
    platform: Platform = module.PLATFORM
    return platform
