"""What the API handler does not load at start (a fresh interpreter: what a new Lambda container pays)."""

from __future__ import annotations

import subprocess
import sys

NOT_AT_START = (
    "aws_lambda_powertools.event_handler.openapi.models",  # the Swagger page's (forge.api.docs_page)
    "forge.gates.scanner",  # the analyser's rules and tree-sitter (forge.gates)
    "cyclonedx",  # the SBOM library (forge.packaging.file_names)
    "yaml",  # spec files are the CLI's (forge.models.spec)
)


def test_the_api_handler_loads_none_of_what_only_other_paths_use() -> None:
    probe = f"import sys, forge.api.app; print([m for m in {list(NOT_AT_START)!r} if m in sys.modules])"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
