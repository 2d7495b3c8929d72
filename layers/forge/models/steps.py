"""The pipeline's step names, apart from the job models: a container step's isolated half names its step and loads
none of the models it never uses (each step is a fresh interpreter, and every model built at import is time)."""

from __future__ import annotations

from enum import StrEnum


class Step(StrEnum):
    GENERATE = "generate"
    BUILD = "build"
    TEST = "test"
    SANDBOX = "sandbox"
    PACKAGE = "package"
    SIGN = "sign"
    APPROVAL = "approval"
    PUBLISH = "publish"


# The order the state machine runs them in; `forge retry` resumes at the failed one.
PIPELINE: tuple[Step, ...] = tuple(Step)
