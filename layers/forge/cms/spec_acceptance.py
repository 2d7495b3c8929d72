"""Accepting a spec: the spec model's rules (forge.models.spec), then the rules of the spec's platform
(Platform.check_spec), every problem named at once. The published JSON Schema is composed the same way.

`python -m forge.cms.spec_acceptance > docs/plugin-spec.schema.json` regenerates the schema."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from forge.cms import get_platform, refuse_untestable
from forge.errors import SpecError
from forge.models.spec import PLATFORM_FIELDS, PluginSpec, parse_spec, read_spec_file
from forge.models.spec import spec_json_schema as model_schema


def _platform_problems(data: Any) -> list[str]:
    if not isinstance(data, dict) or data.get("platform") not in PLATFORM_FIELDS:
        return []
    return get_platform(data["platform"]).check_spec(data)


def accept_spec(data: Any, source: str = "spec", allowed_hosts: Iterable[str] | None = None) -> PluginSpec:
    """A spec being accepted (job submission, `forge run`): the model's rules and its platform's, all reported."""
    problems = _platform_problems(data)
    try:
        spec = parse_spec(data, source, allowed_hosts)
    except SpecError as exc:
        raise SpecError(source, [*exc.problems, *problems]) from None
    if problems:
        raise SpecError(source, problems)
    return refuse_untestable(spec, source)


def accept_spec_file(path: Path, allowed_hosts: Iterable[str] | None = None) -> PluginSpec:
    return accept_spec(read_spec_file(path), str(path), allowed_hosts)


def spec_json_schema() -> dict[str, Any]:
    """docs/plugin-spec.schema.json: the model's schema, and for each platform what it adds to a spec naming it."""
    schema = model_schema()
    parts = []
    for name in sorted(PLATFORM_FIELDS):
        extra = get_platform(name).spec_schema
        if extra:
            parts.append({"if": {"properties": {"platform": {"const": name}}}, "then": extra})
    return {**schema, "allOf": parts} if parts else schema


def spec_json_schema_text() -> str:
    return json.dumps(spec_json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":  # `python -m forge.cms.spec_acceptance > docs/plugin-spec.schema.json`
    import sys

    sys.stdout.write(spec_json_schema_text())
