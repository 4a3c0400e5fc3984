"""`idesluss db upgrade`, `idesluss db recount` and `idesluss ideas export`: the schema, its kept counts, and the
ideas for a registry/diarium."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer

from bot.cli import common, spreadsheet
from storage.exports import ExportRow

db_app = typer.Typer(help="The database.", no_args_is_help=True)
ideas_app = typer.Typer(help="Ideas.", no_args_is_help=True)

# Today's fields first (other tools read them), then what a registrar needs: who (under the anonymity rules),
# when the idea came in, and the decision.
EXPORT_FIELDS = ["id", "number", "title", "text", "problem", "benefit", "unit", "stage", "anonymous", "author",
                 "source", "source_link", "organisation", "votes", "created_at", "updated_at", "author_name",
                 "received_at", "decision_stage", "decision_reason", "decided_at", "decided_by_role",
                 "withdrawn_at"]


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
    app.add_typer(ideas_app, name="ideas")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the database schema to the newest version (once per release, before the replicas)."""
    from storage.db import Database

    Database(common.settings().database_url).upgrade()
    typer.echo("Database is up to date.")


@db_app.command("recount")
def db_recount() -> None:
    """Count the ideas waiting for first feedback again (the digest's backlog, kept by triggers) and set right
    any count that differs: after restoring data with triggers disabled."""
    from storage.backlog import recount

    db = common.database()
    with db.session() as session:
        wrong = recount(session)
    db.dispose()
    typer.echo("Backlog counts were right." if not wrong else f"Backlog counts set right: {wrong} differed.")


OrganisationOption = Annotated[str | None, typer.Option("--organisation", "--org",
                                                        help="Only this organisation (its key).")]


def export_record(row: ExportRow, former: str) -> dict[str, Any]:
    """One idea as the export shows it: EXPORT_FIELDS, in order, an erased author as "Tidigare medarbetare"."""
    values = {name: getattr(row, name) for name in EXPORT_FIELDS}
    if row.author_erased:
        values["author"] = values["author_name"] = former
    return values


@ideas_app.command("export")
def ideas_export(
    format: Annotated[str, typer.Option("--format", "-f", help="json, csv or xlsx.")] = "json",
    organisation: OrganisationOption = None,
    dialect: Annotated[str, typer.Option("--dialect", help="csv only: excel (comma) or excel-sv "
                                                           "(semicolons and a UTF-8 BOM, for Swedish Excel).")
                       ] = "excel",
    since: Annotated[str | None, typer.Option("--since", help="Only ideas created or changed since this date "
                                                              "(local midnight) or ISO time.")] = None,
    with_identities: Annotated[bool, typer.Option("--with-identities", help="Include anonymous ideas' authors "
                                                                            "(recorded in the audit trail).")
                               ] = False,
    include_withdrawn: Annotated[bool, typer.Option("--include-withdrawn", help="Withdrawn ideas too.")] = False,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file (xlsx needs one).")] = None,
) -> None:
    """Every idea with its decision, for a registry/diarium: JSON (a list), CSV (UTF-8) or an xlsx workbook.

    An anonymous idea's author is empty unless --with-identities; every export is recorded in the audit trail.
    """
    from bot.core import records_text  # noqa: F401 - "Tidigare medarbetare"
    from bot.core.i18n import language, t
    from storage import audit
    from storage.exports import export_ideas
    from storage.people import find_org

    if format not in ("json", "csv", "xlsx"):
        common.fail("--format must be json, csv or xlsx")
    if dialect not in spreadsheet.DIALECTS:
        common.fail("--dialect must be excel or excel-sv")
    if dialect != "excel" and format != "csv":
        common.fail("--dialect is for --format csv")
    if format == "xlsx" and out is None:
        common.fail("--format xlsx writes a file: add --out FILE.xlsx")
    settings, now = common.settings(), common.clock().now()
    starting = common.moment(since, "--since", settings)
    former = t(language(settings.default_locale), "person.former")
    db = common.database(settings)
    with db.session() as session:
        org = find_org(session, organisation) if organisation else None
        if organisation and org is None:
            common.fail(f"No organisation {organisation!r}.")
        rows = [export_record(r, former) for r in export_ideas(
            session, org_key=organisation, since=starting, with_identities=with_identities,
            include_withdrawn=include_withdrawn)]
        audit.record(session, action=audit.IDEAS_EXPORT, now=now, via=audit.CLI, operator=common.operator(),
                     org_id=org.id if org else None,
                     detail={"format": format, "with_identities": with_identities, "ideas": len(rows),
                             "since": starting.isoformat() if starting else None,
                             "include_withdrawn": include_withdrawn})
    if format == "xlsx":
        assert out is not None
        spreadsheet.write_xlsx(rows, EXPORT_FIELDS, out, timezone=settings.timezone)
        typer.echo(f"Wrote {len(rows)} ideas to {out}.", err=True)
        return
    with _output(out) as stream:
        if format == "json":
            stream.write(json.dumps(rows, ensure_ascii=False, indent=2, default=_iso) + "\n")
        else:
            spreadsheet.write_csv(rows, EXPORT_FIELDS, stream, dialect=dialect)


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


@contextmanager
def _output(path: Path | None) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    with path.open("w", encoding="utf-8", newline="") as stream:
        yield stream
