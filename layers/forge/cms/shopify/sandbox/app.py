"""The built app as a process: `node dist/server.js` in the app folder, configured only through its environment
(the interface agreed with the app's templates), its output kept in a log file of the run."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .provider import free_port, wait_for_port

START_SECONDS = 20
# The isolation caps each process's address space (RLIMIT_AS). V8 reserves many gigabytes of guard regions for each
# WebAssembly memory unless its trap handler is off, and Node's own HTTP parser (undici's llhttp, behind fetch and
# Request) is WebAssembly: without this flag the app dies at its first Request under the cap. The flag changes how
# out-of-bounds wasm accesses are caught, nothing the app does.
NODE = ("node", "--disable-wasm-trap-handler")
PASSED_ON = ("NODE_OPTIONS", "MALLOC_ARENA_MAX")


@dataclass(frozen=True)
class AppConfig:
    folder: Path
    data_dir: Path
    env: dict[str, str]


class App:
    def __init__(self, config: AppConfig, log: Path) -> None:
        self.port = free_port()
        self.log_path = log
        config.data_dir.mkdir(parents=True, exist_ok=True)
        # What the platform's tool environment sets for Node under the isolation's limits goes on to the app.
        passed_on = {name: os.environ[name] for name in PASSED_ON if name in os.environ}
        env = {
            **passed_on,
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108 - the sandbox's own /tmp
            "NODE_ENV": "production",
            **config.env,
            "PORT": str(self.port),
            "DATA_DIR": str(config.data_dir),
        }
        self.log = log.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - the sandbox's node running the built app
            [*NODE, "dist/server.js"],
            cwd=config.folder,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        self.started = wait_for_port(self.port, START_SECONDS, self.process)

    def exit_code(self) -> int | None:
        return self.process.poll()

    def output(self, limit: int = 2000) -> str:
        self.log.flush()
        return self.log_path.read_text("utf-8", "replace")[-limit:]

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
