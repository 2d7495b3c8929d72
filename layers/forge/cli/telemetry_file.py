"""Keep the Powertools JSON log lines and EMF metric lines of a local CLI command out of the user's terminal.

In Lambda those lines on stdout are the product (CloudWatch Logs and EMF metrics); at a terminal they bury the
one line the user asked for. The logger writes through its handler's stream, and `single_metric` prints to
sys.stdout unconditionally, so both go to FORGE_HOME/logs/cli.log for the duration of the command's work. The
command prints its own output (rich console) after that block, to the real terminal."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from pathlib import Path

from forge.observability import logger
from forge.private_files import private_dir

LOG_FILE = Path("logs") / "cli.log"


@contextmanager
def telemetry_to_file(forge_home: Path) -> Iterator[Path]:
    path = forge_home / LOG_FILE
    private_dir(path.parent)
    handler = logger.registered_handler
    with path.open("a", encoding="utf-8") as sink, redirect_stdout(sink):
        previous = handler.setStream(sink) if isinstance(handler, logging.StreamHandler) else None
        try:
            yield path
        finally:
            sink.flush()
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(previous or sys.stdout)
