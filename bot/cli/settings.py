"""`idesluss settings show|set`: an organisation's own settings (today: whether anonymous ideas are allowed).

Every change is recorded in the audit trail.
"""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli import common

settings_app = typer.Typer(help="An organisation's settings.", no_args_is_help=True)
OrganisationOption = Annotated[str | None, typer.Option("--organisation", "--org", help="The organisation's key "
                                                                              "(default: IDESLUSS_ORGANISATION).")]
SETTINGS = {"anonymous-ideas": "anonymous_ideas"}
ON, OFF = ("on", "yes", "true", "1", "på", "ja"), ("off", "no", "false", "0", "av", "nej")


def register(app: typer.Typer) -> None:
    app.add_typer(settings_app, name="settings")


@settings_app.command("show")
def settings_show(organisation: OrganisationOption = None) -> None:
    """The organisation's settings."""
    from storage.people import find_org

    key = organisation or common.settings().organisation
    with common.database().session() as session:
        org = find_org(session, key)
        if org is None:
            common.fail(f"No organisation {key!r} yet (it is created when someone first uses the bot).")
        for name, column in SETTINGS.items():
            typer.echo(f"{name}\t{'on' if getattr(org, column) else 'off'}")


@settings_app.command("set")
def settings_set(name: str, value: str, organisation: OrganisationOption = None) -> None:
    """Set NAME to VALUE, e.g. `idesluss settings set anonymous-ideas off`."""
    from storage import audit
    from storage.people import get_or_create_org

    if name not in SETTINGS:
        common.fail(f"Unknown setting {name!r}: choose one of {', '.join(SETTINGS)}.")
    if value.lower() not in ON + OFF:
        common.fail(f"{name} is on or off, not {value!r}.")
    wanted = value.lower() in ON
    config, now = common.settings(), common.clock().now()
    key = organisation or config.organisation
    with common.database(config).session() as session:
        name_of = (config.organisation_name or None) if key == config.organisation else None
        org = get_or_create_org(session, key, name_of, now=now)
        column = SETTINGS[name]
        before = bool(getattr(org, column))
        if before == wanted:
            typer.echo(f"{name} is {value.lower()} already for {key}.")
            return
        setattr(org, column, wanted)
        session.add(org)
        audit.record(session, action=audit.ORG_SETTING, now=now, via=audit.CLI, operator=common.operator(),
                     org_id=org.id, detail={"setting": name, "from": before, "to": wanted})
    typer.echo(f"{name} is now {'on' if wanted else 'off'} for {key}." + (
        "" if wanted else " Ideas that are anonymous already stay anonymous."))
