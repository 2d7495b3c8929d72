"""`forge publications list PACKAGE` / `show ID` / `retry ID` / `done ID --note`: each marketplace connector's
publication of a package, through the API."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from forge.cli.client import ForgeClient
from forge.cli.groups import command_group
from forge.cli.output import console, friendly, untrusted


def _line(p: dict[str, Any]) -> str:
    """Two lines, each escaped on its own: the break between them is the CLI's, any in the marketplace's text is not."""
    said = p.get("manual_action") or p.get("connector_message") or p.get("error") or ""
    where = f" {p['url']}" if p.get("url") else ""
    status = f"{p['id']}  {p['connector']:<32} {p['publication_status']:<10} attempts {p['attempts']}{where}"
    return f"{untrusted(status)}\n    {untrusted(said)}"


def register(app: typer.Typer, db_app: typer.Typer) -> None:
    pubs = command_group(app, "publications", "A package's publications, one per marketplace: list, retry, done.")

    @pubs.command("list")
    @friendly
    def list_publications(package_id: Annotated[str, typer.Argument(help="Package id")]) -> None:
        """Every marketplace connector's publication of the package, with what the marketplace said."""
        for p in ForgeClient().publications(package_id):
            console.print(_line(p), soft_wrap=True)

    @pubs.command("show")
    @friendly
    def show(publication_id: Annotated[str, typer.Argument(help="Publication id")]) -> None:
        """A publication and every transition it made."""
        detail = ForgeClient().publication(publication_id)
        console.print(_line(detail["publication"]), soft_wrap=True)
        for e in detail["events"]:
            line = f"  {e['created_at']}  {e['from_status'] or '-'} -> {e['to_status']} (attempt {e['attempts']})"
            console.print(untrusted(f"{line}: {e['message'] or ''}"), soft_wrap=True)

    @pubs.command("retry")
    @friendly
    def retry(
        publication_id: Annotated[str, typer.Argument(help="A failed publication, or a failed retraction")],
    ) -> None:
        """Attempt one publication (or its retraction) again; the other marketplaces are not touched."""
        console.print(_line(ForgeClient().retry_publication(publication_id)), soft_wrap=True)

    @pubs.command("done")
    @friendly
    def done(
        publication_id: Annotated[str, typer.Argument(help="A publication waiting on a person")],
        note: Annotated[str, typer.Option("--note", help="What was done, and where (kept in the history)")],
    ) -> None:
        """Record that the manual step the publication waits on (an upload, a listing closed) is done."""
        console.print(_line(ForgeClient().publication_done(publication_id, note)), soft_wrap=True)
