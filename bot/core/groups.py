"""Pilot groups in chat: `/idé grupp …` for admins, `/idé paus …` for everyone, and nudge answers.

Registered through `bot.core.extensions` (FEATURE_MODULES): the core's grammar stays closed to edits.
Reactions on a nudge (`Core.react`) count as engagement and replies in its thread (`Core.handle_message`
with `thread_ref`) as answers; the capture enricher links every other answer (the button's form, `idé …`
the same week).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.core import groups_text  # noqa: F401 - registers the text
from bot.core.calendar import iso_week
from bot.core.context import Context, Origin
from bot.core.extensions import (
    ACTIONS,
    AFTER_SEND,
    CAPTURE_ENRICHERS,
    COMMANDS,
    REACTION_HANDLERS,
    THREAD_HANDLERS,
    SentMessage,
    command,
)
from bot.core.grammar import parse, strip_prefix
from bot.core.i18n import t
from bot.core.ideas import capture
from bot.core.replies import ActionId, Reply, ReplyKind
from storage import groups as store
from storage import nudges as nudge_store
from storage.models import Nudge, Person
from storage.people import UnknownPersonRef, get_or_create_person, has_role, parse_person_ref

MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
VERBS = ("lista", "list", "skapa", "create", "lägg till", "add", "ta bort", "remove", "fråga", "prompt")
PAUSE = re.compile(r"^(\d{1,2})\s*(v|w|veckor|vecka|weeks?|d|dagar|dag|days?)$")


def _this_week(ctx: Context) -> str:
    return iso_week(ctx.now.astimezone(ZoneInfo(ctx.timezone)).date())


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
    person.nudges_paused_until = ctx.now + timedelta(days=days)
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
        found.append(get_or_create_person(ctx.session, ctx.org, platform, user_id, now=ctx.now))
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
    if not has_role(ctx.session, ctx.person, "admin", org_id=ctx.org.id):
        return _error(ctx, "group.not_admin")
    if verb in ("lista", "list"):
        return _list(ctx)
    if not args:
        return Reply(ReplyKind.HELP, t(ctx.lang, "group.usage"), locale=ctx.lang)
    name = args[0]
    if verb in ("skapa", "create"):
        try:
            group = store.create_group(ctx.session, ctx.org.id, name, now=ctx.now)
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
            return _info(ctx, "group.members_added", count=store.add_members(ctx.session, group, people, now=ctx.now),
                         name=name)
        return _info(ctx, "group.members_removed", count=store.remove_members(ctx.session, group, people), name=name)
    if verb in ("fråga", "prompt") and len(args) > 1:
        store.add_prompt(ctx.session, group, " ".join(args[1:]), now=ctx.now)
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
        nudge = nudge_store.latest_nudge_for_member(ctx.session, ctx.person.id, _this_week(ctx))
    if nudge is None or nudge.org_id != ctx.org.id:
        return origin
    nudge_store.record_engagement(ctx.session, nudge.id, ctx.person.id, nudge_store.ANSWERED, now=ctx.now)
    return replace(origin, nudge_id=nudge.id, group_id=origin.group_id or nudge.group_id)


def skip_week(ctx: Context, action_id: str, value: str) -> Reply | None:
    nudge_id = _nudge_from_context(value)
    nudge = ctx.session.get(Nudge, nudge_id) if nudge_id is not None else None
    if nudge is None:
        return None
    nudge_store.record_engagement(ctx.session, nudge.id, ctx.person.id, nudge_store.SKIPPED, now=ctx.now)
    return _info(ctx, "nudge.skipped")


def _nudge_of_message(ctx: Context, message_ref: str) -> Nudge | None:
    nudge = nudge_store.nudge_for_message(ctx.session, ctx.person.platform, message_ref)
    return nudge if nudge is not None and nudge.org_id == ctx.org.id else None


def react_to_nudge(ctx: Context, message_ref: str, added: bool) -> bool:
    """A reaction on a nudge is engagement: that member gets no reminder this week."""
    nudge = _nudge_of_message(ctx, message_ref)
    if nudge is None or not added:
        return nudge is not None
    nudge_store.record_engagement(ctx.session, nudge.id, ctx.person.id, nudge_store.REACTED, now=ctx.now)
    return True


def answer_in_nudge_thread(ctx: Context, text: str, thread_ref: str, origin: Origin) -> Reply | None:
    """A reply in a nudge's thread answers it: an idea linked to the group and the nudge. A command written
    there ("lista", "paus 2v") is still a command, and an `idé` prefix is not part of the idea."""
    nudge = _nudge_of_message(ctx, thread_ref)
    if nudge is None:
        return None
    nudge_store.record_engagement(ctx.session, nudge.id, ctx.person.id, nudge_store.REPLIED, now=ctx.now)
    rest = strip_prefix(text)
    text = rest if rest is not None else text
    words = text.split()
    if not words or words[0].casefold() in COMMANDS or parse(text).name != "capture":
        return None  # the core answers it as any other message
    return capture(ctx, text, replace(origin, nudge_id=nudge.id))


def remember_nudge_message(session: Session, sent: SentMessage, now: datetime) -> None:
    """The platform's id of a delivered nudge: reactions on it and replies in its thread find the nudge."""
    if sent.key.startswith("nudge:"):
        nudge_store.record_sent(session, sent.key, sent.message_id)


CAPTURE_ENRICHERS.append(link_capture_to_nudge)
AFTER_SEND.append(remember_nudge_message)
THREAD_HANDLERS.append(answer_in_nudge_thread)
REACTION_HANDLERS.append(react_to_nudge)
ACTIONS[ActionId.NUDGE_SKIP] = skip_week
