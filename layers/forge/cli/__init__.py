"""The `forge` command line (Typer + Rich). Job and approval commands are clients of the API."""
