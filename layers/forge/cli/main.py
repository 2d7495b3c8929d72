"""`forge`: run the local runtime, submit and follow jobs, approve, and check packages."""

from __future__ import annotations

import typer

from forge.cli.commands import approvers, audit, jobs, keys, local, packages, publications, scan, tools

app = typer.Typer(
    help="Plugin Forge: generate, build, test, sandbox, package, sign, approve and publish payment plugins.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Database commands.", no_args_is_help=True)
app.add_typer(db_app, name="db")

for _module in (approvers, audit, jobs, keys, local, packages, publications, scan, tools):
    _module.register(app, db_app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
