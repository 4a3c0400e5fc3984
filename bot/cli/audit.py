"""`idesluss audit list`: the audit trail — who did what, when, from where — as a table or JSON."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from bot.cli import common

audit_app = typer.Typer(help="The audit trail (append-only).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")


@audit_app.command("list")
def audit_list(
    since: Annotated[str | None, typer.Option("--since", help="From this date (local midnight) or ISO time.")
                     ] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """Every recorded act, oldest first. People are named as they are now: an erased one as "Tidigare
    medarbetare", an operator by their OS account, the scheduler as "scheduler"."""
    from sqlmodel import col, select

    from bot.core import records_text  # noqa: F401 - "Tidigare medarbetare"
    from bot.core.i18n import language, t
    from storage import audit
    from storage.models import Idea, Organisation, Person, as_utc

    if format not in ("table", "json"):
        common.fail("--format must be table or json")
    settings = common.settings()
    starting = common.moment(since, "--since", settings)
    former = t(language(settings.default_locale), "person.former")
    db = common.database(settings)
    with db.session() as session:
        found = audit.entries(session, since=starting)
        ids = {e.actor_id for e in found} | {e.subject_id for e in found}
        people = {p.id: p for p in session.exec(select(Person).where(
            col(Person.id).in_([i for i in ids if i is not None]))).all()} if ids else {}
        orgs = {o.id: o.key for o in session.exec(select(Organisation)).all()}
        idea_ids = [e.idea_id for e in found if e.idea_id is not None]
        numbers = {i.id: i.number for i in session.exec(select(Idea).where(
            col(Idea.id).in_(idea_ids))).all()} if idea_ids else {}

        def who(person_id: int | None) -> str | None:
            if person_id is None:
                return None
            person = people.get(person_id)
            return former if person is None or person.erased else person.ref

        rows: list[dict[str, Any]] = [{
            "id": e.id, "at": as_utc(e.at).isoformat(), "organisation": orgs.get(e.org_id),
            "action": e.action, "actor": who(e.actor_id) or e.operator or e.via, "actor_id": e.actor_id,
            "via": e.via, "subject": who(e.subject_id), "subject_id": e.subject_id,
            "idea": numbers.get(e.idea_id) if e.idea_id is not None else None, "idea_id": e.idea_id,
            "detail": audit.detail_of(e)} for e in found]
    if format == "json":
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    if not rows:
        typer.echo("The audit trail is empty.")
    for row in rows:
        idea = f" #{row['idea']}" if row["idea"] is not None else ""
        subject = f" → {row['subject']}" if row["subject"] else ""
        detail = " ".join(f"{k}={v}" for k, v in row["detail"].items())
        typer.echo(f"{row['at']}\t{row['organisation'] or '-'}\t{row['via']}\t{row['actor']}\t{row['action']}"
                   f"{idea}{subject}\t{detail}")
