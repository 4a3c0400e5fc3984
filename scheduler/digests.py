"""The weekly digest: one direct message per manager and ISO week, built from batched queries.

Exactly once per manager and week comes from the outbox key `digest:{person ref}:{week}`: a rerun, a
second replica or the catch-up after downtime enqueues nothing new.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.config import Settings
from bot.core import (
    groups_text,  # noqa: F401 - registers the digest's text
    records_text,  # noqa: F401 - "Anonym", "Tidigare medarbetare"
    samverkan_text,  # noqa: F401 - registers the digest's spreading line
)
from bot.core.calendar import iso_week, local_midnight_utc, week_start, working_days_before
from bot.core.figures import DEFAULT_PERIOD, Report, compute, headlines, parse_period
from bot.core.i18n import language, t
from bot.core.replies import ActionId, Button, Field, Reply, ReplyKind
from bot.core.stages import stage_label
from bot.core.statistics import headline
from scheduler.triggers import weekly_trigger
from storage import digests as store
from storage import outbox, spreading
from storage.db import Database
from storage.figures import Scope
from storage.groups import all_groups
from storage.models import Organisation, as_utc
from storage.spreading import SpreadFigures

MAX_LINES = 8
T = TypeVar("T")


@dataclass(slots=True)
class DigestRun:
    week: str
    managers: int = 0
    enqueued: int = 0
    already_sent: int = 0
    previews: list[tuple[str, Reply]] = field(default_factory=list)


def current_week(settings: Settings, now: datetime) -> str:
    return iso_week(as_utc(now).astimezone(ZoneInfo(settings.timezone)).date())


def _weeks_between(start: datetime, end: datetime) -> list[str]:
    weeks, day = [], start.date()
    while day <= end.date():
        weeks.append(iso_week(day))
        day += timedelta(days=7)
    return sorted({*weeks, iso_week(end.date())})


def _section(lang: str, items: Sequence[T], count: int, line: Callable[[T], str]) -> str:
    """The first MAX_LINES of the items fetched (a scope holds `count` in all), then "… N more"."""
    shown = [line(item) for item in items[:MAX_LINES]]
    if count > MAX_LINES:
        shown.append(t(lang, "digest.more", count=count - MAX_LINES))
    return "\n".join(shown)


def _author(row: store.IdeaRow, lang: str) -> str | None:
    if row.anonymous:
        return t(lang, "show.anonymous")
    return t(lang, "person.former") if row.author_erased else row.author


def _idea_text(row: store.IdeaRow, lang: str) -> str:
    name = _author(row, lang)
    author = f" – {name}" if name else ""
    return f"#{row.number} {row.title} ({stage_label(row.stage, lang)}){author}"


def render(manager: store.Manager, data: store.ScopeDigest, *, week: str, lang: str, first_feedback_days: int,
           group_names: dict[int, str], figures: Report | None = None, partner: Organisation | None = None,
           spreading: SpreadFigures | None = None) -> Reply:
    """The digest as plain text sections (fields with one line per item): adapters escape, phones wrap.

    `data` is the manager's scope and period (storage.digests: the first rows of each section and the counts).
    `partner`: the organisation, when it is not the manager's own (a shared manager): the digest names it and
    its buttons name its ideas (`aneby#12`), so a press never lands on an idea of the manager's own.
    """
    new, changes, waiting, voted = data.new, data.changes, data.waiting, data.voted
    names = ", ".join(sorted(group_names.get(g, str(g)) for g in manager.groups))
    scope = t(lang, "digest.scope_groups", groups=names) if manager.groups else t(lang, "digest.scope_org")
    if partner is not None:
        scope = f"{partner.name or partner.key}: {scope}"
    fields: list[Field] = []
    if new:
        fields.append(Field(t(lang, "digest.new", count=data.new_count),
                            _section(lang, new, data.new_count, lambda r: _idea_text(r, lang))))
    if changes:
        def change_line(c: store.ChangeRow) -> str:
            return t(lang, "digest.change_line", number=c.idea.number, title=c.idea.title,
                     from_stage=stage_label(c.from_stage or "new", lang), to_stage=stage_label(c.to_stage, lang))

        fields.append(Field(t(lang, "digest.changes", count=data.changes_count),
                            _section(lang, changes, data.changes_count, change_line)))
    if waiting:
        fields.append(Field(t(lang, "digest.waiting", days=first_feedback_days, count=data.waiting_count),
                            _section(lang, waiting, data.waiting_count,
                                     lambda r: f"#{r.number} {r.title} – {r.created_at.date()}")))
    groups = sorted(data.nudge_stats)
    if groups:
        fields.append(Field(t(lang, "digest.groups"), _section(lang, groups, len(groups), lambda g: t(
            lang, "digest.group_line", name=group_names.get(g, str(g)), sent=data.nudge_stats[g][0],
            answered=data.nudge_stats[g][1]))))
    if voted:
        lines = [f"#{r.number} {r.title} – {t(lang, 'digest.votes', votes=votes)}" for r, votes in voted]
        fields.append(Field(t(lang, "digest.voted"), "\n".join(lines)))
    if spreading is not None and (spreading.offered or spreading.adopted_elsewhere or spreading.adopted_here):
        fields.append(Field(t(lang, "digest.spreading"), t(
            lang, "digest.spreading_line", offered=spreading.offered, elsewhere=spreading.adopted_elsewhere,
            here=spreading.adopted_here)))
    summary = t(lang, "digest.summary", new=data.new_count, changes=data.changes_count, waiting=data.waiting_count)
    text = f"{scope}\n{summary}" if fields else f"{scope}\n{t(lang, 'digest.nothing')}"
    if figures is not None:  # the programme's headline figures with their trend (bot.core.statistics)
        text += "\n" + headline(figures, lang)
    focus = waiting[0] if waiting else new[0] if new else None
    buttons = []
    if focus is not None:
        ref = f"{partner.key}#{focus.number}" if partner is not None else str(focus.number)
        buttons += [Button(t(lang, "button.take"), ActionId.TAKE_OWNERSHIP, ref, style="primary"),
                    Button(t(lang, "button.request_info"), ActionId.REQUEST_INFO, ref)]
    buttons.append(Button(t(lang, "button.all"), ActionId.LIST_ALL, ""))
    return Reply(ReplyKind.NOTIFICATION, text, title=t(lang, "digest.title", week=week.replace("-W", " v. ")),
                 fields=fields, buttons=buttons, idea_number=focus.number if focus else None, locale=lang)


def build_digests(db: Database, settings: Settings, *, now: datetime, week: str | None = None, dry_run: bool = False,
                  only: Iterable[str] | None = None) -> DigestRun:
    """Build every manager's digest of `week` (default: the current one) and enqueue it, unless `dry_run`."""
    now = as_utc(now)
    week = week or current_week(settings, now)
    run = DigestRun(week)
    only_refs = set(only) if only is not None else None
    default_since = local_midnight_utc(week_start(week) - timedelta(days=7), settings.timezone)
    with db.session() as session:
        for org in session.exec(select(Organisation).order_by(Organisation.id)).all():
            scoped = [(m, last) for m, last in store.digest_managers(session, org.id, before_week=week)
                      if only_refs is None or m.person.ref in only_refs]
            if not scoped:
                continue
            managers = [m for m, _ in scoped]
            since = {m.person.id: min(last or default_since, now) for m, last in scoped}
            earliest = min(since.values())
            timezone = org.timezone or settings.timezone  # the organisation's own days count its feedback promise
            today = now.astimezone(ZoneInfo(timezone)).date()
            waiting_before = local_midnight_utc(working_days_before(today, org.first_feedback_days), timezone)
            # Counts per scope from aggregates, and only the ideas the digests show (storage.digests).
            data = store.digest_data(session, org.id, [m.groups for m in managers], sinces=since.values(),
                                     until=now, waiting_before=waiting_before, weeks=_weeks_between(earliest, now))
            names = {g.id: g.name for g in all_groups(session, org.id)}
            period = parse_period(DEFAULT_PERIOD, now, settings.timezone)
            # The headline per scope: the organisation and every group in one go, a rare multi-group scope alone.
            reports = headlines(session, org, period, groups=names, timezone=settings.timezone, now=now)
            spread = spreading.figures(session, org.id, since=earliest, until=now)
            # Enqueued together at the end (one INSERT per thousand digests); whose digest was new ends its period.
            pending: list[tuple[int, outbox.NewMessage]] = []
            # A digest depends on the manager only through its scope, period, language and whether the
            # organisation is a partner's: managers alike share one rendering and one payload.
            rendered: dict[tuple[frozenset[int], datetime, str, bool], tuple[Reply, dict[str, Any]]] = {}
            for manager in managers:
                if manager.groups not in reports:
                    reports[manager.groups] = compute(session, org, Scope(org.id, groups=manager.groups), period,
                                                      timezone=settings.timezone, now=now, headline_only=True)
                run.managers += 1
                person = manager.person
                lang = language(person.locale, language(settings.default_locale))
                alike = (manager.groups, since[person.id], lang, org.id != person.org_id)
                if alike not in rendered:
                    reply = render(manager, data.for_scope(manager.groups, since[person.id]), week=week, lang=lang,
                                   first_feedback_days=org.first_feedback_days, group_names=names,
                                   figures=reports[manager.groups], partner=org if alike[3] else None,
                                   spreading=spread)
                    rendered[alike] = (reply, reply.to_dict())
                reply, payload = rendered[alike]
                if dry_run:
                    run.previews.append((person.ref, reply))
                    continue
                # A shared manager's digest of a partner organisation has a key of its own (their own keeps today's).
                key = (f"digest:{person.ref}:{week}" if org.id == person.org_id
                       else f"digest:{person.ref}:{org.key}:{week}")
                pending.append((person.id, outbox.NewMessage(
                    key=key, platform=person.platform, recipient=person.user_id,
                    workspace=person.workspace, payload=payload, org_id=org.id)))
            added = outbox.enqueue_many(session, [message for _, message in pending], now=now) if pending else set()
            logged = [person_id for person_id, message in pending if message.key in added]
            run.enqueued += len(logged)
            run.already_sent += len(pending) - len(logged)
            store.log_digests(session, logged, week, now, now=now, org_id=org.id)
    return run


def digest_moment(settings: Settings, day: date) -> datetime:
    """When the digest of the ISO week containing `day` is due, in UTC."""
    monday = datetime.combine(week_start(iso_week(day)), datetime.min.time(), ZoneInfo(settings.timezone))
    fire = weekly_trigger(settings.digest_day, settings.digest_time, settings.timezone).get_next_fire_time(None, monday)
    return as_utc(fire) if fire else as_utc(monday)
