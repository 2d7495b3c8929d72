"""Postgres adapters: the connection pool, the migration runner and the repositories."""
