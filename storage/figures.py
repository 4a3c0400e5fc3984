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

from sqlalchemy import and_, case, func, or_
from sqlmodel import Session, col, select

from storage.db import local_date
from storage.models import GroupMember, Idea, Nudge, NudgeDelivery, NudgeEngagement, Person, StageChange


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
    """(the `current` flag expression, the WHERE clause for both windows) over a timestamp column."""
    current = case((column >= w.start, 1), else_=0)
    within = or_(and_(column >= w.start, column < w.until), and_(column >= w.previous_start, column < w.previous_until))
    return current, within


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
    current, within = _windowed(col(Idea.created_at), w)
    created = local_date(session, Idea.created_at, timezone, start=w.previous_start, end=w.until)
    answered = local_date(session, Idea.first_feedback_at, timezone, start=w.previous_start, end=now)
    query = (select(current, created, answered, Idea.feedback_due, func.count())
             .where(*_in_scope(scope), within).group_by(current, created, answered, Idea.feedback_due))
    return [DayRow(c, _date(d), _date(a) if a is not None else None, _date(due) if due is not None else None, n)
            for c, d, a, due, n in session.exec(query).all()]


def _group_of_idea(org_id: int, w: Windows | None = None):  # type: ignore[no-untyped-def]
    """(idea id, group id) for every pilot group an idea belongs to: its nudge's and its author's groups."""
    from storage.models import PilotGroup

    nudged = select(Idea.id.label("idea_id"), Idea.group_id.label("group_id")).where(
        Idea.org_id == org_id, col(Idea.group_id).is_not(None))
    members = (select(Idea.id.label("idea_id"), GroupMember.group_id.label("group_id"))
               .join(GroupMember, col(GroupMember.person_id) == Idea.author_id)
               .join(PilotGroup, col(PilotGroup.id) == GroupMember.group_id).where(PilotGroup.org_id == org_id))
    if w is not None:
        _, within = _windowed(col(Idea.created_at), w)
        nudged, members = nudged.where(within), members.where(within)
    return nudged.union(members).subquery()


def idea_days_by_group(session: Session, org_id: int, w: Windows, timezone: str, now: datetime
                       ) -> dict[int, list[DayRow]]:
    """`idea_days` for every pilot group of the organisation at once (one query): group id -> rows."""
    groups = _group_of_idea(org_id, w)
    current, within = _windowed(col(Idea.created_at), w)
    created = local_date(session, Idea.created_at, timezone, start=w.previous_start, end=w.until)
    answered = local_date(session, Idea.first_feedback_at, timezone, start=w.previous_start, end=now)
    query = (select(groups.c.group_id, current, created, answered, Idea.feedback_due, func.count())
             .join(groups, groups.c.idea_id == Idea.id).where(*_in_scope(Scope(org_id)), within)
             .group_by(groups.c.group_id, current, created, answered, Idea.feedback_due))
    result: dict[int, list[DayRow]] = {}
    for g, c, d, a, due, n in session.exec(query).all():
        result.setdefault(g, []).append(DayRow(c, _date(d), _date(a) if a is not None else None,
                                               _date(due) if due is not None else None, n))
    return result


def overdue_by_group(session: Session, org_id: int, *, today: date, at: datetime, at_day: date
                     ) -> dict[int, tuple[int, int]]:
    """`overdue` for every pilot group of the organisation at once (one query): group id -> (now, then)."""
    groups = _group_of_idea(org_id)
    now_late, then_late, where = _overdue_terms(today, at, at_day)
    query = (select(groups.c.group_id, func.coalesce(func.sum(now_late), 0), func.coalesce(func.sum(then_late), 0))
             .join(groups, groups.c.idea_id == Idea.id).where(*_in_scope(Scope(org_id)), *where)
             .group_by(groups.c.group_id))
    return {g: (int(a), int(b)) for g, a, b in session.exec(query).all()}


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


def _date(value: date | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value))
