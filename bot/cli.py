"""The `idesluss` command line (Typer)."""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import asdict
from typing import Annotated

import typer

from bot.config import Settings, get_settings
from bot.teams.cli import teams_app
from scheduler.cli import register as register_scheduler_commands
from storage.db import Database

app = typer.Typer(help="idesluss – idéslussen i Slack, Teams och terminalen.", no_args_is_help=True,
                  add_completion=False)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
ideas_app = typer.Typer(help="Ideas.", no_args_is_help=True)
roles_app = typer.Typer(help="Roles: coach, manager, admin.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(ideas_app, name="ideas")
app.add_typer(roles_app, name="roles")
app.add_typer(teams_app, name="teams")

EXPORT_FIELDS = ["id", "number", "title", "text", "problem", "benefit", "unit", "stage", "anonymous", "author",
                 "source", "source_link", "organisation", "votes", "created_at", "updated_at"]


def open_database(settings: Settings | None = None) -> Database:
    """Open the configured database; an SQLite database is created and upgraded by itself."""
    settings = settings or get_settings()
    db = Database(settings.database_url)
    if db.dialect == "sqlite":
        db.upgrade()
    else:
        from storage.db import schema_is_current

        if not schema_is_current(db.engine):
            typer.echo("The database schema is not up to date: run `idesluss db upgrade` first.", err=True)
            raise typer.Exit(2)
    return db


@app.command()
def shell(
    user: Annotated[str, typer.Option("--user", "-u", help="Your name in the shell (you are shell:NAME).")] = "",
    lang: Annotated[str, typer.Option("--lang", help="sv or en.")] = "sv",
) -> None:
    """Talk to the bot in the terminal: one message per line, e.g. `/idé Bättre cykelparkering`."""
    import getpass

    from bot.core import Core
    from bot.shell import run_shell

    if lang not in ("sv", "en"):
        typer.echo("--lang must be sv or en", err=True)
        raise typer.Exit(2)
    settings = get_settings()
    core = Core(open_database(settings), settings)
    name = (user or getpass.getuser() or "anna").strip()
    raise typer.Exit(run_shell(core, name, lang))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "0.0.0.0",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 3000,
    no_scheduler: Annotated[bool, typer.Option("--no-scheduler", help="Run no background jobs here.")] = False,
    socket_mode: Annotated[bool, typer.Option("--socket-mode", help="Slack over Socket Mode.")] = False,
) -> None:
    """Run the web app: Slack at /slack/events, Teams at /api/messages, /healthz and /metrics."""
    from bot.web.serve import run

    run(host=host, port=port, no_scheduler=no_scheduler, socket_mode=socket_mode, settings=get_settings())


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the database schema to the newest version."""
    settings = get_settings()
    Database(settings.database_url).upgrade()
    typer.echo("Database is up to date.")


@ideas_app.command("export")
def ideas_export(
    format: Annotated[str, typer.Option("--format", "-f", help="json or csv.")] = "json",
    organisation: Annotated[str | None, typer.Option("--organisation", help="Only this organisation.")] = None,
) -> None:
    """Print every idea as JSON (a list) or CSV (UTF-8, for a registry/diarium import)."""
    from storage.ideas import export_ideas

    if format not in ("json", "csv"):
        typer.echo("--format must be json or csv", err=True)
        raise typer.Exit(2)
    db = open_database()
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


def _person_for_role(session, ref: str):  # type: ignore[no-untyped-def]
    from bot.core.service import org_key_for
    from storage.people import UnknownPersonRef, get_or_create_org, get_or_create_person, parse_person_ref

    try:
        platform, user_id = parse_person_ref(ref)
    except UnknownPersonRef:
        typer.echo(f"Unknown person {ref!r}: write slack:U…, teams:<aad object id> or shell:<name>.", err=True)
        raise typer.Exit(2) from None
    org = get_or_create_org(session, org_key_for(platform, get_settings()))
    return get_or_create_person(session, org, platform, user_id)


def _check_role(role: str) -> None:
    from storage.people import ROLES

    if role not in ROLES:
        typer.echo(f"Unknown role {role!r}: choose one of {', '.join(ROLES)}.", err=True)
        raise typer.Exit(2)


GroupOption = Annotated[str | None, typer.Option("--group", help="Scope a manager to this pilot group "
                                                                 "(without it: the whole organisation).")]


def _group_id(session, name: str | None, org_id: int) -> int | None:  # type: ignore[no-untyped-def]
    if name is None:
        return None
    from storage.groups import get_group

    group = get_group(session, org_id, name)
    if group is None:
        typer.echo(f"There is no pilot group {name!r}: create it with `idesluss groups create`.", err=True)
        raise typer.Exit(2)
    return group.id


@roles_app.command("grant")
def roles_grant(person: str, role: str, group: GroupOption = None) -> None:
    """Give PERSON (slack:U…, teams:<id>, shell:<name>) the ROLE coach, manager or admin."""
    from storage.people import grant_role

    _check_role(role)
    db = open_database()
    with db.session() as session:
        who = _person_for_role(session, person)
        added = grant_role(session, who, role, _group_id(session, group, who.org_id))
    scope = f" for the group {group}" if group else ""
    typer.echo(f"{person} is {role}{scope}." if added else f"{person} was already {role}{scope}.")


@roles_app.command("revoke")
def roles_revoke(person: str, role: str, group: GroupOption = None) -> None:
    """Take ROLE away from PERSON."""
    from storage.people import revoke_role

    _check_role(role)
    db = open_database()
    with db.session() as session:
        who = _person_for_role(session, person)
        removed = revoke_role(session, who, role, _group_id(session, group, who.org_id))
    typer.echo(f"{person} is no longer {role}." if removed else f"{person} did not have the role {role}.")


@roles_app.command("list")
def roles_list() -> None:
    """Everyone with a role."""
    from storage.groups import all_groups
    from storage.people import list_roles

    db = open_database()
    with db.session() as session:
        groups = {g.id: g.name for g in all_groups(session)}
        for person, role in list_roles(session):
            scope = f"\tgroup {groups[role.group_id]}" if role.group_id in groups else ""
            typer.echo(f"{person.ref}\t{role.role}{scope}")


# Feature command groups register here (one line each).
register_scheduler_commands(app)  # groups, nudge, digest, scheduler


def main() -> None:
    app()


if __name__ == "__main__":
    main()
