"""The local runtime: everything that stands in for AWS on one machine. Only the CLI and tests import it."""
