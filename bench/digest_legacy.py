"""The digest build as it was before issue 12, kept only as the benchmark's same-run baseline (bench/digest.py).

Every waiting idea, new idea and stage change of the period is fetched as a light tuple and sliced per manager
in memory: the count of a section is the length of its list. Do not use it outside bench/.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.config import Settings
from bot.core.calendar import local_midnight_utc, week_start, working_days_before
from bot.core.figures import DEFAULT_PERIOD, Report, compute, headlines, parse_period
from bot.core.i18n import language, t
from bot.core.replies import ActionId, Button, Field, Reply, ReplyKind
from bot.core.stages import stage_label
from bot.core.statistics import headline
from scheduler.digests import MAX_LINES, DigestRun, _idea_text, _weeks_between, current_week
from storage import digests as store
from storage import outbox, spreading
from storage.db import Database
from storage.figures import Scope
from storage.groups import all_groups, memberships
from storage.models import DigestLog, Idea, Organisation, Person, StageChange, Vote, as_utc
from storage.nudges import stats_by_group
from storage.spreading import SpreadFigures

T = TypeVar("T")
IdeaRow = store.IdeaRow
ChangeRow = store.ChangeRow


def last_digests(session: Session, person_ids: Sequence[int], before_week: str, org_id: int) -> dict[int, datetime]:
    if not person_ids:
        return {}
    query = (select(DigestLog.person_id, func.max(DigestLog.covered_until))
             .where(col(DigestLog.person_id).in_(list(person_ids)), col(DigestLog.week) < before_week,
                    DigestLog.org_id == org_id)
             .group_by(DigestLog.person_id))
    return {pid: as_utc(at) for pid, at in session.exec(query).all()}


@dataclass(slots=True)
class DigestData:
    new_ideas: list[IdeaRow] = field(default_factory=list)  # newest first
    changes: list[ChangeRow] = field(default_factory=list)  # newest first
    waiting: list[IdeaRow] = field(default_factory=list)  # oldest first, past the first-feedback limit
    votes: dict[int, int] = field(default_factory=dict)  # idea id -> votes in the period
    voted_ideas: dict[int, IdeaRow] = field(default_factory=dict)
    nudge_stats: dict[int, tuple[int, int]] = field(default_factory=dict)  # group id -> (sent, answered)


# The columns a digest line needs: light tuples instead of ORM objects, so thousands of rows stay cheap.
IDEA_COLUMNS = (Idea.id, Idea.number, Idea.title, Idea.stage, Idea.anonymous, Idea.author_id, Idea.group_id,
                Idea.created_at, Person.display_name, Person.user_id, Person.erased_at)
_AFTER = len(IDEA_COLUMNS)  # where a query's own columns start after the idea's


def _row(r: Sequence, groups_of: dict[int, set[int]]) -> IdeaRow:  # type: ignore[type-arg]
    idea_id, number, title, stage, anonymous, author_id, group_id, created_at, name, user_id, erased = r[:_AFTER]
    groups = frozenset(groups_of.get(author_id, set()) | ({group_id} if group_id else set()))
    shown = None if anonymous or erased else (name or user_id)
    return IdeaRow(idea_id, number, title, stage, shown, as_utc(created_at), groups, anonymous=bool(anonymous),
                   author_erased=erased is not None and not anonymous)


def digest_data(session: Session, org_id: int, *, since: datetime, until: datetime, waiting_before: datetime,
                weeks: Sequence[str], limit: int = 5000, waiting_limit: int = 100_000) -> DigestData:
    """Everything any manager's digest for the period may show. Seven queries, whatever the data size.

    Waiting ideas are all fetched (as light tuples) so every manager's count is exact for their scope.
    """
    groups_of = memberships(session, org_id)
    live = (Idea.org_id == org_id, col(Idea.withdrawn_at).is_(None))
    by_author = col(Person.id) == Idea.author_id
    new = session.exec(select(*IDEA_COLUMNS).join(Person, by_author)
                       .where(*live, col(Idea.created_at) >= since, col(Idea.created_at) < until)
                       .order_by(col(Idea.created_at).desc()).limit(limit)).all()
    changes = session.exec(
        select(*IDEA_COLUMNS, StageChange.from_stage, StageChange.to_stage, StageChange.created_at)
        .join(Idea, col(Idea.id) == StageChange.idea_id).join(Person, by_author)
        .where(*live, col(StageChange.created_at) >= since, col(StageChange.created_at) < until,
               col(StageChange.from_stage).is_not(None))
        .order_by(col(StageChange.created_at).desc()).limit(limit)).all()
    waiting = session.exec(select(*IDEA_COLUMNS).join(Person, by_author)
                           .where(*live, Idea.stage == "new", col(Idea.first_feedback_at).is_(None),
                                  col(Idea.created_at) < waiting_before)
                           .order_by(col(Idea.created_at)).limit(waiting_limit)).all()
    votes = func.count(col(Vote.id))
    vote_rows = session.exec(
        select(*IDEA_COLUMNS, votes).join(Idea, col(Idea.id) == Vote.idea_id).join(Person, by_author)
        .where(*live, col(Vote.created_at) >= since, col(Vote.created_at) < until)
        .group_by(*IDEA_COLUMNS).order_by(votes.desc()).limit(200)).all()
    data = DigestData(new_ideas=[_row(r, groups_of) for r in new], waiting=[_row(r, groups_of) for r in waiting],
                      nudge_stats=stats_by_group(session, org_id, weeks))
    data.changes = [ChangeRow(_row(r, groups_of), r[_AFTER], r[_AFTER + 1], as_utc(r[_AFTER + 2])) for r in changes]
    for r in vote_rows:
        row = _row(r, groups_of)
        data.votes[row.id] = r[_AFTER]
        data.voted_ideas[row.id] = row
    return data


class _Index:
    """Rows by group, so a group-scoped manager's digest never walks the whole organisation's rows."""

    def __init__(self, rows: Sequence[IdeaRow]) -> None:
        self.all = list(rows)
        self.position = {row.id: n for n, row in enumerate(self.all)}
        self.by_group: dict[int, list[IdeaRow]] = defaultdict(list)
        for row in rows:
            for group in row.groups:
                self.by_group[group].append(row)

    def scoped(self, groups: frozenset[int]) -> list[IdeaRow]:
        if not groups:
            return self.all
        if len(groups) == 1:
            return self.by_group.get(next(iter(groups)), [])
        seen: dict[int, store.IdeaRow] = {}
        for group in groups:
            for row in self.by_group.get(group, []):
                seen[row.id] = row
        return [seen[k] for k in sorted(seen, key=self.position.__getitem__)]


def _section(lang: str, items: Sequence[T], line: Callable[[T], str]) -> str:
    """At most MAX_LINES lines (formatted only for those shown: a scope may hold thousands), then "… N more"."""
    shown = [line(item) for item in items[:MAX_LINES]]
    if len(items) > MAX_LINES:
        shown.append(t(lang, "digest.more", count=len(items) - MAX_LINES))
    return "\n".join(shown)


def render(manager: store.Manager, data: DigestData, *, since: datetime, week: str, lang: str,
           first_feedback_days: int, group_names: dict[int, str], indexes: tuple[_Index, _Index, _Index],
           figures: Report | None = None, partner: Organisation | None = None,
           spreading: SpreadFigures | None = None) -> Reply:
    """The digest as plain text sections (fields with one line per item): adapters escape, phones wrap.

    `partner`: the organisation, when it is not the manager's own (a shared manager): the digest names it and
    its buttons name its ideas (`aneby#12`), so a press never lands on an idea of the manager's own.
    """
    new_index, waiting_index, change_index = indexes
    new = [r for r in new_index.scoped(manager.groups) if r.created_at >= since]
    waiting = waiting_index.scoped(manager.groups)
    change_ids = {r.id for r in change_index.scoped(manager.groups)}
    changes = [c for c in data.changes if c.idea.id in change_ids and c.at >= since]
    voted = sorted((r for r in data.voted_ideas.values() if not manager.groups or r.groups & manager.groups),
                   key=lambda r: (-data.votes[r.id], r.number))[:5]
    names = ", ".join(sorted(group_names.get(g, str(g)) for g in manager.groups))
    scope = t(lang, "digest.scope_groups", groups=names) if manager.groups else t(lang, "digest.scope_org")
    if partner is not None:
        scope = f"{partner.name or partner.key}: {scope}"
    fields: list[Field] = []
    if new:
        fields.append(Field(t(lang, "digest.new", count=len(new)), _section(lang, new, lambda r: _idea_text(r, lang))))
    if changes:
        def change_line(c: store.ChangeRow) -> str:
            return t(lang, "digest.change_line", number=c.idea.number, title=c.idea.title,
                     from_stage=stage_label(c.from_stage or "new", lang), to_stage=stage_label(c.to_stage, lang))

        fields.append(Field(t(lang, "digest.changes", count=len(changes)), _section(lang, changes, change_line)))
    if waiting:
        fields.append(Field(t(lang, "digest.waiting", days=first_feedback_days, count=len(waiting)),
                            _section(lang, waiting, lambda r: f"#{r.number} {r.title} – {r.created_at.date()}")))
    groups = sorted(g for g in data.nudge_stats if not manager.groups or g in manager.groups)
    if groups:
        fields.append(Field(t(lang, "digest.groups"), _section(lang, groups, lambda g: t(
            lang, "digest.group_line", name=group_names.get(g, str(g)), sent=data.nudge_stats[g][0],
            answered=data.nudge_stats[g][1]))))
    if voted:
        lines = [f"#{r.number} {r.title} – {t(lang, 'digest.votes', votes=data.votes[r.id])}" for r in voted]
        fields.append(Field(t(lang, "digest.voted"), "\n".join(lines)))
    if spreading is not None and (spreading.offered or spreading.adopted_elsewhere or spreading.adopted_here):
        fields.append(Field(t(lang, "digest.spreading"), t(
            lang, "digest.spreading_line", offered=spreading.offered, elsewhere=spreading.adopted_elsewhere,
            here=spreading.adopted_here)))
    summary = t(lang, "digest.summary", new=len(new), changes=len(changes), waiting=len(waiting))
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
            managers = [m for m in store.managers(session, org.id) if only_refs is None or m.person.ref in only_refs]
            if not managers:
                continue
            last = last_digests(session, [m.person.id for m in managers], week, org.id)
            since = {m.person.id: min(last.get(m.person.id, default_since), now) for m in managers}
            earliest = min(since.values())
            timezone = org.timezone or settings.timezone  # the organisation's own days count its feedback promise
            today = now.astimezone(ZoneInfo(timezone)).date()
            waiting_before = local_midnight_utc(working_days_before(today, org.first_feedback_days), timezone)
            data = digest_data(session, org.id, since=earliest, until=now, waiting_before=waiting_before,
                                     weeks=_weeks_between(earliest, now))
            names = {g.id: g.name for g in all_groups(session, org.id)}
            indexes = (_Index(data.new_ideas), _Index(data.waiting), _Index([c.idea for c in data.changes]))
            period = parse_period(DEFAULT_PERIOD, now, settings.timezone)
            # The headline per scope: the organisation, every group in one go, a rare multi-group scope alone.
            reports = headlines(session, org, period, groups=names, timezone=settings.timezone, now=now)
            spread = spreading.figures(session, org.id, since=earliest, until=now)
            for manager in managers:
                if manager.groups not in reports:
                    reports[manager.groups] = compute(session, org, Scope(org.id, groups=manager.groups), period,
                                                      timezone=settings.timezone, now=now, headline_only=True)
                run.managers += 1
                person = manager.person
                lang = language(person.locale, language(settings.default_locale))
                reply = render(manager, data, since=since[person.id], week=week, lang=lang,
                               first_feedback_days=org.first_feedback_days, group_names=names, indexes=indexes,
                               figures=reports[manager.groups], partner=org if org.id != person.org_id else None,
                               spreading=spread)
                if dry_run:
                    run.previews.append((person.ref, reply))
                    continue
                # A shared manager's digest of a partner organisation has a key of its own (their own keeps today's).
                key = (f"digest:{person.ref}:{week}" if org.id == person.org_id
                       else f"digest:{person.ref}:{org.key}:{week}")
                added = outbox.enqueue(session, outbox.NewMessage(
                    key=key, platform=person.platform, recipient=person.user_id,
                    workspace=person.workspace, payload=reply.to_dict(), org_id=org.id), now=now)
                if added:
                    store.log_digest(session, person.id, week, now, now=now, org_id=org.id)
                    run.enqueued += 1
                else:
                    run.already_sent += 1
    return run


