"""SoftHSM2 as the local HSM: a token created on first use in FORGE_HOME and kept across runs."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
from pathlib import Path

from forge.errors import ForgeError


def prepare_softhsm(root: Path, token_label: str) -> str:
    """Point SoftHSM2 at `root`, create the token if missing, and return its user PIN.

    SOFTHSM2_CONF is read when the PKCS#11 module initialises, so this runs before the first signature.
    The PIN lives beside the token (mode 0600); in AWS the CloudHSM PIN comes from Secrets Manager instead.
    """
    tokens = root / "tokens"
    tokens.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o700)
    conf = root / "softhsm2.conf"
    if not conf.exists():
        conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    pin_file = root / "user.pin"
    if not pin_file.exists():
        pin_file.touch(mode=0o600)
        pin_file.write_text(secrets.token_hex(16))
    pin = pin_file.read_text().strip()
    util = shutil.which("softhsm2-util")
    if util is None:
        raise ForgeError("softhsm2-util not found (Debian package 'softhsm2'); run `make bootstrap`")
    listing = subprocess.run([util, "--show-slots"], capture_output=True, text=True, env=os.environ)
    if re.search(rf"^\s*Label:\s+{re.escape(token_label)}\s*$", listing.stdout, re.MULTILINE):
        return pin
    so_pin = secrets.token_hex(16)
    made = subprocess.run(
        [util, "--init-token", "--free", "--label", token_label, "--pin", pin, "--so-pin", so_pin],
        capture_output=True,
        text=True,
        env=os.environ,
    )
    if made.returncode != 0:
        raise ForgeError(
            f"could not create SoftHSM token '{token_label}': {made.stderr.strip() or made.stdout.strip()}"
        )
    return pin
