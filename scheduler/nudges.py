"""Building nudges and reminders into the outbox.

The scheduler calls `send_nudge` at each group's time; `idesluss nudge send` calls it with `manual=True`
(an administrator's explicit act: the hour and the calendar do not hold it back, snoozes and opt-outs
do). Either way the nudge of a group and local day is one row, and each recipient one outbox key, so a
rerun, a second replica or a manual send after the scheduled one sends nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.config import Settings
from bot.core.calendar import add_working_days, is_working_day, iso_week, within_working_hours
from bot.core.challenge_messages import week_challenge
from bot.core.groups_text import DEFAULT_PROMPTS
from bot.core.i18n import language, t
from bot.core.replies import ActionId, Button, Field, Reply, ReplyKind
from storage import groups as group_store
from storage import nudges as nudge_store
from storage import outbox
from storage.db import Database
from storage.models import Nudge, Organisation, Person, PilotGroup, as_utc
from storage.orgs import SLACK_TEAM, TEAMS_TENANT, first_external_id
from storage.orgs import label as org_label

_KINDS = {"slack": SLACK_TEAM, "teams": TEAMS_TENANT}


@dataclass(slots=True)
class NudgeOutcome:
    group: str
    nudge_id: int | None = None
    enqueued: int = 0
    skipped_people: int = 0
    held_back: str | None = None  # why nothing was sent: "holiday", "weekend", "outside working hours"


def week_prompt(custom: list[str], day: datetime) -> tuple[str, str]:
    """The prompt of the week: the group's own prompts if it has any, else the default rotation."""
    week = day.isocalendar()[1]
    if custom:
        text = custom[week % len(custom)]
        return text, text
    return DEFAULT_PROMPTS[week % len(DEFAULT_PROMPTS)]


def reachable(person: Person, now: datetime) -> bool:
    """Not opted out, not snoozed, and the platform has not refused them."""
    if person.nudges_opt_out or person.unreachable:
        return False
    return not (person.nudges_paused_until and as_utc(person.nudges_paused_until) > now)


def nudge_reply(group: PilotGroup, nudge: Nudge, lang: str, *, reminder: bool = False,
                challenge: str | None = None) -> Reply:
    """The week's question; `challenge` ("#3 Title (Tranås)"): the open challenge it carries."""
    prompt = nudge.prompt_en if lang == "en" else nudge.prompt_sv
    title = t(lang, "nudge.reminder_title" if reminder else "nudge.title", group=group.name)
    fields = [Field(t(lang, "nudge.challenge"), challenge)] if challenge else []
    return Reply(ReplyKind.NOTIFICATION, f"{prompt}\n\n{t(lang, 'nudge.hint')}", title=title, locale=lang,
                 fields=fields,
                 buttons=[Button(t(lang, "button.new_idea"), ActionId.NEW_IDEA, f"nudge:{nudge.id}", style="primary"),
                          Button(t(lang, "button.skip_week"), ActionId.NUDGE_SKIP, str(nudge.id))])


def _week_challenge(session: Session, group: PilotGroup, day: date, lang: str) -> str | None:
    """The open challenge of the week for the group's organisation, as a nudge shows it (the soonest ending)."""
    challenge = week_challenge(session, group.org_id, day)
    if challenge is None:
        return None
    tag = ""
    if challenge.org_id != group.org_id:
        owner = session.get(Organisation, challenge.org_id)
        tag = f" ({org_label(owner)})" if owner else ""
    return f"#{challenge.id} {challenge.title}{tag} – {t(lang, 'challenge.how', number=challenge.id)}"


def held_back(settings: Settings, group: PilotGroup, now: datetime) -> str | None:
    local = now.astimezone(ZoneInfo(group.timezone))
    if local.weekday() >= 5:
        return "weekend"
    if not is_working_day(local.date()):
        return "holiday"
    if not within_working_hours(now, group.timezone, settings.working_hours_start, settings.working_hours_end):
        return "outside working hours"
    return None


def send_nudge(db: Database, settings: Settings, group_id: int, *, now: datetime, manual: bool = False,
               dm: bool = False) -> NudgeOutcome:
    """Enqueue the group's nudge of the day to its channel(s) and/or its members' DMs."""
    now = as_utc(now)
    with db.session() as session:
        group = session.get(PilotGroup, group_id)
        if group is None:
            raise LookupError(group_id)
        outcome = NudgeOutcome(group.name)
        if not manual and (reason := held_back(settings, group, now)):
            outcome.held_back = reason
            return outcome
        local = now.astimezone(ZoneInfo(group.timezone))
        sv, en = week_prompt(group_store.prompts(session, group.id), local)
        nudge = nudge_store.get_or_create_nudge(session, group_id=group.id, org_id=group.org_id,
                                                local_date=local.date().isoformat(), week=iso_week(local.date()),
                                                prompt_sv=sv, prompt_en=en, manual=manual, now=now)
        outcome.nudge_id = nudge.id
        channel_lang = language(settings.default_locale)
        for platform, channel in (("slack", group.slack_channel), ("teams", group.teams_conversation)):
            if channel:
                key = f"nudge:{nudge.id}:channel:{platform}:{channel}"
                reply = nudge_reply(group, nudge, channel_lang,
                                    challenge=_week_challenge(session, group, local.date(), channel_lang))
                outcome.enqueued += _enqueue(session, nudge, key, "channel", platform, channel, None, reply, now=now,
                                             recipient_kind="channel",
                                             workspace=first_external_id(session, group.org_id, _KINDS[platform]))
        if dm or group.dm_members or not (group.slack_channel or group.teams_conversation):
            for person in group_store.members(session, group.id):
                if not reachable(person, now):
                    outcome.skipped_people += 1
                    continue
                lang = language(person.locale, language(settings.default_locale))
                reply = nudge_reply(group, nudge, lang, challenge=_week_challenge(session, group, local.date(), lang))
                outcome.enqueued += _enqueue(session, nudge, f"nudge:{nudge.id}:dm:{person.ref}", "dm",
                                             person.platform, person.user_id, person, reply, now=now)
        return outcome


def _enqueue(session: Session, nudge: Nudge, key: str, kind: str, platform: str, recipient: str,
             person: Person | None, reply: Reply, *, now: datetime, recipient_kind: str = "user",
             workspace: str | None = None) -> int:
    """`workspace`: a channel's (the organisation's connected workspace), so its post uses that workspace's token."""
    added = outbox.enqueue(session, outbox.NewMessage(
        key=key, platform=platform, recipient=recipient, recipient_kind=recipient_kind, payload=reply.to_dict(),
        workspace=person.workspace if person else workspace, org_id=nudge.org_id), now=now)
    nudge_store.add_delivery(session, nudge, outbox_key=key, kind=kind, platform=platform,
                             person_id=person.id if person else None, now=now)
    return int(added)


def reminder_due(settings: Settings, group: PilotGroup, nudge: Nudge) -> datetime:
    """The group's time of day, `nudge_reminder_days` working days after the nudge's day."""
    day = add_working_days(datetime.fromisoformat(nudge.local_date).date(), settings.nudge_reminder_days)
    hour, minute = (int(x) for x in group.schedule_time.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(group.timezone))


def send_reminders(db: Database, settings: Settings, *, now: datetime) -> int:
    """At most one reminder per nudge, by DM, to members who neither answered, replied, reacted nor skipped.

    A reminder that would fall in the next week is dropped: after the week, nothing more about it.
    """
    now = as_utc(now)
    sent = 0
    with db.session() as session:
        for nudge in nudge_store.nudges_without_reminder(session, created_before=now - timedelta(hours=12)):
            group = session.get(PilotGroup, nudge.group_id)
            if group is None:
                continue
            due = reminder_due(settings, group, nudge)
            local_now = now.astimezone(ZoneInfo(group.timezone))
            if iso_week(local_now.date()) != nudge.week or iso_week(due.date()) != nudge.week:
                nudge_store.mark_reminded(session, nudge, now)  # the week is over: let it be
                continue
            if now < due or held_back(settings, group, now):
                continue
            if not nudge_store.mark_reminded(session, nudge, now):
                continue
            for person in nudge_store.silent_dm_recipients(session, nudge):
                if not reachable(person, now):
                    continue
                lang = language(person.locale, language(settings.default_locale))
                sent += _enqueue(session, nudge, f"nudge:{nudge.id}:reminder:{person.ref}", "reminder",
                                 person.platform, person.user_id, person,
                                 nudge_reply(group, nudge, lang, reminder=True), now=now)
    return sent
