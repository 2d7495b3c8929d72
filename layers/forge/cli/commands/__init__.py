"""CLI command groups, each registering itself on the app."""
