"""Faults injected into a local runtime that runs as its own process (`forge up`), as an operator would meet them.

Shared by bench/faults.py (every fault, three trials each, a table under bench/results/) and tests/chaos/ (a short
form in `make test`). Nothing here is timed by guessing: a fault strikes at a *hold*, a point inside a step that the
step's own database writes reach. The lab installs a trigger in the job database that, when a hold is armed for a
step and point, makes that write wait on an advisory lock the lab holds. The lab sees the step waiting there (in
pg_stat_activity), strikes (SIGKILL the runtime, stop Postgres, take the HSM token away, fill the artifact store),
and lets go. The points:

- ``opened``: the step's run row is committed as running, the step's body has not started (its first job update);
- ``working``: the step's body writes its first log line (container steps: the isolated checks are about to run);
- ``finishing``: the step's work is done and its run is being recorded as a success.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg2

from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "woocommerce.yaml"
HOLD_LOCK = 191_919
POINTS = ("opened", "working", "finishing")
KILLED_STEPS = ("generate", "build", "test", "sandbox", "package", "sign", "publish")
CONTAINER_STEPS = ("build", "test", "sandbox")
# Each job gets approvers of its own (`Lab.approvers_of`): an approver's local MFA code passes once per 30 s window (a
# replayed code is refused), so the same two approving every trial's job made each trial wait out a window.
APPROVER_NAMES = ("alice", "bob")
# Generous bounds on a hang, never estimates: a job takes seconds here, Sign's three retries 14 s.
JOB_HANG = 300.0

HOLD_SQL = """
CREATE TABLE IF NOT EXISTS chaos_holds (step text NOT NULL, point text NOT NULL, PRIMARY KEY (step, point));

CREATE OR REPLACE FUNCTION chaos_wait(step text, point text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM chaos_holds h WHERE h.step = chaos_wait.step AND h.point = chaos_wait.point) THEN
    PERFORM pg_advisory_xact_lock(191919);
  END IF;
END $$;

CREATE OR REPLACE FUNCTION chaos_hold_jobs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.current_step IS NOT NULL AND NEW.current_step IS DISTINCT FROM OLD.current_step THEN
    PERFORM chaos_wait(NEW.current_step::text, 'opened');
  END IF;
  RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION chaos_hold_runs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status = 'running' AND NEW.status = 'running' AND NEW.logs IS DISTINCT FROM OLD.logs
     AND coalesce(OLD.logs, '') = '' THEN
    PERFORM chaos_wait(NEW.step::text, 'working');
  ELSIF OLD.status = 'running' AND NEW.status = 'success' THEN
    PERFORM chaos_wait(NEW.step::text, 'finishing');
  END IF;
  RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS chaos_hold_jobs ON forge_jobs;
CREATE TRIGGER chaos_hold_jobs BEFORE UPDATE ON forge_jobs FOR EACH ROW EXECUTE FUNCTION chaos_hold_jobs();
DROP TRIGGER IF EXISTS chaos_hold_runs ON forge_runs;
CREATE TRIGGER chaos_hold_runs BEFORE UPDATE ON forge_runs FOR EACH ROW EXECUTE FUNCTION chaos_hold_runs();
"""


class Holds:
    """Fault points in the job database (module docstring). One hold armed at a time."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self._conn: Any = None

    def _connection(self) -> Any:
        if self._conn is None or self._conn.closed:
            self._conn = psycopg2.connect(self.dsn)
            self._conn.autocommit = True
        return self._conn

    def install(self) -> None:
        with self._connection().cursor() as cur:
            cur.execute(HOLD_SQL)

    def arm(self, step: str, point: str) -> None:
        with self._connection().cursor() as cur:
            cur.execute("SELECT pg_advisory_lock(%s)", (HOLD_LOCK,))
            cur.execute("INSERT INTO chaos_holds VALUES (%s, %s) ON CONFLICT DO NOTHING", (step, point))

    def waiters(self) -> list[int]:
        with self._connection().cursor() as cur:
            cur.execute(
                """SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
                   AND wait_event_type = 'Lock' AND wait_event = 'advisory'"""
            )
            return [row[0] for row in cur.fetchall()]

    def wait_held(self, what: str) -> None:
        wait_until(self.waiters, bool, timeout=JOB_HANG, what=f"a step held at {what}")

    def release(self, terminate: bool) -> None:
        """Let the held step go on, or (`terminate`: its process was killed) end its orphaned database session,
        which would otherwise wait on, holding its row locks."""
        conn = self._connection()
        with conn.cursor() as cur:
            cur.execute("DELETE FROM chaos_holds")
            if terminate:
                for pid in self.waiters():
                    cur.execute("SELECT pg_terminate_backend(%s)", (pid,))
            cur.execute("SELECT pg_advisory_unlock_all()")

    def close(self) -> None:
        if self._conn is not None and not self._conn.closed:
            self._conn.close()
        self._conn = None


class RuntimeProcess:
    """`forge up` as a child process of the lab, killable like any process."""

    def __init__(self, home: Path, env: dict[str, str]) -> None:
        self.home = home
        self.env = env
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.starts = 0

    def start(self) -> str:
        from forge.cli.client import running_api_url

        logs = self.home / "lab-logs"
        logs.mkdir(parents=True, exist_ok=True)
        self.starts += 1
        log = (logs / f"runtime-{self.starts}.log").open("wb")
        port = _free_port()
        self.proc = subprocess.Popen(
            [os.environ.get("FORGE_PYTHON", _python()), "-m", "forge.cli.main", "up", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.env,
            start_new_session=True,
        )
        log.close()
        self.url = f"http://127.0.0.1:{port}"

        def up() -> bool:
            if self.proc is not None and self.proc.poll() is not None:
                tail = (logs / f"runtime-{self.starts}.log").read_text(errors="replace")[-3000:]
                raise AssertionError(f"the runtime exited with {self.proc.returncode}:\n{tail}")
            return running_api_url() == self.url and _healthy(self.url)

        wait_until(up, bool, timeout=JOB_HANG, what="the local runtime up")
        return self.url

    def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is cleaned up, as when the machine or the OOM killer ends it."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            _terminate(self.proc, timeout=60)


class KmsServer:
    """moto's KMS as a server process of its own (forge.local.moto_kms_server), which the runtime's KMS signer reaches
    by AWS_ENDPOINT_URL_KMS: its keys outlive a runtime restart, and stopping the process (SIGSTOP) makes KMS
    silent the way a network partition does: connections are taken (the kernel's backlog), nothing answers."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self) -> str:
        port = _free_port()
        self.logs.mkdir(parents=True, exist_ok=True)
        with (self.logs / "moto-kms.log").open("wb") as log:
            self.proc = subprocess.Popen(
                [_python(), "-m", "forge.local.moto_kms_server", "-H", "127.0.0.1", "-p", str(port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.url = f"http://127.0.0.1:{port}"
        wait_until(self._answers, bool, timeout=60, what="moto's KMS server up")
        return self.url

    def _answers(self) -> bool:
        import requests

        if self.proc is not None and self.proc.poll() is not None:
            raise AssertionError(f"moto's KMS server exited with {self.proc.returncode}")
        try:
            return requests.get(f"{self.url}/moto-api/", timeout=2).ok
        except requests.RequestException:
            return False

    def pause(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)  # a paused server would not act on SIGTERM
            _terminate(self.proc, timeout=30)


def _terminate(proc: subprocess.Popen[bytes], timeout: float) -> None:
    """SIGTERM, and SIGKILL if the process has not ended within `timeout` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _python() -> str:
    import sys

    return sys.executable


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(url: str) -> bool:
    import requests

    try:
        return requests.get(f"{url}/api/v1/forge/health", timeout=2).ok
    except requests.RequestException:
        return False


@dataclass
class Trial:
    fault: str
    trial: int
    outcome: str
    held: bool
    seconds: float
    detail: str = ""


@dataclass
class Lab:
    """One embedded Postgres, one FORGE_HOME (its artifact store on a small tmpfs of its own, so it can be filled
    and made read-only), one runtime process at a time."""

    root: Path
    # The artifact store on a 64 MiB tmpfs of its own (needs root), so it can be filled and made read-only.
    artifacts_on_tmpfs: bool = True
    extra_env: dict[str, str] = field(default_factory=dict)
    # Sign with KMS (moto's, a server process of its own: KmsServer) instead of SoftHSM.
    kms_signer: bool = False
    kms: KmsServer | None = None
    pg: Any = None
    dsn: str = ""
    holds: Holds | None = None
    runtime: RuntimeProcess | None = None
    trials: list[Trial] = field(default_factory=list)
    _saved_env: dict[str, str | None] = field(default_factory=dict)
    _approvers: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def artifacts(self) -> Path:
        return self.home / "artifacts"

    @property
    def hsm_tokens(self) -> Path:
        return self.home / "softhsm" / "tokens"

    def start(self) -> None:
        from forge.config import reset_settings
        from forge.db.migrate import migrate
        from forge.local.postgres import EmbeddedPostgres

        self.root.chmod(0o755)  # pgserver runs postgres as its own user when we are root
        self.pg = EmbeddedPostgres(self.root / "pgdata")
        self.dsn = self.pg.start("forge_chaos")
        migrate(self.dsn)
        self.holds = Holds(self.dsn)
        self.holds.install()
        self.home.mkdir(mode=0o700)
        self.artifacts.mkdir(mode=0o700)
        if self.artifacts_on_tmpfs:
            _run("mount", "-t", "tmpfs", "-o", "size=64m,mode=0700", "forge-chaos-artifacts", str(self.artifacts))
        values = {"FORGE_HOME": str(self.home), "DATABASE_URL": self.dsn, "FORGE_MIN_APPROVALS": "2", **self.extra_env}
        if self.kms_signer:
            self.kms = KmsServer(self.home / "lab-logs")
            values |= {
                "FORGE_SIGNER": "kms",
                "AWS_ENDPOINT_URL_KMS": self.kms.start(),
                # Seconds, not the 5 s default: the trial waits out every timed-out call of Sign's four attempts.
                "FORGE_KMS_TIMEOUT_SECONDS": "1",
            }
        for key, value in values.items():
            self._saved_env.setdefault(key, os.environ.get(key))
            os.environ[key] = value
        for key in ("FORGE_PKCS11_PIN", "FORGE_PKCS11_TOKEN", "SOFTHSM2_CONF", "FORGE_API_URL", "FORGE_TOKEN"):
            self._saved_env.setdefault(key, os.environ.get(key))
            os.environ.pop(key, None)
        reset_settings()
        self.runtime = RuntimeProcess(self.home, os.environ.copy())
        self.runtime.start()

    def stop(self) -> None:
        from forge.config import reset_settings

        if self.runtime is not None:
            self.runtime.stop()
        if self.kms is not None:
            self.kms.stop()
        if self.holds is not None:
            self.holds.close()
        if self.artifacts_on_tmpfs:
            with suppress(subprocess.CalledProcessError):
                _run("umount", "-l", str(self.artifacts))
        if self.pg is not None:
            self.pg.stop()
        shutil.rmtree(self.root, ignore_errors=True)
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        reset_settings()

    # helpers -----------------------------------------------------------------------------------------------------

    def client(self, user: str = "erin") -> Any:
        from forge.cli.client import ForgeClient

        assert self.runtime is not None
        return ForgeClient(self.runtime.url, user=user)

    def submit(self) -> str:
        from forge.cli.client import spec_payload

        return str(self.client().submit(spec_payload(EXAMPLE))["id"])

    def job(self, job_id: str) -> dict[str, Any]:
        """The job's detail; while the database is away the API answers 503, which a poll reads as "not yet"."""
        from forge.cli.client import ApiError

        try:
            return dict(self.client().job(job_id))
        except ApiError as exc:
            if exc.status != 503:
                raise
            return {"job": {"id": job_id, "status": "unavailable (503)", "error": str(exc)}, "runs": []}

    def wait_status(self, job_id: str, statuses: tuple[str, ...]) -> dict[str, Any]:
        return wait_until(
            lambda: self.job(job_id),
            lambda d: d["job"]["status"] in statuses,
            timeout=JOB_HANG,
            what=f"job {job_id} {'/'.join(statuses)}",
        )

    def approvers_of(self, job_id: str) -> tuple[str, ...]:
        """The job's own approvers, the same each time it is asked (approvals given before a fault still count)."""
        if job_id not in self._approvers:
            self._approvers[job_id] = tuple(f"{name}-{len(self._approvers) + 1}" for name in APPROVER_NAMES)
        return self._approvers[job_id]

    def approve(self, detail: dict[str, Any], approvers: tuple[str, ...] | None = None) -> None:
        request = detail["approval_request"]["id"]
        for name in approvers if approvers is not None else self.approvers_of(detail["job"]["id"]):
            self.client(name).decide(request, True)

    def finish(self, job_id: str) -> dict[str, Any]:
        """Drive the job to its end: approve when it waits (given approvals still count), return its detail."""
        detail = self.wait_status(job_id, ("awaiting_approval", "success", "failed", "cancelled"))
        if detail["job"]["status"] == "awaiting_approval":
            given = {a["approver_id"] for a in detail.get("approvals", [])}
            self.approve(detail, tuple(a for a in self.approvers_of(job_id) if a not in given))
            detail = self.wait_status(job_id, ("success", "failed", "cancelled"))
        return detail

    def running_runs(self, job_id: str) -> list[str]:
        return [f"{r['step']}#{r['attempt']}" for r in self.job(job_id)["runs"] if r["status"] == "running"]

    def restart(self, kill: bool = True) -> None:
        assert self.runtime is not None
        if kill:
            self.runtime.kill()
        else:
            self.runtime.stop()
        self.runtime.start()

    def submit_held(self, step: str, point: str) -> str:
        """Submit a job and return once its `step` waits at `point` (release with holds.release)."""
        assert self.holds is not None
        self.holds.arm(step, point)
        try:
            job_id = self.submit()
            if step == "publish":
                self.approve(self.wait_status(job_id, ("awaiting_approval",)))
            self.holds.wait_held(f"{step}/{point}")
        except BaseException:
            self.holds.release(terminate=False)
            raise
        return job_id

    def recover(self) -> None:
        """After a trial that did not hold: disarm, bring the runtime back, cancel what is still in flight, so the
        next trial starts clean."""
        assert self.holds is not None
        assert self.runtime is not None
        self.holds.release(terminate=True)
        if self.runtime.proc is None or self.runtime.proc.poll() is not None:
            self.runtime.start()
        client = self.client()
        for job in client.jobs(limit=100)["items"]:
            if job["status"] in ("queued", "running", "awaiting_approval"):
                with suppress(Exception):
                    client.cancel(job["id"])

    def record(self, fault: str, trial: int, run: Callable[[], str]) -> Trial:
        """Run one trial; its outcome is what `run` returns, or the assertion that failed."""
        started = time.monotonic()
        try:
            outcome, held = run(), True
        except AssertionError as exc:
            outcome, held = f"NOT HELD: {str(exc)[:300]}", False
        except Exception as exc:  # noqa: BLE001 - any other failure of a trial is a trial that did not hold
            outcome, held = f"NOT HELD: {type(exc).__name__}: {str(exc)[:300]}", False
        done = Trial(fault, trial, outcome, held, round(time.monotonic() - started, 1))
        self.trials.append(done)
        return done


def _run(*argv: str) -> None:
    subprocess.run(argv, check=True, capture_output=True)


# The faults ------------------------------------------------------------------------------------------------------


def _published_after_retry(lab: Lab, job_id: str, why: str) -> str:
    """The job failed with the retry hint and no run left open; `forge retry` then publishes it. Or, killed while
    it still waited for approvals (the release given, Publish not yet begun), it was re-attached to a new wait that
    the approvals already given release at once, and it published by itself."""
    detail = lab.wait_status(job_id, ("failed", "success", "awaiting_approval"))
    if detail["job"]["status"] != "failed":
        final = lab.finish(job_id)
        assert final["job"]["status"] == "success", f"{why}: {final['job']['status']}: {final['job']['error']}"
        assert not lab.running_runs(job_id), f"{why}: runs left running {lab.running_runs(job_id)}"
        return "re-attached to the approval wait; published without retry"
    job = detail["job"]
    assert job["status"] == "failed", f"{why}: job is {job['status']}, expected failed"
    assert "forge retry" in (job["error"] or ""), f"{why}: no retry hint in {job['error']!r}"
    assert not lab.running_runs(job_id), f"{why}: runs left running {lab.running_runs(job_id)}"
    lab.client().retry(job_id)
    final = lab.finish(job_id)
    assert final["job"]["status"] == "success", f"after retry: {final['job']['status']}: {final['job']['error']}"
    assert not lab.running_runs(job_id), f"after retry: runs left running {lab.running_runs(job_id)}"
    return "failed with retry hint; retry published"


def kill_in_step(lab: Lab, step: str, point: str) -> str:
    """SIGKILL the runtime while a step is held at `point`; start it again."""
    assert lab.holds is not None
    assert lab.runtime is not None
    job_id = lab.submit_held(step, point)
    staged = _work_folders(step)
    if step in CONTAINER_STEPS and point == "working":
        assert staged, f"no work folder of {step} while its checks were about to run"
    try:
        lab.runtime.kill()
    finally:
        lab.holds.release(terminate=True)
    assert all(f.is_dir() for f in staged), "the killed runtime's work folder went by itself"
    lab.runtime.start()
    left = [str(f) for f in staged if f.exists()]
    assert not left, f"the killed runtime's work folder is still there after the restart: {left}"
    outcome = _published_after_retry(lab, job_id, f"killed in {step}/{point}")
    return f"{outcome}; its work folder removed at restart" if staged else outcome


def _work_folders(step: str) -> list[Path]:
    """The work folders of `step` (forge.pipeline.container.work_folders) in the temporary directory the runtime
    shares with this process."""
    from forge.pipeline.container.work_folders import PREFIX

    return sorted(Path(tempfile.gettempdir()).glob(f"{PREFIX}{step}-*"))


def kill_in_approval_wait(lab: Lab, approvals_before: int, kills: int) -> str:
    """SIGKILL while the job waits for approvals (after `approvals_before` of them), `kills` times in a row: the
    restarted runtime re-attaches the job to a new wait, given approvals still count, and it publishes."""
    job_id = lab.submit()
    detail = lab.wait_status(job_id, ("awaiting_approval",))
    lab.approve(detail, lab.approvers_of(job_id)[:approvals_before])
    for _ in range(kills):
        lab.restart(kill=True)
        detail = lab.wait_status(job_id, ("awaiting_approval", "failed"))
        assert detail["job"]["status"] == "awaiting_approval", f"after restart: {detail['job']['error']}"
        open_runs = lab.running_runs(job_id)
        assert len(open_runs) <= 1, open_runs
        assert all(r.startswith("approval") for r in open_runs), open_runs
    final = lab.finish(job_id)
    assert final["job"]["status"] == "success", f"{final['job']['status']}: {final['job']['error']}"
    assert not lab.running_runs(job_id), lab.running_runs(job_id)
    return "re-attached to the wait; approvals kept; published"


def postgres_restart_in_step(lab: Lab, step: str, point: str, down_seconds: float) -> str:
    """Stop Postgres (fast: every session ends) while a step is held, start it again after `down_seconds`: the
    step's next write fails as a TransientError, the workflow retries it, the job publishes without a retry."""
    assert lab.holds is not None
    job_id = lab.submit_held(step, point)
    lab.holds.close()  # its session ends with the server anyway
    dsn = lab.dsn
    lab.pg.stop()
    time.sleep(down_seconds)  # the outage itself: how long the database is away is the fault's parameter
    assert lab.pg.start("forge_chaos") == dsn, "Postgres came back on another address"
    lab.holds.release(terminate=False)  # the hold row survived the restart: disarm it
    final = lab.finish(job_id)
    assert final["job"]["status"] == "success", f"{final['job']['status']}: {final['job']['error']}"
    assert not lab.running_runs(job_id), lab.running_runs(job_id)
    runs = [r for r in final["runs"] if r["step"] == step]
    return f"{len(runs)} run(s) of {step}; published without retry"


def hsm_token_missing(lab: Lab) -> str:
    """The SoftHSM token disappears before Sign: Sign retries (TransientError), then fails with a message naming the
    HSM. The token comes back and `forge retry` publishes, from the same runtime process: the signer initialises the
    PKCS#11 module again after an unavailable answer (SoftHSM2 reads its token folder when it initialises)."""
    tokens = lab.hsm_tokens
    away = tokens.with_name("tokens-away")
    signs, error = _signer_gone_at_sign(
        lab, lambda: tokens.rename(away), lambda: away.rename(tokens), says="HSM", gone="the token gone"
    )
    return f"Sign retried {signs}x, failed: {error[:80]}; token back, retry published (no restart)"


def kms_unavailable(lab: Lab, restart_first: bool = False) -> str:
    """KMS stops answering before Sign (its server process stopped: every call times out after
    FORGE_KMS_TIMEOUT_SECONDS): Sign retries, then fails with a message naming KMS. KMS answers again, and `forge
    retry` publishes from the same runtime process. With `restart_first`, the runtime is killed and started again
    before the job: the keys live in KMS, not in the runtime, so the restarted runtime signs with the same key."""
    kms = lab.kms
    assert kms is not None
    if restart_first:
        lab.restart(kill=True)
    signs, error = _signer_gone_at_sign(lab, kms.pause, kms.resume, says="KMS unavailable", gone="KMS silent")
    keys = _signing_keys(lab)
    assert len(keys) == 1, f"expected the one KMS key, found {keys}"
    assert keys[0][0] == "kms", keys
    restarted = "runtime killed and restarted first, same key; " if restart_first else ""
    return f"{restarted}Sign retried {signs}x, failed: {error[:70]}; KMS back, retry published (no restart)"


def _signer_gone_at_sign(
    lab: Lab, take_away: Callable[[], object], bring_back: Callable[[], object], says: str, gone: str
) -> tuple[int, str]:
    """The signer taken away as Sign opens: the job must fail after Sign's retries with a message containing `says`
    and no run left running; the signer brought back, `forge retry` must publish from the same runtime process.
    Returns how many Sign runs there were and the job's error."""
    assert lab.holds is not None
    assert lab.runtime is not None
    assert lab.runtime.proc is not None
    pid, starts = lab.runtime.proc.pid, lab.runtime.starts
    job_id = lab.submit_held("sign", "opened")
    try:
        take_away()
    finally:
        lab.holds.release(terminate=False)
    try:
        detail = lab.wait_status(job_id, ("failed", "success", "awaiting_approval"))
    finally:
        bring_back()
    job = detail["job"]
    assert job["status"] == "failed", f"job is {job['status']} with {gone}"
    signs = [r for r in detail["runs"] if r["step"] == "sign"]
    assert len(signs) >= 2, f"Sign was not retried: {len(signs)} run(s), {job['error']!r}"
    assert says in (job["error"] or ""), f"unclear message: {job['error']!r}"
    assert not lab.running_runs(job_id), lab.running_runs(job_id)
    lab.client().retry(job_id)
    final = lab.finish(job_id)
    assert final["job"]["status"] == "success", f"after retry: {final['job']['error']}"
    assert lab.runtime.starts == starts, "the runtime was restarted"
    assert lab.runtime.proc.pid == pid, "the runtime was restarted"
    return len(signs), str(job["error"])


def _signing_keys(lab: Lab) -> list[tuple[str, str]]:
    """(backend, reference) of every key in the keyset."""
    with psycopg2.connect(lab.dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT backend, backend_ref FROM signing_keys ORDER BY created_at")
        rows = cur.fetchall()
    conn.close()
    return [(str(b), str(r)) for b, r in rows]


def artifact_store_broken(lab: Lab, how: str) -> str:
    """The artifact store fills up (`full`) or turns read-only (`readonly`) while Package runs: the step fails
    cleanly (a message, no partial file left), and once the store is back `forge retry` publishes a package whose
    zip is whole."""
    filler = lab.artifacts / "filler"
    assert lab.holds is not None
    job_id = lab.submit_held("package", "opened")
    try:
        if how == "full":
            free = shutil.disk_usage(lab.artifacts).free
            _run("fallocate", "-l", str(free), str(filler))
        else:
            _run("mount", "-o", "remount,ro", str(lab.artifacts))
    finally:
        lab.holds.release(terminate=False)
    try:
        detail = lab.wait_status(job_id, ("failed", "success", "awaiting_approval"))
    finally:
        if how == "full":
            filler.unlink()
        else:
            _run("mount", "-o", "remount,rw", str(lab.artifacts))
    job = detail["job"]
    assert job["status"] == "failed", f"job is {job['status']} with the store {how}"
    assert "artifact" in (job["error"] or "").lower(), f"unclear message: {job['error']!r}"
    assert "internal error" not in (job["error"] or ""), f"a crash, not a clean failure: {job['error']!r}"
    partial = [str(p) for p in lab.artifacts.rglob("*") if p.name.startswith(".tmp")]
    assert not partial, f"partial artifacts left: {partial}"
    assert not lab.running_runs(job_id), lab.running_runs(job_id)
    lab.client().retry(job_id)
    final = lab.finish(job_id)
    assert final["job"]["status"] == "success", f"after retry: {final['job']['error']}"
    _check_zip(lab, final)
    return f"Package failed cleanly ({job['error'][:70]}); retry published a whole zip"


def _check_zip(lab: Lab, detail: dict[str, Any]) -> None:
    import zipfile

    zips = [p for p in lab.artifacts.rglob("*.zip") if detail["job"]["id"] in str(p)]
    assert zips, "no zip in the artifact store"
    for path in zips:
        with zipfile.ZipFile(path) as archive:
            assert archive.testzip() is None, f"{path} is damaged"


def new_lab(**options: Any) -> Lab:
    return Lab(Path(tempfile.mkdtemp(prefix="forge-chaos-")), **options)
