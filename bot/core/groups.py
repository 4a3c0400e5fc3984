"""Pilot groups in chat: `/idé grupp …` for admins, `/idé paus …` for everyone, and nudge answers.

Registered through `bot.core.extensions` (FEATURE_MODULES): the core's grammar stays closed to edits.
Adapters call `record_nudge_engagement` for reactions on a nudge and `answer_nudge` for replies in its
thread; the capture enricher links every other answer (the button's form, `idé …` the same week).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.core import groups_text  # noqa: F401 - registers the text
from bot.core.context import Actor, Context, Origin
from bot.core.extensions import ACTIONS, CAPTURE_ENRICHERS, command
from bot.core.i18n import t
from bot.core.replies import ActionId, Reply, ReplyKind
from storage import groups as store
from storage import nudges as nudge_store
from storage.models import Nudge, Person
from storage.people import UnknownPersonRef, get_or_create_person, has_role, parse_person_ref

if TYPE_CHECKING:
    from bot.core.service import Core

MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
VERBS = ("lista", "list", "skapa", "create", "lägg till", "add", "ta bort", "remove", "fråga", "prompt")
PAUSE = re.compile(r"^(\d{1,2})\s*(v|w|veckor|vecka|weeks?|d|dagar|dag|days?)$")


def _week_now(timezone: str) -> str:
    year, week, _ = datetime.now(ZoneInfo(timezone)).isocalendar()
    return f"{year}-W{week:02d}"


def _info(ctx: Context, key: str, **values: object) -> Reply:
    return Reply(ReplyKind.INFO, t(ctx.lang, key, **values), locale=ctx.lang)


def _error(ctx: Context, key: str, **values: object) -> Reply:
    return Reply(ReplyKind.ERROR, t(ctx.lang, key, **values), locale=ctx.lang)


# -- /idé paus ------------------------------------------------------------------------------------------


@command("paus", "pause")
def pause(ctx: Context, rest: str) -> Reply | None:
    word = rest.strip().casefold()
    person = ctx.person
    if word in ("av", "off", "på", "on"):
        person.nudges_paused_until, person.nudges_opt_out = None, False
        ctx.session.add(person)
        return _info(ctx, "pause.off")
    if word in ("stopp", "stop", "alltid", "always"):
        person.nudges_opt_out = True
        ctx.session.add(person)
        return _info(ctx, "pause.stop")
    if not word:
        return Reply(ReplyKind.HELP, t(ctx.lang, "pause.usage"), locale=ctx.lang)
    match = PAUSE.match(word)
    if not match:
        return None  # "/idé paus i personalrummet …" is an idea, not a command
    days = int(match.group(1)) * (1 if match.group(2).startswith("d") else 7)
    person.nudges_paused_until = datetime.now(UTC) + timedelta(days=days)
    ctx.session.add(person)
    return _info(ctx, "pause.done", date=person.nudges_paused_until.date().isoformat())


# -- /idé grupp (admins) --------------------------------------------------------------------------------


def _people(ctx: Context, refs: list[str]) -> list[Person] | Reply:
    found = []
    for ref in refs:
        mention = MENTION.match(ref)
        try:
            platform, user_id = ("slack", mention.group(1)) if mention else parse_person_ref(ref)
        except UnknownPersonRef:
            return Reply(ReplyKind.ERROR, f"{ref}?", locale=ctx.lang)
        found.append(get_or_create_person(ctx.session, ctx.org, platform, user_id))
    return found


@command("grupp", "group", "grupper", "groups")
def group_command(ctx: Context, rest: str) -> Reply | None:
    try:
        words = shlex.split(rest)
    except ValueError:
        words = rest.split()
    if len(words) >= 2 and [w.casefold() for w in words[:2]] in (["lägg", "till"], ["ta", "bort"]):
        words = [f"{words[0]} {words[1]}", *words[2:]]
    verb = words[0].casefold() if words else "lista"
    args = words[1:]
    if verb not in VERBS:
        return None  # "/idé grupp träning för äldre" is an idea, not a command
    if not has_role(ctx.session, ctx.person, "admin"):
        return _error(ctx, "group.not_admin")
    if verb in ("lista", "list"):
        return _list(ctx)
    if not args:
        return Reply(ReplyKind.HELP, t(ctx.lang, "group.usage"), locale=ctx.lang)
    name = args[0]
    if verb in ("skapa", "create"):
        try:
            group = store.create_group(ctx.session, ctx.org.id, name)
        except store.GroupExists:
            return _error(ctx, "group.exists", name=name)
        return _info(ctx, "group.created", name=group.name, schedule=f"{group.schedule_day} {group.schedule_time}",
                     timezone=group.timezone)
    group = store.get_group(ctx.session, ctx.org.id, name)
    if group is None:
        return _error(ctx, "group.unknown", name=name)
    if verb in ("lägg till", "add") or verb in ("ta bort", "remove"):
        people = _people(ctx, args[1:])
        if isinstance(people, Reply):
            return people
        if verb in ("lägg till", "add"):
            return _info(ctx, "group.members_added", count=store.add_members(ctx.session, group, people), name=name)
        return _info(ctx, "group.members_removed", count=store.remove_members(ctx.session, group, people), name=name)
    if verb in ("fråga", "prompt") and len(args) > 1:
        store.add_prompt(ctx.session, group, " ".join(args[1:]))
        return _info(ctx, "group.prompt_added", name=name)
    return Reply(ReplyKind.HELP, t(ctx.lang, "group.usage"), locale=ctx.lang)


def _list(ctx: Context) -> Reply:
    groups = store.all_groups(ctx.session, ctx.org.id)
    if not groups:
        return _info(ctx, "group.list_empty")
    counts = store.member_counts(ctx.session)
    lines = [t(ctx.lang, "group.line", name=g.name, members=counts.get(g.id, 0),
               schedule=f"{g.schedule_day} {g.schedule_time}", timezone=g.timezone,
               channel=f", {g.slack_channel or g.teams_conversation}" if g.slack_channel or g.teams_conversation
               else "") for g in groups]
    return Reply(ReplyKind.INFO, "\n".join(lines), title=t(ctx.lang, "group.list_title"), locale=ctx.lang)


# -- nudge answers and engagement -----------------------------------------------------------------------


def _nudge_from_context(value: str) -> int | None:
    head, _, tail = value.partition(":")
    if head == "nudge" and tail.isdigit():
        return int(tail)
    return int(value) if value.isdigit() else None


def link_capture_to_nudge(ctx: Context, origin: Origin) -> Origin:
    """An idea from the nudge's button, its thread, or `idé …` by a member the same week answers the nudge."""
    if origin.original_author:  # someone else's message saved as an idea: not this person's answer
        return origin
    nudge: Nudge | None = None
    nudge_id = origin.nudge_id or _nudge_from_context(origin.context)
    if nudge_id is not None:
        nudge = ctx.session.get(Nudge, nudge_id)
    elif ctx.person.id is not None:
        nudge = nudge_store.latest_nudge_for_member(ctx.session, ctx.person.id, _week_now(ctx.timezone))
    if nudge is None or nudge.org_id != ctx.org.id:
        return origin
    nudge_store.record_engagement(ctx.session, nudge.id, ctx.person.id, nudge_store.ANSWERED)
    return replace(origin, nudge_id=nudge.id, group_id=origin.group_id or nudge.group_id)


def skip_week(ctx: Context, action_id: str, value: str) -> Reply | None:
    nudge_id = _nudge_from_context(value)
    nudge = ctx.session.get(Nudge, nudge_id) if nudge_id is not None else None
    if nudge is None:
        return None
    nudge_store.record_engagement(ctx.session, nudge.id, ctx.person.id, nudge_store.SKIPPED)
    return _info(ctx, "nudge.skipped")


def nudge_for_message(core: Core, platform: str, message_ref: str) -> int | None:
    """The nudge a platform message is (Slack ts, Teams activity id), for adapters handling its thread."""
    with core.db.session() as session:
        nudge = nudge_store.nudge_for_message(session, platform, message_ref)
        return nudge.id if nudge else None


def record_nudge_engagement(core: Core, actor: Actor, kind: str, *, message_ref: str | None = None,
                            nudge_id: int | None = None) -> bool:
    """Adapters call this for a reaction ("reacted") or a reply ("replied") on a nudge message.

    Returns False when the message is no nudge or the engagement was recorded before. Such a member gets
    no reminder.
    """
    with core.context(actor) as ctx:
        if nudge_id is None and message_ref is not None:
            nudge = nudge_store.nudge_for_message(ctx.session, actor.platform, message_ref)
            nudge_id = nudge.id if nudge else None
        if nudge_id is None:
            return False
        return nudge_store.record_engagement(ctx.session, nudge_id, ctx.person.id, kind)


def answer_nudge(core: Core, actor: Actor, text: str, *, thread_ref: str, origin: Origin | None = None) -> Reply | None:
    """A reply in a nudge's thread becomes an idea linked to the group and nudge; None if it is no nudge."""
    from bot.core.ideas import capture

    nudge_id = nudge_for_message(core, actor.platform, thread_ref)
    if nudge_id is None:
        return None
    with core.context(actor) as ctx:
        nudge_store.record_engagement(ctx.session, nudge_id, ctx.person.id, nudge_store.REPLIED)
        return capture(ctx, text, replace(origin or Origin(), nudge_id=nudge_id))


CAPTURE_ENRICHERS.append(link_capture_to_nudge)
ACTIONS[ActionId.NUDGE_SKIP] = skip_week
