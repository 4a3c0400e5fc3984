"""`idesluss coaches assign|unassign|list`: which coach owns the new ideas of a unit."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli import common

coaches_app = typer.Typer(help="Idea coaches: who owns new ideas.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(coaches_app, name="coaches")


@coaches_app.command("assign")
def coaches_assign(person: str, unit: Annotated[str, typer.Option("--unit", help='The unit, e.g. "Hemtjänst".')]
                   ) -> None:
    """New ideas of UNIT go to PERSON (a coach: slack:U…, teams:<aad id>, shell:<name>)."""
    from storage.feedback import set_unit_coach
    from storage.people import has_role

    if not unit.strip():
        common.fail("--unit is the unit's name, e.g. --unit \"Hemtjänst\".")
    settings, now = common.settings(), common.clock().now()
    db = common.database(settings)
    with db.session() as session:
        coach = common.person(session, person, settings, now)
        if not has_role(session, coach, "coach"):
            common.fail(f"{person} is no coach: `idesluss roles grant {person} coach` first.")
        row = set_unit_coach(session, coach.org_id, unit, coach, now=now)
        typer.echo(f"New ideas of {row.unit!r} go to {person}.")


@coaches_app.command("unassign")
def coaches_unassign(unit: Annotated[str, typer.Option("--unit", help="The unit.")],
                     platform: Annotated[str, typer.Option(help="Organisation of: slack/teams or shell.")] = ""
                     ) -> None:
    """New ideas of UNIT go to the group's coach or the coaches in turn again."""
    from storage.feedback import remove_unit_coach

    settings, now = common.settings(), common.clock().now()
    db = common.database(settings)
    with db.session() as session:
        org = common.organisation(session, settings, platform, now)
        removed = remove_unit_coach(session, org.id, unit)
    typer.echo(f"{unit!r} has no coach of its own now." if removed else f"{unit!r} had no coach of its own.")


@coaches_app.command("list")
def coaches_list() -> None:
    """Every unit with its coach."""
    from storage.feedback import unit_coaches

    db = common.database()
    with db.session() as session:
        rows = unit_coaches(session)
        if not rows:
            typer.echo("No unit has a coach of its own: new ideas go to the group's coach, else in turn.")
        for row, person in rows:
            typer.echo(f"{row.unit}\t{person.ref}")
