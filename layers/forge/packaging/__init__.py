"""Deterministic archives and the files that travel beside a package."""
