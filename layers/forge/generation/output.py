"""What a model may answer: a list of text files with safe relative paths, within size limits.

Nothing a model writes is trusted: every path and content is checked here, and every problem is
reported at once so a repair attempt can fix them all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from forge.errors import ForgeError

MAX_FILES = 200
MAX_FILE_BYTES = 256 * 1024
MAX_TOTAL_BYTES = 2 * 1024 * 1024
MAX_PATH_CHARS = 200
MAX_DEPTH = 8
# Text formats the platforms' plugins ship (.tpl: Smarty templates; .ts, .toml: a Node app and its manifests); anything
# else (images, archives, executables) is refused: a platform's binary files are the forge's own (Platform.forge_owned).
ALLOWED_SUFFIXES = (
    ".php", ".tpl", ".txt", ".md", ".json", ".js", ".ts", ".toml", ".css", ".xml", ".xml.dist", ".pot", ".yml",
    ".yaml",
)  # fmt: skip
# Every component starts with a letter, digit or underscore: no hidden files, no `.`/`..`, no `-rf`.
_COMPONENT = r"[A-Za-z0-9_][A-Za-z0-9_.-]*"
_PATH = re.compile(rf"{_COMPONENT}(?:/{_COMPONENT})*")
# Controls other than tab/newline/carriage return mark binary content (or an attempt to hide code).
_BINARY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# JSON Schema of the structured answer; the same for every LLM provider.
FILES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["files"],
    "properties": {
        "files": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["path", "content"],
                "properties": {
                    "path": {"type": "string", "description": "Relative POSIX path inside the plugin folder"},
                    "content": {"type": "string", "description": "The whole file, UTF-8 text"},
                },
            },
        }
    },
}


class RejectedOutput(ForgeError):
    """The model's answer broke the output contract; `problems` names every violation."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = "; ".join(problems[:20]) + (f"; and {len(problems) - 20} more" if len(problems) > 20 else "")
        super().__init__(f"model output rejected: {shown}")


def path_problem(path: object) -> str | None:
    if not isinstance(path, str) or not path:
        return f"path {path!r}: must be a non-empty string"
    if len(path) > MAX_PATH_CHARS:
        return f"path {path[:40]!r}...: longer than {MAX_PATH_CHARS} characters"
    if path.startswith("/") or re.match(r"^[A-Za-z]:", path):
        return f"path {path!r}: absolute paths are not allowed"
    if ".." in path.split("/"):
        return f"path {path!r}: '..' is not allowed"
    if any(part.startswith(".") for part in path.split("/")):
        return f"path {path!r}: hidden files and folders are not allowed"
    if not _PATH.fullmatch(path):
        return f"path {path!r}: only letters, digits, '_', '-', '.' and '/' separators are allowed"
    if path.count("/") >= MAX_DEPTH:
        return f"path {path!r}: nested deeper than {MAX_DEPTH} folders"
    if not path.lower().endswith(ALLOWED_SUFFIXES):
        return f"path {path!r}: file type not allowed (allowed: {', '.join(ALLOWED_SUFFIXES)})"
    return None


def parse_answer(answer: str | Mapping[str, Any]) -> Any:
    """The structured answer as data: providers hand over JSON text (chat) or an object (tool input)."""
    if isinstance(answer, Mapping):
        return answer
    text = answer.strip()
    # Some endpoints wrap JSON mode output in a Markdown fence despite the schema.
    fenced = re.fullmatch(r"```(?:json)?\s*(.*?)\s*```", text, re.DOTALL)
    try:
        return json.loads(fenced[1] if fenced else text)
    except json.JSONDecodeError as exc:
        raise RejectedOutput([f"answer is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"]) from None


def _checked_entry(
    index: int, entry: object, tree: Mapping[str, bytes], reserved: tuple[str, ...]
) -> tuple[str, bytes] | str:
    """One entry of "files" (`tree`: the entries accepted before it): its path and bytes, or its problem."""
    if not isinstance(entry, Mapping) or set(entry) != {"path", "content"}:
        return f"files[{index}]: must be an object with exactly 'path' and 'content'"
    path, content = entry["path"], entry["content"]
    problem = path_problem(path)
    if problem:
        return problem
    if path in reserved:
        return f"path {path!r}: written by the forge, not by the model"
    if path in tree:
        return f"path {path!r}: appears twice"
    if not isinstance(content, str):
        return f"{path}: content must be a string"
    if _BINARY.search(content):
        return f"{path}: binary or control characters are not allowed"
    try:
        data_bytes = content.encode("utf-8")
    except UnicodeEncodeError:
        return f"{path}: not valid UTF-8 text"
    if len(data_bytes) > MAX_FILE_BYTES:
        return f"{path}: {len(data_bytes)} bytes (limit {MAX_FILE_BYTES})"
    return path, data_bytes


def validate_files(
    answer: str | Mapping[str, Any], required: tuple[str, ...] = (), reserved: tuple[str, ...] = ()
) -> dict[str, bytes]:
    """The answer as a tree, or RejectedOutput naming every problem.

    `required` paths must be present; `reserved` paths belong to the forge and may not be written."""
    data = parse_answer(answer)
    if not isinstance(data, Mapping) or not isinstance(data.get("files"), list):
        raise RejectedOutput(['answer must be an object {"files": [{"path": ..., "content": ...}, ...]}'])
    files = data["files"]
    problems: list[str] = []
    if not files:
        problems.append("no files")
    if len(files) > MAX_FILES:
        problems.append(f"{len(files)} files (limit {MAX_FILES})")
    tree: dict[str, bytes] = {}
    total = 0
    for index, entry in enumerate(files):
        checked = _checked_entry(index, entry, tree, reserved)
        if isinstance(checked, str):
            problems.append(checked)
            continue
        path, data_bytes = checked
        total += len(data_bytes)
        tree[path] = data_bytes.replace(b"\r\n", b"\n")
    if total > MAX_TOTAL_BYTES:
        problems.append(f"{total} bytes in all (limit {MAX_TOTAL_BYTES})")
    problems += [f"missing required file {p!r}" for p in required if p not in tree and p not in reserved]
    if problems:
        raise RejectedOutput(problems)
    return dict(sorted(tree.items()))
