"""Plugin Forge: the library behind every step, the API, the local runtime and the CLI."""

__version__ = "0.1.0"
