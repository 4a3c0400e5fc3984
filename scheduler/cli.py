"""`idesluss groups …`, `nudge send`, `digest send|preview` and `idesluss scheduler`.

Registered in `bot/cli.py` with one line. Sends from here are an operator's explicit act: they build the
platform senders from the settings and dispatch at once, through the same outbox and rate limits.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime
from typing import Annotated

import typer

groups_app = typer.Typer(help="Pilot groups: members, schedule, channel, prompts.", no_args_is_help=True)
nudge_app = typer.Typer(help="Nudges: the weekly question to a pilot group.", no_args_is_help=True)
digest_app = typer.Typer(help="The weekly digest for managers.", no_args_is_help=True)

SCHEDULE = re.compile(r"^([a-z]{3}(?:[-,][a-z]{3})*)\s+([01]?\d|2[0-3]):([0-5]\d)$")
WEEK = re.compile(r"^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$")


def register(app: typer.Typer) -> None:
    app.add_typer(groups_app, name="groups")
    app.add_typer(nudge_app, name="nudge")
    app.add_typer(digest_app, name="digest")
    app.command("scheduler")(scheduler_command)


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(2)


def _open():  # type: ignore[no-untyped-def]
    from bot.cli import open_database
    from bot.config import get_settings

    settings = get_settings()
    return settings, open_database(settings)


def _org(session, settings, platform: str = ""):  # type: ignore[no-untyped-def]
    from bot.core.service import org_key_for
    from storage.people import get_or_create_org

    return get_or_create_org(session, org_key_for(platform, settings))


def _group(session, name: str):  # type: ignore[no-untyped-def]
    from storage.groups import find_group

    group = find_group(session, name)
    if group is None:
        raise _fail(f"No group called {name!r}: see `idesluss groups list`.")
    return group


def _people(session, refs: list[str]):  # type: ignore[no-untyped-def]
    from bot.cli import _person_for_role

    return [_person_for_role(session, ref) for ref in refs]


def _dispatch(settings, db, platforms: set[str]) -> dict[str, int]:  # type: ignore[no-untyped-def]
    from scheduler.dispatcher import Dispatcher
    from scheduler.senders import build_senders
    from storage import outbox

    senders = build_senders(settings, db)
    with db.session() as session:
        waiting = outbox.waiting_by_platform(session)
    missing = {p for p in platforms - set(senders) if waiting.get(p)}
    if missing:
        typer.echo(f"No sender configured for {', '.join(sorted(missing))}: those messages wait in the outbox.",
                   err=True)
    dispatcher = Dispatcher.from_settings(settings, db, senders)
    result = asyncio.run(dispatcher.drain(max_wait=120))
    return {"sent": result.sent, "failed": result.failed, "dead": result.dead}


# -- groups ---------------------------------------------------------------------------------------------


@groups_app.command("create")
def groups_create(
    name: str,
    schedule: Annotated[str, typer.Option(help='Day(s) and local time, e.g. "mon 09:00".')] = "mon 09:00",
    timezone: Annotated[str, typer.Option(help="IANA time zone of the schedule.")] = "Europe/Stockholm",
    slack_channel: Annotated[str | None, typer.Option(help="Post the nudge in this Slack channel (C…).")] = None,
    teams_conversation: Annotated[str | None, typer.Option(help="Post the nudge in this Teams conversation.")] = None,
    dm: Annotated[bool, typer.Option("--dm", help="DM every member too, even with a channel.")] = False,
    platform: Annotated[str, typer.Option(help="Organisation of: slack/teams (configured) or shell (local).")] = "",
) -> None:
    """Create the pilot group NAME."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from storage.groups import GroupExists, create_group

    match = SCHEDULE.match(schedule.strip().lower())
    if not match:
        raise _fail('--schedule is "DAY HH:MM" with day names (mon, tue, …, mon-fri), e.g. "mon 09:00".')
    day, hour, minute = match.group(1), int(match.group(2)), match.group(3)
    if 2 <= hour < 3:
        raise _fail("Choose a time outside 02:00–03:00: that hour is skipped or doubled when the clocks change.")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise _fail(f"Unknown time zone {timezone!r}.") from None
    settings, db = _open()
    with db.session() as session:
        try:
            group = create_group(session, _org(session, settings, platform).id, name, schedule_day=day,
                                 schedule_time=f"{hour:02d}:{minute}", timezone=timezone, slack_channel=slack_channel,
                                 teams_conversation=teams_conversation, dm_members=dm)
        except GroupExists:
            raise _fail(f"A group called {name!r} exists already.") from None
        typer.echo(f"Group {group.name!r} created: {group.schedule_day} {group.schedule_time} {group.timezone}.")
    if not settings.working_hours_start <= hour < settings.working_hours_end:
        typer.echo(f"Note: {hour:02d}:{minute} is outside working hours ({settings.working_hours_start}–"
                   f"{settings.working_hours_end}); scheduled nudges will be held back. `nudge send` still works.",
                   err=True)


@groups_app.command("add-member")
def groups_add_member(name: str, people: list[str]) -> None:
    """Add one or more PEOPLE (slack:U…, teams:<aad id>, shell:<name>) to the group NAME."""
    from storage.groups import add_members

    _, db = _open()
    with db.session() as session:
        group = _group(session, name)
        added = add_members(session, group, _people(session, people))
    typer.echo(f"{added} added to {name!r} ({len(people) - added} were members already).")


@groups_app.command("remove-member")
def groups_remove_member(name: str, people: list[str]) -> None:
    """Remove PEOPLE from the group NAME."""
    from storage.groups import remove_members

    _, db = _open()
    with db.session() as session:
        removed = remove_members(session, _group(session, name), _people(session, people))
    typer.echo(f"{removed} removed from {name!r}.")


@groups_app.command("list")
def groups_list() -> None:
    """Every group with its schedule, channel and members."""
    from storage.groups import all_groups, members, prompts

    _, db = _open()
    with db.session() as session:
        groups = all_groups(session)
        if not groups:
            typer.echo("No groups yet: `idesluss groups create NAME`.")
        for g in groups:
            where = ", ".join(x for x in (g.slack_channel and f"slack {g.slack_channel}",
                                          g.teams_conversation and f"teams {g.teams_conversation}") if x) or "DM"
            people = members(session, g.id)
            typer.echo(f"{g.name}\t{g.schedule_day} {g.schedule_time} {g.timezone}\t{where}"
                       f"{' + DM' if g.dm_members else ''}\t{len(people)} members, "
                       f"{len(prompts(session, g.id)) or 'default'} prompts")
            for person in people:
                typer.echo(f"  {person.ref}")


@groups_app.command("prompts")
def groups_prompts(name: str, add: Annotated[list[str] | None, typer.Option("--add", help="A new prompt.")] = None
                   ) -> None:
    """Show the group's prompts, or add some with --add "…" (several allowed)."""
    from bot.core.groups_text import DEFAULT_PROMPTS
    from storage.groups import add_prompt, prompts

    _, db = _open()
    with db.session() as session:
        group = _group(session, name)
        for text in add or []:
            add_prompt(session, group, text)
        own = prompts(session, group.id)
    for text in own or [sv for sv, _ in DEFAULT_PROMPTS]:
        typer.echo(text)
    if not own:
        typer.echo("(the default rotation: add the group's own with --add)")


# -- nudges and digests -----------------------------------------------------------------------------------


@nudge_app.command("send")
def nudge_send(name: str, dm: Annotated[bool, typer.Option("--dm", help="DM every member.")] = False) -> None:
    """Send the group's prompt now (whatever the hour or day; snoozes and opt-outs still hold)."""
    from scheduler.clock import SystemClock
    from scheduler.nudges import send_nudge
    from storage.groups import members

    settings, db = _open()
    with db.session() as session:
        group = _group(session, name)
        platforms = {p.platform for p in members(session, group.id)} | {
            p for p, c in (("slack", group.slack_channel), ("teams", group.teams_conversation)) if c}
    outcome = send_nudge(db, settings, group.id, now=SystemClock().now(), manual=True, dm=dm)
    result = _dispatch(settings, db, platforms)
    typer.echo(f"Nudge #{outcome.nudge_id} to {name!r}: {outcome.enqueued} new messages, "
               f"{outcome.skipped_people} members paused or opted out; sent {result['sent']}, "
               f"failed {result['failed']}, dead {result['dead']}.")


@digest_app.command("send")
def digest_send(
    week: Annotated[str | None, typer.Option(help="ISO week, e.g. 2026-W48 (default: this week).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the digests; send and record nothing.")] = False,
) -> None:
    """Build every manager's digest and send it now. A rerun in the same week sends nothing new."""
    from bot.shell import render
    from scheduler.clock import SystemClock
    from scheduler.digests import build_digests

    if week is not None and not WEEK.match(week.upper()):
        raise _fail("--week is YYYY-Www, e.g. 2026-W48.")
    settings, db = _open()
    run = build_digests(db, settings, now=SystemClock().now(), week=week.upper() if week else None, dry_run=dry_run)
    if dry_run:
        for ref, reply in run.previews:
            typer.echo(f"--- {ref}\n{render(reply)}\n")
        typer.echo(f"{run.managers} digests for {run.week} (dry run: nothing sent).")
        return
    result = _dispatch(settings, db, {"slack", "teams", "shell"})
    typer.echo(f"Digests {run.week}: {run.managers} managers, {run.enqueued} new, {run.already_sent} already sent; "
               f"delivered {result['sent']}, failed {result['failed']}, dead {result['dead']}.")


@digest_app.command("preview")
def digest_preview(person: str) -> None:
    """Print PERSON's digest of this week without sending it."""
    from bot.shell import render
    from scheduler.clock import SystemClock
    from scheduler.digests import build_digests

    settings, db = _open()
    run = build_digests(db, settings, now=SystemClock().now(), dry_run=True, only=[person.strip()])
    if not run.previews:
        raise _fail(f"{person} is no manager: `idesluss roles grant {person} manager` first.")
    typer.echo(render(run.previews[0][1]))


def scheduler_command(
    once: Annotated[bool, typer.Option("--once", hidden=True, help="Catch up, dispatch, exit (tests).")] = False,
    at: Annotated[str | None, typer.Option("--at", hidden=True, help="Pretend it is this ISO time (tests).")] = None,
) -> None:
    """Run the scheduler alone (nudges, digests, reminders, the outbox), without the web app."""
    import signal
    import threading

    from bot.web.logs import configure_logging_for
    from scheduler.clock import ManualClock, SystemClock
    from scheduler.runner import SchedulerService
    from scheduler.senders import build_senders

    settings, db = _open()
    configure_logging_for(settings)
    clock = ManualClock(datetime.fromisoformat(at)) if at else SystemClock()
    service = SchedulerService(settings, db, build_senders(settings, db), clock=clock)
    if once:
        service.keep_lease()  # and, once the lease is taken, catch up on what is due
        service.run_reminders()
        service.tick()
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    service.start()
    typer.echo("Scheduler running; Ctrl-C stops it.")
    stop.wait()
    service.shutdown()
