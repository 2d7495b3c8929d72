"""THE workflow definition: statemachine/forge.asl.json, read by the local runtime and by the CDK stack."""

from __future__ import annotations

import json
import re
from typing import Any

from forge.errors import ForgeError
from forge.paths import definition_file

PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


def load_definition_text() -> str:
    return definition_file().read_text(encoding="utf-8")


def placeholders(text: str | None = None) -> set[str]:
    return set(PLACEHOLDER.findall(text if text is not None else load_definition_text()))


def substitute(substitutions: dict[str, str], text: str | None = None) -> str:
    """What Step Functions' DefinitionSubstitutions does, for the local runtime."""
    text = text if text is not None else load_definition_text()
    missing = placeholders(text) - substitutions.keys()
    if missing:
        raise ForgeError(f"no substitution for {', '.join(sorted(missing))}")
    result = PLACEHOLDER.sub(lambda m: substitutions[m[1]], text)
    json.loads(result)
    return result


def states(text: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(text if text is not None else load_definition_text())["States"]
    return found
