"""`idesluss db upgrade` and `idesluss ideas export`: the schema, and the ideas for a registry/diarium."""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import asdict
from typing import Annotated

import typer

from bot.cli import common

db_app = typer.Typer(help="The database.", no_args_is_help=True)
ideas_app = typer.Typer(help="Ideas.", no_args_is_help=True)

EXPORT_FIELDS = ["id", "number", "title", "text", "problem", "benefit", "unit", "stage", "anonymous", "author",
                 "source", "source_link", "organisation", "votes", "created_at", "updated_at"]


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
    app.add_typer(ideas_app, name="ideas")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the database schema to the newest version (once per release, before the replicas)."""
    from storage.db import Database

    Database(common.settings().database_url).upgrade()
    typer.echo("Database is up to date.")


@ideas_app.command("export")
def ideas_export(
    format: Annotated[str, typer.Option("--format", "-f", help="json or csv.")] = "json",
    organisation: Annotated[str | None, typer.Option("--organisation", "--org",
                                                     help="Only this organisation (its key).")] = None,
) -> None:
    """Print every idea as JSON (a list) or CSV (UTF-8, for a registry/diarium import)."""
    from storage.ideas import export_ideas

    if format not in ("json", "csv"):
        common.fail("--format must be json or csv")
    db = common.database()
    with db.session() as session:
        rows = [asdict(r) for r in export_ideas(session, org_key=organisation)]
    for row in rows:
        for key in ("created_at", "updated_at"):
            row[key] = row[key].isoformat()
    if format == "json":
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    writer = csv.DictWriter(sys.stdout, fieldnames=EXPORT_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({k: row[k] for k in EXPORT_FIELDS} for row in rows)
