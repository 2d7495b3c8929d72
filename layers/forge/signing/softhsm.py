"""SoftHSM2 as the local HSM: a token created on first use in FORGE_HOME and kept across runs."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from forge.config import Settings
from forge.errors import ForgeError
from forge.private_files import private_dir, secret_file

DEFAULT_MODULE = str(Settings.model_fields["pkcs11_module"].default)


def prepare_softhsm(root: Path, token_label: str, module: str = DEFAULT_MODULE) -> str:
    """Point SoftHSM2 at `root`, create the token if missing, and return its user PIN.

    SOFTHSM2_CONF is read when the PKCS#11 module initialises, so this runs before the first signature.
    The PIN lives beside the token (mode 0600); in AWS the CloudHSM PIN comes from Secrets Manager instead.
    The token is created through PKCS#11 in a child process that reads the PIN on stdin: no PIN is ever in a
    command line (readable by every local user) or a child's environment.
    """
    tokens = private_dir(private_dir(root) / "tokens")
    conf = root / "softhsm2.conf"
    if not conf.exists():
        conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    pin = secret_file(root / "user.pin", lambda: secrets.token_hex(16).encode()).decode().strip()
    if not Path(module).is_file():
        raise ForgeError(f"SoftHSM2 module {module} not found (Debian package 'softhsm2'); run `make bootstrap`")
    made = subprocess.run(  # noqa: S603 - this interpreter on the module beside this file
        # -I: stdlib only, nothing from the environment or this folder on sys.path.
        [sys.executable, "-I", str(Path(__file__).with_name("softhsm_token.py"))],
        input=json.dumps({"module": module, "label": token_label, "pin": pin}),
        capture_output=True,
        text=True,
        env={"SOFTHSM2_CONF": str(conf), "PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        timeout=120,
    )
    if made.returncode != 0:
        raise ForgeError(
            f"could not create SoftHSM token '{token_label}': {made.stderr.strip() or made.stdout.strip()}"
        )
    return pin
