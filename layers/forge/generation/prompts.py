"""What the forge asks a model: the requirements, the spec, and on a repair the failure to fix."""

from __future__ import annotations

import json
from dataclasses import dataclass

from forge.cms import get_platform
from forge.generation import Feedback
from forge.models.spec import PluginSpec

MAX_LOG_CHARS = 20_000
MAX_PREVIOUS_CHARS = 400_000

# Between the platform's role line and its requirements (Platform.generation_brief): the answer's shape.
ANSWER_FORMAT = (
    'Answer ONLY with the JSON object {"files": [{"path": "...", "content": "..."}]} holding every file of the '
    "plugin.\n"
    "Paths are relative POSIX paths inside the plugin folder; no hidden files, no binaries."
)


@dataclass(frozen=True)
class Prompt:
    system: str
    user: str

    def audit_text(self) -> str:
        """The prompt as recorded in sira_generation_audit."""
        return f"[system]\n{self.system}\n\n[user]\n{self.user}"


def _previous_files(feedback: Feedback) -> str:
    parts: list[str] = []
    size = 0
    for path in sorted(feedback.previous):
        text = feedback.previous[path].decode("utf-8", "replace")
        if size + len(text) > MAX_PREVIOUS_CHARS:
            parts.append(f"(further files omitted: over {MAX_PREVIOUS_CHARS} characters)")
            break
        size += len(text)
        parts.append(f"--- {path}\n{text}")
    return "\n".join(parts)


def build_prompt(spec: PluginSpec, feedback: Feedback | None = None) -> Prompt:
    platform = get_platform(spec.platform)
    spec_json = json.dumps(spec.model_dump(mode="json"), indent=2, sort_keys=True)
    user = f"Plugin spec (JSON):\n{spec_json}\n\nMain file: {platform.main_file(spec)}"
    if feedback is not None:
        logs = feedback.logs[-MAX_LOG_CHARS:]
        user += (
            f"\n\nRepair attempt {feedback.attempt}: your previous plugin failed the {feedback.step} step.\n"
            f"Error: {feedback.error}\n\nLogs (tail):\n{logs}\n"
        )
        if feedback.previous:
            user += f"\nYour previous files:\n{_previous_files(feedback)}\n"
        user += "\nAnswer with the complete corrected plugin (every file, not a diff)."
    role, requirements = platform.generation_brief
    return Prompt(system=f"{role}\n{ANSWER_FORMAT}\n{requirements}", user=user)
