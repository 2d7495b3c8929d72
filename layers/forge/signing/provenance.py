"""An in-toto Statement v1 with a SLSA provenance v1 predicate: which builder made the zip, from which spec,
through which steps with which results."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from forge.models.job import Run
from forge.models.package import Manifest

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
SLSA_PROVENANCE_V1 = "https://slsa.dev/provenance/v1"
BUILDER_ID = "https://plugin-forge.molam.com/builder/v1"
BUILD_TYPE = "https://plugin-forge.molam.com/build-types/{platform}/v1"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def step_results(runs: Sequence[Run]) -> list[dict[str, Any]]:
    """Every step delivery so far, in order: a failed attempt that was retried stays visible."""
    return [
        {
            "step": run.step.value,
            "attempt": run.attempt,
            "status": run.status.value,
            "started_on": _iso(run.started_at),
            "finished_on": _iso(run.finished_at),
            "duration_ms": run.duration_ms,
            "summary": str(run.artifacts.get("summary", ""))[:500],
        }
        for run in runs
    ]


def _steps_byproduct(runs: Sequence[Run]) -> dict[str, Any]:
    """A ResourceDescriptor needs content, digest or uri: the steps travel as content, readable in annotations."""
    steps = step_results(runs)
    body = json.dumps(steps, sort_keys=True, separators=(",", ":")).encode()
    return {
        "name": "steps.json",
        "digest": {"sha256": hashlib.sha256(body).hexdigest()},
        "content": base64.b64encode(body).decode(),
        "mediaType": "application/json",
        "annotations": {"steps": steps},
    }


def provenance_statement(
    manifest: Manifest, manifest_sha256: str, runs: Sequence[Run], builder_version: str
) -> dict[str, Any]:
    started = min((r.started_at for r in runs), default=None)
    return {
        "_type": STATEMENT_TYPE,
        "subject": [
            {"name": manifest.zip_name, "digest": {"sha256": manifest.zip_sha256}},
            {"name": "manifest.json", "digest": {"sha256": manifest_sha256}},
        ],
        "predicateType": SLSA_PROVENANCE_V1,
        "predicate": {
            "buildDefinition": {
                "buildType": BUILD_TYPE.format(platform=manifest.platform),
                "externalParameters": {
                    "spec_digest": manifest.spec_digest,
                    "platform": manifest.platform,
                    "slug": manifest.slug,
                    "version": manifest.version,
                },
                "internalParameters": {"signing_key_id": manifest.key_id},
                "resolvedDependencies": [],
            },
            "runDetails": {
                "builder": {"id": BUILDER_ID, "version": {"plugin-forge": builder_version}},
                "metadata": {
                    "invocationId": manifest.job_id,
                    "startedOn": _iso(started),
                    "finishedOn": manifest.issued_at,
                },
                "byproducts": [_steps_byproduct(runs)],
            },
        },
    }


def statement_bytes(statement: dict[str, Any]) -> bytes:
    return json.dumps(statement, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
