"""`idesluss groups …`: pilot groups — members, schedule, channel and their own prompts."""

from __future__ import annotations

import re
from typing import Annotated

import typer

from bot.cli import common

groups_app = typer.Typer(help="Pilot groups: members, schedule, channel, prompts.", no_args_is_help=True)
OrgOption = Annotated[str | None, typer.Option("--org", help="The organisation (its key), when there are several.")]
SCHEDULE = re.compile(r"^([a-z]{3}(?:[-,][a-z]{3})*)\s+([01]?\d|2[0-3]):([0-5]\d)$")


def register(app: typer.Typer) -> None:
    app.add_typer(groups_app, name="groups")



@groups_app.command("create")
def groups_create(
    name: str,
    schedule: Annotated[str, typer.Option(help='Day(s) and local time, e.g. "mon 09:00".')] = "mon 09:00",
    timezone: Annotated[str, typer.Option(help="IANA time zone of the schedule.")] = "Europe/Stockholm",
    slack_channel: Annotated[str | None, typer.Option(help="Post the nudge in this Slack channel (C…).")] = None,
    teams_conversation: Annotated[str | None, typer.Option(help="Post the nudge in this Teams conversation.")] = None,
    dm: Annotated[bool, typer.Option("--dm", help="DM every member too, even with a channel.")] = False,
    platform: Annotated[str, typer.Option(help="Organisation of: slack/teams (configured) or shell (local).")] = "",
    org: OrgOption = None,
) -> None:
    """Create the pilot group NAME."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from storage.groups import GroupExists, create_group

    match = SCHEDULE.match(schedule.strip().lower())
    if not match:
        common.fail('--schedule is "DAY HH:MM" with day names (mon, tue, …, mon-fri), e.g. "mon 09:00".')
    day, hour, minute = match.group(1), int(match.group(2)), match.group(3)
    if 2 <= hour < 3:
        common.fail("Choose a time outside 02:00–03:00: that hour is skipped or doubled when the clocks change.")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        common.fail(f"Unknown time zone {timezone!r}.")
    settings, now = common.settings(), common.clock().now()
    db = common.database(settings)
    with db.session() as session:
        try:
            owner = common.org_by_key(session, org, settings, now, platform) if org else \
                common.organisation(session, settings, platform, now)
            group = create_group(session, owner.id, name,
                                 schedule_day=day, schedule_time=f"{hour:02d}:{minute}", timezone=timezone,
                                 slack_channel=slack_channel, teams_conversation=teams_conversation, dm_members=dm,
                                 now=now)
        except GroupExists:
            common.fail(f"A group called {name!r} exists already.")
        typer.echo(f"Group {group.name!r} created: {group.schedule_day} {group.schedule_time} {group.timezone}.")
    if not settings.working_hours_start <= hour < settings.working_hours_end:
        typer.echo(f"Note: {hour:02d}:{minute} is outside working hours ({settings.working_hours_start}–"
                   f"{settings.working_hours_end}); scheduled nudges will be held back. `nudge send` still works.",
                   err=True)


@groups_app.command("add-member")
def groups_add_member(name: str, people: list[str], org: OrgOption = None) -> None:
    """Add one or more PEOPLE (slack:U…, teams:<aad id>, shell:<name>) to the group NAME."""
    from storage.groups import add_members
    from storage.models import Organisation

    settings, now = common.settings(), common.clock().now()
    db = common.database(settings)
    with db.session() as session:
        group = common.group(session, name, org)
        owner = session.get(Organisation, group.org_id)
        added = add_members(session, group, [common.person(session, ref, settings, now, org=owner) for ref in people],
                            now=now)
    typer.echo(f"{added} added to {name!r} ({len(people) - added} were members already).")


@groups_app.command("remove-member")
def groups_remove_member(name: str, people: list[str], org: OrgOption = None) -> None:
    """Remove PEOPLE from the group NAME."""
    from storage.groups import remove_members

    settings, now = common.settings(), common.clock().now()
    db = common.database(settings)
    with db.session() as session:
        found = common.group(session, name, org)
        removed = remove_members(session, found, [common.person(session, ref, settings, now) for ref in people])
    typer.echo(f"{removed} removed from {name!r}.")


@groups_app.command("set-coach")
def groups_set_coach(name: str, person: str) -> None:
    """New ideas of the group NAME (its nudges' and its members') go to PERSON, a coach, unless their unit has one."""
    from storage.feedback import set_group_coach
    from storage.people import has_role

    settings, now = common.settings(), common.clock().now()
    db = common.database(settings)
    with db.session() as session:
        group = common.group(session, name)
        coach = common.person(session, person, settings, now)
        if not has_role(session, coach, "coach"):
            common.fail(f"{person} is no coach: `idesluss roles grant {person} coach` first.")
        set_group_coach(session, group, coach)
    typer.echo(f"New ideas of {name!r} go to {person}.")


@groups_app.command("list")
def groups_list() -> None:
    """Every group with its schedule, channel and members."""
    from storage.groups import all_groups, members, prompts
    from storage.orgs import all_orgs

    db = common.database()
    with db.session() as session:
        groups = all_groups(session)
        keys = {o.id: o.key for o in all_orgs(session)}
        if not groups:
            typer.echo("No groups yet: `idesluss groups create NAME`.")
        for g in groups:
            where = ", ".join(x for x in (g.slack_channel and f"slack {g.slack_channel}",
                                          g.teams_conversation and f"teams {g.teams_conversation}") if x) or "DM"
            people = members(session, g.id)
            typer.echo(f"{g.name}\t{g.schedule_day} {g.schedule_time} {g.timezone}\t{where}"
                       f"{' + DM' if g.dm_members else ''}\t{len(people)} members, "
                       f"{len(prompts(session, g.id)) or 'default'} prompts\torg {keys.get(g.org_id)}")
            for person in people:
                typer.echo(f"  {person.ref}")


@groups_app.command("prompts")
def groups_prompts(name: str, add: Annotated[list[str] | None, typer.Option("--add", help="A new prompt.")] = None,
                   org: OrgOption = None) -> None:
    """Show the group's prompts, or add some with --add "…" (several allowed)."""
    from bot.core.groups_text import DEFAULT_PROMPTS
    from storage.groups import add_prompt, prompts

    now = common.clock().now()
    db = common.database()
    with db.session() as session:
        group = common.group(session, name, org)
        for text in add or []:
            add_prompt(session, group, text, now=now)
        own = prompts(session, group.id)
    for text in own or [sv for sv, _ in DEFAULT_PROMPTS]:
        typer.echo(text)
    if not own:
        typer.echo("(the default rotation: add the group's own with --add)")
