"""`idesluss orgs set-headcount|set-feedback`: an organisation's own settings for the feedback promise and figures."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli import common

orgs_app = typer.Typer(help="Organisations: their own settings.", no_args_is_help=True)
OrgOption = Annotated[str | None, typer.Option("--org", help="Organisation key (default: IDESLUSS_ORGANISATION; "
                                                             "the shell's is local).")]


def register(app: typer.Typer) -> None:
    app.add_typer(orgs_app, name="orgs")


def _organisation(session, key: str | None):  # type: ignore[no-untyped-def]
    from storage.people import get_or_create_org

    return get_or_create_org(session, key or common.settings().organisation, now=common.clock().now())


@orgs_app.command("set-headcount")
def orgs_set_headcount(count: Annotated[int, typer.Argument(help="Employees (0 clears it).")], org: OrgOption = None
                       ) -> None:
    """The organisation's number of employees: the base of "ideas per 100 employees" and participation."""
    if count < 0:
        common.fail("The headcount is a number of employees, 0 or more.")
    db = common.database()
    with db.session() as session:
        found = _organisation(session, org)
        found.headcount = count or None
        session.add(found)
        typer.echo(f"{found.key}: headcount {count}." if count else
                   f"{found.key}: headcount cleared (IDESLUSS_HEADCOUNT, else the people the bot knows).")


@orgs_app.command("set-feedback")
def orgs_set_feedback(
    days: Annotated[int | None, typer.Option("--days", help="Working days to first feedback (promise).")] = None,
    tell_author: Annotated[bool | None, typer.Option("--tell-author/--no-tell-author",
                                                     help="Tell the author when the promise is missed.")] = None,
    org: OrgOption = None,
) -> None:
    """The feedback promise: its limit in working days, and whether a missed promise is admitted to the author.
    A new limit applies to ideas captured from now on; old promises keep their dates."""
    if days is not None and not 1 <= days <= 100:
        common.fail("--days is a number of working days between 1 and 100.")
    db = common.database()
    with db.session() as session:
        found = _organisation(session, org)
        if days is not None:
            found.first_feedback_days = days
        if tell_author is not None:
            found.tell_author_when_overdue = tell_author
        session.add(found)
        typer.echo(f"{found.key}: answer within {found.first_feedback_days} working days; author told when late: "
                   f"{'yes' if found.tell_author_when_overdue else 'no'}.")
