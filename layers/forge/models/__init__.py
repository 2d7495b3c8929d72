"""Pydantic models at every boundary: specs, jobs, runs, packages, approvals, step events."""
