"""moto's server (`python -m moto.server`) with forge.local.moto_patches' KMS fix applied: a KMS of its own process,
which a local runtime reaches by AWS_ENDPOINT_URL_KMS, so its keys outlive the runtime (tests/chaos, bench/faults.py).

    python -m forge.local.moto_kms_server -H 127.0.0.1 -p PORT
"""

from __future__ import annotations

import sys

from forge.local.moto_patches import fix_kms_sign_digest


def main() -> None:
    from moto.server import main as moto_server

    fix_kms_sign_digest()
    moto_server(sys.argv[1:])


if __name__ == "__main__":
    main()
