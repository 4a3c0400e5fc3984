"""The programme's figures: aggregate queries only, a fixed number per request whatever the data size.

Each function answers for two windows at once, the period and the one before it (`Windows`), and returns
counts grouped by a `current` flag (1 = the period, 0 = the one before). Working days need Swedish holidays,
so ideas come back grouped by (local day of capture, local day of first feedback, promised day): a few
hundred rows for a quarter, whatever the number of ideas; bot/core/figures.py counts working days in them.
Definitions: docs/figures.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from sqlalchemy import and_, case, exists, func, literal, or_, union_all
from sqlmodel import Session, col, select

from storage.db import local_date, unindexed
from storage.groups import group_ids, groups_holding, memberships
from storage.models import (
    GroupMember,
    Idea,
    IdeaBacklog,
    Nudge,
    NudgeDelivery,
    NudgeEngagement,
    Person,
    StageChange,
)


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose figures: an organisation, or its pilot groups (their nudges' ideas and their members'), or one
    unit (`Idea.unit`, as written)."""

    org_id: int
    groups: frozenset[int] = frozenset()
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class Windows:
    start: datetime  # the period: [start, until)
    until: datetime
    previous_start: datetime  # the one before: [previous_start, previous_until)
    previous_until: datetime


def _members(groups: frozenset[int]):  # type: ignore[no-untyped-def]
    return select(GroupMember.person_id).where(col(GroupMember.group_id).in_(list(groups)))


def _in_scope(scope: Scope) -> list:  # type: ignore[type-arg]
    where = [Idea.org_id == scope.org_id, col(Idea.withdrawn_at).is_(None)]
    if scope.groups:
        where.append(or_(col(Idea.group_id).in_(list(scope.groups)), col(Idea.author_id).in_(_members(scope.groups))))
    if scope.unit is not None:
        where.append(Idea.unit == scope.unit)
    return where


def _windowed(column, w: Windows):  # type: ignore[no-untyped-def]
    """(the `current` flag expression, the WHERE clause for both windows) over a timestamp column.

    The clause always holds one range over both windows, which an index on the column can seek (an OR of two
    ranges alone made SQLite read every idea of the organisation); when the windows meet, as a number of days
    and the days before do, that range is the whole clause."""
    current = case((column >= w.start, 1), else_=0)
    span = and_(column >= min(w.previous_start, w.start), column < max(w.until, w.previous_until))
    if w.previous_until == w.start:
        return current, span
    within = or_(and_(column >= w.start, column < w.until), and_(column >= w.previous_start, column < w.previous_until))
    return current, and_(span, within)


@dataclass(slots=True)
class DayRow:
    current: int
    created: date
    answered: date | None
    due: date | None
    ideas: int


def idea_days(session: Session, scope: Scope, w: Windows, timezone: str, now: datetime) -> list[DayRow]:
    """Ideas captured in either window, grouped by their local capture day, local first-feedback day and
    promised day (one query)."""
    _, within = _windowed(col(Idea.created_at), w)
    days = _day_columns(session, w, timezone, now)
    query = select(*days, func.count()).where(*_in_scope(scope), within).group_by(*days)
    return [_day_row(*row) for row in session.exec(query).all()]


def _day_columns(session: Session, w: Windows, timezone: str, now: datetime):  # type: ignore[no-untyped-def]
    """(current flag, local capture day, local first-feedback day, promised day): what `DayRow`s group by."""
    current, _ = _windowed(col(Idea.created_at), w)
    created = local_date(session, Idea.created_at, timezone, start=w.previous_start, end=w.until)
    answered = local_date(session, Idea.first_feedback_at, timezone, start=w.previous_start, end=now)
    return current, created, answered, Idea.feedback_due


def _day_row(c: int, d: date | str, a: date | str | None, due: date | str | None, n: int) -> DayRow:
    return DayRow(c, _date(d), _date(a) if a is not None else None, _date(due) if due is not None else None, n)


def _not_a_member_of_its_nudge_group():  # type: ignore[no-untyped-def]
    """A nudged idea whose author is not a member of the nudge's group (else it is counted as a member's)."""
    return ~exists().where(GroupMember.person_id == Idea.author_id, GroupMember.group_id == Idea.group_id)


def idea_days_by_group(session: Session, org_id: int, w: Windows, timezone: str, now: datetime
                       ) -> dict[int, list[DayRow]]:
    """`idea_days` for every pilot group of the organisation at once (one query): group id -> rows.

    An idea belongs to its author's groups and to its nudge's group: the members' ideas through their
    memberships, and the nudged ideas of authors outside the nudge's group, so each (idea, group) counts once.
    The organisation's groups are kept in Python (joining pilot_group made SQLite loop over every group per idea).
    """
    _, within = _windowed(col(Idea.created_at), w)
    days = _day_columns(session, w, timezone, now)
    where = [*_in_scope(Scope(org_id)), within]
    members = (select(GroupMember.group_id, *days, func.count()).join(GroupMember, col(GroupMember.person_id)
                                                                        == Idea.author_id)
               .where(*where).group_by(GroupMember.group_id, *days))
    nudged = (select(Idea.group_id, *days, func.count())
              .where(*where, col(Idea.group_id).is_not(None), _not_a_member_of_its_nudge_group())
              .group_by(Idea.group_id, *days))
    own = group_ids(session, org_id)
    result: dict[int, list[DayRow]] = {}
    for g, c, d, a, due, n in session.connection().execute(union_all(members, nudged)).all():
        if g in own:
            result.setdefault(g, []).append(_day_row(c, d, a, due, n))
    return result


def overdue_by_group(session: Session, org_id: int, *, today: date, at: datetime, at_day: date
                     ) -> tuple[tuple[int, int], dict[int, tuple[int, int]]]:
    """`overdue` for the organisation and every pilot group at once: ((now, then) of the organisation,
    group id -> (now, then)).

    From the backlog the database keeps per scope (`IdeaBacklog`: ideas without first feedback, one row for
    the organisation and one per group), corrected by the few ideas that do not count — those not yet past
    their promise now or at `at`, and those created after `at` — plus the ideas answered since `at` that were
    late then. The corrections come per (author, nudge group), summed per group in Python as the digest sums
    its counts (storage.digests): they grow with the period's ideas, not with the backlog."""
    kept = {g: n for g, n in session.exec(select(IdeaBacklog.group_key, IdeaBacklog.unanswered)
                                          .where(IdeaBacklog.org_id == org_id)).all()}
    own = group_ids(session, org_id)
    whole = [kept.get(0, 0)] * 2
    by_group = {g: [kept[g]] * 2 for g in own if kept.get(g)}
    rows = session.connection().execute(union_all(*_late_corrections(org_id, today, at, at_day))).all()
    groups_of = memberships(session, org_id) if rows else {}
    for author_id, group_id, late_now, late_then in rows:
        late_now, late_then = int(late_now or 0), int(late_then or 0)
        whole[0] += late_now
        whole[1] += late_then
        for g in groups_holding(groups_of.get(author_id, ()), group_id, own):
            counts = by_group.setdefault(g, [0, 0])
            counts[0] += late_now
            counts[1] += late_then
    return (whole[0], whole[1]), {g: (now, then) for g, (now, then) in by_group.items() if now or then}


def _late_corrections(org_id: int, today: date, at: datetime, at_day: date) -> list:  # type: ignore[type-arg]
    """(author, nudge group, +/- late now, +/- late at `at`) rows which, added to the backlog's `unanswered`,
    give `_overdue_terms`' counts. `at_day <= today`, so every idea due from today on is also due from
    `at_day` on.

    late now  = unanswered − unanswered due from today on
    late then = unanswered − unanswered (due from `at_day` on, or created from `at` on) + answered since `at`
                that was created before it and due before `at_day`
    """
    live = (Idea.org_id == org_id, col(Idea.withdrawn_at).is_(None))
    # Driven by ix_idea_feedback's promise and answer (`unindexed`: SQLite would walk the organisation's ideas).
    by_feedback = (unindexed(col(Idea.org_id)) == org_id, col(Idea.withdrawn_at).is_(None))
    negative = literal(0) - func.count()
    due_later = case((col(Idea.feedback_due) >= today, 1), else_=0)
    return [
        select(Idea.author_id, Idea.group_id, literal(0) - func.sum(due_later), negative)  # ix_idea_feedback
        .where(*by_feedback, col(Idea.first_feedback_at).is_(None), col(Idea.feedback_due) >= at_day)
        .group_by(Idea.author_id, Idea.group_id),
        select(Idea.author_id, Idea.group_id, literal(0), negative)  # ix_idea_figures: the period's ideas
        .where(*live, col(Idea.first_feedback_at).is_(None), col(Idea.feedback_due) < at_day,
               col(Idea.created_at) >= at)
        .group_by(Idea.author_id, Idea.group_id),
        # Answered since `at` (grouped by `author_id + 0`: SQLite would walk ix_idea_author_created for the order).
        select(unindexed(col(Idea.author_id)), Idea.group_id, literal(0), func.count())
        .where(*by_feedback, col(Idea.first_feedback_at) >= at, col(Idea.created_at) < at,
               col(Idea.feedback_due) < at_day)
        .group_by(unindexed(col(Idea.author_id)), Idea.group_id),
    ]


def _overdue_terms(today: date, at: datetime, at_day: date):  # type: ignore[no-untyped-def]
    """(late now, late at `at`, the WHERE clause narrowing to ideas that can be either: read from ix_idea_feedback)."""
    now_late = case((and_(col(Idea.first_feedback_at).is_(None), col(Idea.feedback_due) < today), 1), else_=0)
    then_late = case((and_(col(Idea.created_at) < at, col(Idea.feedback_due) < at_day,
                           or_(col(Idea.first_feedback_at).is_(None), col(Idea.first_feedback_at) >= at)), 1), else_=0)
    waiting_then_or_now = or_(col(Idea.first_feedback_at).is_(None), col(Idea.first_feedback_at) >= at)
    return now_late, then_late, [col(Idea.feedback_due).is_not(None), col(Idea.feedback_due) < today,
                                 waiting_then_or_now]


def participants(session: Session, scope: Scope, w: Windows) -> dict[int, int]:
    """current -> distinct people who submitted an idea (for groups: their members only). One query."""
    current, within = _windowed(col(Idea.created_at), w)
    where = [*_in_scope(scope), within]
    if scope.groups:
        where.append(col(Idea.author_id).in_(_members(scope.groups)))
    query = select(current, func.count(func.distinct(Idea.author_id))).where(*where).group_by(current)
    return {c: n for c, n in session.exec(query).all()}


def decided(session: Session, scope: Scope, w: Windows, decided_stages: Sequence[str]) -> dict[int, dict[str, int]]:
    """current -> {stage: ideas} for ideas now in a decided stage whose latest move into one happened in the
    window (one query)."""
    last = (select(StageChange.idea_id, func.max(StageChange.created_at).label("at"))
            .where(col(StageChange.to_stage).in_(list(decided_stages))).group_by(StageChange.idea_id).subquery())
    current, within = _windowed(last.c.at, w)
    query = (select(current, Idea.stage, func.count()).join(last, last.c.idea_id == Idea.id)
             .where(*_in_scope(scope), col(Idea.stage).in_(list(decided_stages)), within)
             .group_by(current, Idea.stage))
    result: dict[int, dict[str, int]] = {0: {}, 1: {}}
    for c, stage, n in session.exec(query).all():
        result[c][stage] = n
    return result


def overdue(session: Session, scope: Scope, *, today: date, at: datetime, at_day: date) -> tuple[int, int]:
    """(ideas past their promise without first feedback now, the same at moment `at` whose local day is
    `at_day`): one query."""
    now_late, then_late, where = _overdue_terms(today, at, at_day)
    row = session.exec(select(func.coalesce(func.sum(now_late), 0), func.coalesce(func.sum(then_late), 0))
                       .where(*_in_scope(scope), *where)).one()
    return int(row[0]), int(row[1])


def stages(session: Session, scope: Scope, w: Windows) -> dict[str, int]:
    """stage -> ideas captured in the period (not the one before), for the donut. One query."""
    query = (select(Idea.stage, func.count())
             .where(*_in_scope(scope), col(Idea.created_at) >= w.start, col(Idea.created_at) < w.until)
             .group_by(Idea.stage))
    return {stage: n for stage, n in session.exec(query).all()}


def nudge_answers(session: Session, scope: Scope, w: Windows) -> dict[int, tuple[int, int]]:
    """current -> (nudge questions sent to a person as a DM, those the person answered with an idea). One
    query; a unit has no nudges."""
    current, within = _windowed(col(NudgeDelivery.created_at), w)
    answered = (NudgeEngagement.nudge_id == NudgeDelivery.nudge_id) & \
               (NudgeEngagement.person_id == NudgeDelivery.person_id) & (NudgeEngagement.kind == "answered")
    where = [Nudge.org_id == scope.org_id, NudgeDelivery.kind == "dm", within]
    if scope.groups:
        where.append(col(Nudge.group_id).in_(list(scope.groups)))
    query = (select(current, func.count(col(NudgeDelivery.id)), func.count(col(NudgeEngagement.id)))
             .join(Nudge, col(Nudge.id) == NudgeDelivery.nudge_id)
             .join(NudgeEngagement, answered, isouter=True).where(*where).group_by(current))
    return {c: (n, a) for c, n, a in session.exec(query).all()}


def people_known(session: Session, scope: Scope) -> int:
    """The denominator without a headcount: people the bot knows in the organisation, or a group's members."""
    if scope.groups:
        query = select(func.count(func.distinct(GroupMember.person_id))).where(
            col(GroupMember.group_id).in_(list(scope.groups)))
    else:
        query = select(func.count()).select_from(Person).where(Person.org_id == scope.org_id)
    return int(session.exec(query).one())


_iso_date = lru_cache(maxsize=4096)(date.fromisoformat)  # SQLite's ISO days: a few hundred distinct per query


def _date(value: date | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else _iso_date(str(value))
