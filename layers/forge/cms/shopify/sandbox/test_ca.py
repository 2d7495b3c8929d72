"""Certificates made for one run with the openssl CLI: nothing outlives the run, nothing is shared between runs.

Three authorities, so a certificate can only be what it was issued for:
- "Shopify" issues the client certificate Shopify presents to the app's session URLs (the app trusts this CA alone);
- "servers" issues the app's own certificate, the GraphQL endpoint's and the provider forwarder's (the stand-in and
  the app trust it);
- "impostor" issues a client certificate with Shopify's very subject, which the app must refuse.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

OPENSSL = "openssl"
DAYS = "1"
SHOPIFY_SUBJECT = "/O=Shopify stand-in (NOT Shopify)/CN=payments.shopify.com"


@dataclass(frozen=True)
class KeyPair:
    cert: Path
    key: Path


@dataclass(frozen=True)
class RunCertificates:
    shopify_ca: Path
    servers_ca: Path
    app_server: KeyPair
    admin_server: KeyPair
    provider_server: KeyPair
    shopify_client: KeyPair
    impostor_client: KeyPair


def _openssl(*args: str) -> None:
    # A fixed tool with arguments the stand-in builds; failures are the run's failures.
    done = subprocess.run([OPENSSL, *args], capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise RuntimeError(f"openssl {args[0]} failed: {done.stderr.strip()[:500]}")


def _authority(folder: Path, name: str, subject: str) -> KeyPair:
    pair = KeyPair(folder / f"{name}-ca.crt", folder / f"{name}-ca.key")
    _openssl(
        "req", "-x509", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-keyout", str(pair.key), "-out", str(pair.cert), "-days", DAYS, "-subj", subject,
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    return pair


def _leaf(folder: Path, name: str, issuer: KeyPair, subject: str, usage: str) -> KeyPair:
    """A leaf certificate: `usage` is serverAuth (with 127.0.0.1 as its address) or clientAuth."""
    pair = KeyPair(folder / f"{name}.crt", folder / f"{name}.key")
    extensions = ["-addext", "basicConstraints=critical,CA:FALSE", "-addext", f"extendedKeyUsage={usage}"]
    if usage == "serverAuth":
        extensions += ["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"]
    _openssl(
        "req", "-x509", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-keyout", str(pair.key), "-out", str(pair.cert), "-days", DAYS, "-subj", subject,
        "-CA", str(issuer.cert), "-CAkey", str(issuer.key), *extensions,
    )  # fmt: skip
    return pair


def make_run_certificates(folder: Path) -> RunCertificates:
    folder.mkdir(parents=True, exist_ok=True)
    shopify = _authority(folder, "shopify", "/O=Shopify stand-in (NOT Shopify)/CN=Shopify stand-in test CA")
    servers = _authority(folder, "servers", "/O=Plugin Forge sandbox/CN=servers test CA")
    impostor = _authority(folder, "impostor", "/O=Shopify stand-in (NOT Shopify)/CN=Shopify stand-in test CA")
    return RunCertificates(
        shopify_ca=shopify.cert,
        servers_ca=servers.cert,
        app_server=_leaf(folder, "app-server", servers, "/CN=127.0.0.1", "serverAuth"),
        admin_server=_leaf(folder, "admin-server", servers, "/CN=127.0.0.1", "serverAuth"),
        provider_server=_leaf(folder, "provider-server", servers, "/CN=127.0.0.1", "serverAuth"),
        shopify_client=_leaf(folder, "shopify-client", shopify, SHOPIFY_SUBJECT, "clientAuth"),
        impostor_client=_leaf(folder, "impostor-client", impostor, SHOPIFY_SUBJECT, "clientAuth"),
    )
