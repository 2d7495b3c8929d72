"""Fixtures of the integration tests beyond the shared ones (tests/conftest.py)."""

from tests.unprivileged_python import unprivileged_python  # noqa: F401 - fixture
