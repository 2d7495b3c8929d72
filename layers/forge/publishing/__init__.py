"""Marketplace connectors. The internal Molam marketplace is a folder locally (a bucket prefix in AWS)."""
