"""`python -m forge.cms.toolchains`: prepare every platform's toolchain (its dependency cache) on the trusted side,
where the network is: scripts/bootstrap.sh runs it locally, the build image at image build."""

from __future__ import annotations

import sys
from pathlib import Path

from forge.cms import get_platform
from forge.errors import ForgeError

FOLDER = Path(__file__).resolve().parent


def platform_names() -> list[str]:
    return sorted(p.name for p in FOLDER.iterdir() if (p / "platform.py").is_file())


def prepare_all() -> list[tuple[str, Path]]:
    prepared = []
    for name in platform_names():
        toolchain = get_platform(name).toolchain
        if toolchain is not None:
            prepared.append((name, toolchain.prepare()))
    return prepared


def main() -> int:
    try:
        for name, folder in prepare_all():
            sys.stdout.write(f"{name}: toolchain ready in {folder}\n")
    except ForgeError as exc:
        sys.stderr.write(f"{exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
