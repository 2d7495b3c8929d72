"""What the routes are handed through Powertools' `Depends`: the pipeline's dependencies (the ports and settings).

Routes name `Deps` and never reach for a global; production resolves it from the composition root
(forge.wiring.default_deps, built once per Lambda container or local runtime). Tests hand the API their own through
`app.dependency_overrides[pipeline_deps]` (tests/conftest.py: `serve_api`)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends

from forge.pipeline.deps import PipelineDeps
from forge.wiring import default_deps


def pipeline_deps() -> PipelineDeps:
    return default_deps()


Deps = Annotated[PipelineDeps, Depends(pipeline_deps)]
