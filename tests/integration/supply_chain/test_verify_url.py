"""`forge verify https://…`: a merchant checks a release where it is published (the stack's CloudFront URL) without
saving it first. The release and the trust files two levels up are fetched into a temporary folder, https only and
each within a size limit, and then checked exactly as a folder is."""

from __future__ import annotations

import datetime
import functools
import ipaddress
import shutil
import ssl
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from typer.testing import CliRunner

from forge.cli.main import app
from forge.pipeline.deps import PipelineDeps
from forge.pipeline.revocation import revoke_package
from tests.integration.supply_chain.flow import released


@pytest.fixture
def deps(forge_env: Path, softhsm: str) -> Iterator[PipelineDeps]:
    from forge.wiring import default_deps, reset_deps

    reset_deps()
    yield default_deps()
    reset_deps()


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, which the client is told to trust (SSL_CERT_FILE)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "forge test marketplace")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def marketplace(deps: PipelineDeps, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The local marketplace folder served over HTTPS on loopback, as CloudFront serves the bucket."""
    cert, key = _certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    root = deps.settings.marketplace_dir
    root.mkdir(parents=True, exist_ok=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_release_url_verifies_like_its_folder(deps: PipelineDeps, marketplace: str) -> None:
    job, folder = released(deps)
    url = f"{marketplace}/{folder.parent.name}/{folder.name}/"
    runner = CliRunner()
    ok = runner.invoke(app, ["verify", url])
    assert ok.exit_code == 0, ok.output
    assert "VERIFIED" in ok.output
    assert "approved by alice, bob" in ok.output
    # The zip's own URL names the same release.
    zip_url = url + next(p.name for p in folder.glob("*.zip"))
    assert runner.invoke(app, ["verify", zip_url]).exit_code == 0
    # Revoked: the marketplace retracts the release (its files are gone from the URL), and a copy saved before is
    # refused against the revocation list published beside it.
    saved = folder.parent.parent.parent / "saved" / folder.parent.name / folder.name
    shutil.copytree(folder, saved)
    revoke_package(deps, job.plugin_package_id, "leaked API key", "root")
    gone = runner.invoke(app, ["verify", url])
    assert gone.exit_code == 2, gone.output
    assert "HTTP 404" in gone.output, gone.output
    root = deps.settings.marketplace_dir
    revoked = runner.invoke(
        app, ["verify", str(saved), "--keys", str(root / "keys.json"), "--revocations", str(root / "revocations.json")]
    )
    assert revoked.exit_code == 3, revoked.output
    assert "leaked API key" in revoked.output, revoked.output


def test_a_tampered_download_fails_the_check(deps: PipelineDeps, marketplace: str) -> None:
    _job, folder = released(deps)
    archive = next(folder.glob("*.zip"))
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 1
    archive.write_bytes(bytes(data))
    result = CliRunner().invoke(app, ["verify", f"{marketplace}/{folder.parent.name}/{folder.name}/"])
    assert result.exit_code == 1, result.output
    assert "NOT VERIFIED" in result.output, result.output


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:9/plugin/1.0.0/", "https"),
        ("https://user:secret@127.0.0.1:9/plugin/1.0.0/", "credentials"),
        ("https://127.0.0.1:9/1.0.0/", "<slug>/<version>/"),
    ],
)
def test_only_a_plain_https_release_url_is_fetched(url: str, message: str, forge_env: Path) -> None:
    result = CliRunner().invoke(app, ["verify", url])
    assert result.exit_code == 2, result.output
    assert message in result.output, result.output
    assert "Traceback" not in result.output, result.output


def test_a_download_larger_than_its_limit_is_refused(
    deps: PipelineDeps, marketplace: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from forge.cli import release_download

    _job, folder = released(deps)
    monkeypatch.setattr(release_download, "MAX_FILE_BYTES", 1024)
    result = CliRunner().invoke(app, ["verify", f"{marketplace}/{folder.parent.name}/{folder.name}/"])
    assert result.exit_code == 2, result.output
    assert "larger than" in result.output, result.output


def test_an_untrusted_server_is_a_clear_error(
    deps: PipelineDeps, marketplace: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _job, folder = released(deps)
    # The server is there, but its certificate is not trusted without SSL_CERT_FILE.
    monkeypatch.delenv("SSL_CERT_FILE")
    result = CliRunner().invoke(app, ["verify", f"{marketplace}/{folder.parent.name}/{folder.name}/"])
    assert result.exit_code == 2, result.output
    assert "certificate" in result.output.lower(), result.output
