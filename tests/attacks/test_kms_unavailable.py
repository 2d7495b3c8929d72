"""KMS not answering (a network partition, an endpoint that hangs), refusing connections, or throttling is a
TransientError naming KMS, reached within seconds: Sign retries with backoff, then fails the job with that message,
and `forge retry` resumes at Sign once KMS answers. Before, a silent KMS held each call for botocore's defaults (60 s,
five times over: past the Sign Lambda's 110 s), and a lost connection crashed Sign as an internal error.
bench/faults.py drives the same fault through a whole runtime, against a moto KMS server it stops (SIGSTOP)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from botocore.stub import Stubber

from forge.config import get_settings, reset_settings
from forge.errors import ForgeError, TransientError
from forge.signing.kms_signer import ATTEMPTS_PER_CALL, KmsSigner, alias_target, create_kms_key, kms_client

KEY = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"


@pytest.fixture
def kms_at(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("FORGE_KMS_TIMEOUT_SECONDS", "1")
    reset_settings()
    yield
    reset_settings()


@pytest.fixture
def silent_kms(kms_at: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A KMS endpoint that takes the connection (the kernel's backlog) and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        monkeypatch.setenv("AWS_ENDPOINT_URL_KMS", url)
        yield url


def test_a_kms_that_does_not_answer_is_transient_and_named_within_seconds(silent_kms: str) -> None:
    started = time.monotonic()
    with pytest.raises(TransientError, match="KMS unavailable") as failure:
        KmsSigner(KEY).sign(b"manifest")
    took = time.monotonic() - started
    assert "ReadTimeout" in str(failure.value)
    assert KEY in str(failure.value)
    assert "forge retry" in str(failure.value)
    # 1 s per attempt, ATTEMPTS_PER_CALL attempts, standard-mode backoff between them; botocore's defaults: 300 s.
    assert took < 1.0 * ATTEMPTS_PER_CALL + 3, f"a silent KMS held the call {took:.1f} s"


def test_the_first_key_made_while_kms_is_silent_is_transient_too(silent_kms: str) -> None:
    """The keyset's first KMS key is looked up and made at the first Sign: a silent KMS there is the same outage
    (found by bench/faults.py: a raw ReadTimeoutError failed Sign for good)."""
    with pytest.raises(TransientError, match="KMS unavailable: describe_key"):
        alias_target("alias/plugin-forge-signing")
    with pytest.raises(TransientError, match="KMS unavailable: create_key"):
        create_kms_key("alias/plugin-forge-signing")


def test_a_kms_that_refuses_connections_is_transient(kms_at: None, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL_KMS", f"http://127.0.0.1:{port}")
    with pytest.raises(TransientError, match="KMS unavailable"):
        KmsSigner(KEY).public_key_der()


@pytest.mark.parametrize("code", ["ThrottlingException", "KMSInternalException", "DependencyTimeoutException"])
def test_kms_busy_is_transient_and_named(kms_at: None, code: str) -> None:
    client = kms_client()
    with Stubber(client) as stub:
        for _ in range(ATTEMPTS_PER_CALL):
            stub.add_client_error("sign", service_error_code=code, http_status_code=400)
        with pytest.raises(TransientError, match=f"KMS unavailable.*{code}"):
            KmsSigner(KEY, client).sign(b"manifest")


def test_a_refusal_is_final_not_retried(kms_at: None) -> None:
    """A disabled key or a denied call will not change by retrying: a final error, not a TransientError."""
    client = kms_client()
    with Stubber(client) as stub:
        stub.add_client_error("sign", service_error_code="DisabledException", http_status_code=400)
        with pytest.raises(ForgeError, match="KMS refused sign") as failure:
            KmsSigner(KEY, client).sign(b"manifest")
    assert not isinstance(failure.value, TransientError)


def test_the_aws_path_keeps_sensible_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unset, FORGE_KMS_TIMEOUT_SECONDS is 5 s: far above KMS's answer time, far below the Sign Lambda's timeout."""
    monkeypatch.delenv("FORGE_KMS_TIMEOUT_SECONDS", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    reset_settings()
    try:
        config = kms_client().meta.config
        assert get_settings().kms_timeout_seconds == 5
        assert (config.connect_timeout, config.read_timeout) == (5.0, 5.0)
        assert config.retries == {"mode": "standard", "total_max_attempts": ATTEMPTS_PER_CALL}
    finally:
        reset_settings()
