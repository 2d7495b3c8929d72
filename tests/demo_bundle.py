"""A small package bundle with a composer.lock, read by the bundle's unit tests and by the integration test that
checks its SHA256SUMS with coreutils."""

from __future__ import annotations

import json
from typing import Any

from forge.packaging.bundle import build_bundle

LOCK = {
    "packages": [
        {"name": "psr/log", "version": "3.0.2", "dist": {"shasum": "f16e1d5863e37f8d8c2a01719f5b34baa2b714d3"}},
        {"name": "php", "version": "8.2"},
    ],
    "packages-dev": [{"name": "phpunit/phpunit", "version": "10.5.0", "dist": {"shasum": ""}}],
}
SHIPPED = {"demo.php": b"<?php\n/*\n * Plugin Name: Demo\n * Version: 1.4.2\n */\n", "inc/a.php": b"<?php\n"}
SOURCE = {**SHIPPED, "composer.lock": json.dumps(LOCK).encode(), "tests/t.php": b"<?php\n"}


def bundle() -> Any:
    return build_bundle(name="Demo Pay", slug="demo", version="1.4.2", shipped=SHIPPED, source=SOURCE)
