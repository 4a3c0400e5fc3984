"""The queries behind the weekly digest, batched for every manager of an organisation at once.

A digest run asks a fixed number of questions per organisation (new ideas, stage changes, waiting ideas,
votes, nudge figures, memberships) and slices the answers per manager in memory: the number of queries
does not grow with the number of ideas or managers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.db import insert_for
from storage.groups import memberships
from storage.models import DigestLog, Idea, Person, Role, StageChange, Vote, as_utc
from storage.nudges import stats_by_group


@dataclass(slots=True)
class IdeaRow:
    id: int
    number: int
    title: str
    stage: str
    author: str | None  # display name; None when anonymous or erased (see the two flags)
    created_at: datetime
    groups: frozenset[int]  # the pilot groups the idea belongs to (its nudge's, its author's)
    anonymous: bool = False  # the digest says "Anonym"
    author_erased: bool = False  # the digest says "Tidigare medarbetare"


@dataclass(slots=True)
class ChangeRow:
    idea: IdeaRow
    from_stage: str | None
    to_stage: str
    at: datetime


@dataclass(slots=True)
class Manager:
    person: Person
    groups: frozenset[int]  # empty = the whole organisation


@dataclass(slots=True)
class DigestData:
    new_ideas: list[IdeaRow] = field(default_factory=list)  # newest first
    changes: list[ChangeRow] = field(default_factory=list)  # newest first
    waiting: list[IdeaRow] = field(default_factory=list)  # oldest first, past the first-feedback limit
    votes: dict[int, int] = field(default_factory=dict)  # idea id -> votes in the period
    voted_ideas: dict[int, IdeaRow] = field(default_factory=dict)
    nudge_stats: dict[int, tuple[int, int]] = field(default_factory=dict)  # group id -> (sent, answered)


def managers(session: Session, org_id: int) -> list[Manager]:
    """Everyone with the manager role in the organisation (its own people and shared managers from partners),
    with their scope (one query)."""
    query = (select(Person, Role.group_id).join(Role, col(Role.person_id) == Person.id)
             .where(Role.role == "manager", Role.org_id == org_id).order_by(col(Person.id)))
    scopes: dict[int, tuple[Person, set[int | None]]] = {}
    for person, group_id in session.exec(query).all():
        scopes.setdefault(person.id, (person, set()))[1].add(group_id)
    return [Manager(p, frozenset() if None in groups else frozenset(g for g in groups if g is not None))
            for p, groups in scopes.values()]


def last_digests(session: Session, person_ids: Sequence[int], before_week: str, org_id: int) -> dict[int, datetime]:
    """person id -> the moment their digest of the organisation, of an earlier week, covered up to (one query).

    Earlier weeks only: a preview or rerun within the week shows what that week's digest showed.
    """
    if not person_ids:
        return {}
    query = (select(DigestLog.person_id, func.max(DigestLog.covered_until))
             .where(col(DigestLog.person_id).in_(list(person_ids)), col(DigestLog.week) < before_week,
                    DigestLog.org_id == org_id)
             .group_by(DigestLog.person_id))
    return {pid: as_utc(at) for pid, at in session.exec(query).all()}


def log_digest(session: Session, person_id: int, week: str, covered_until: datetime, *, now: datetime,
               org_id: int) -> bool:
    inserted = session.execute(insert_for(session, DigestLog).values(
        person_id=person_id, week=week, covered_until=covered_until, org_id=org_id, created_at=now)
        .on_conflict_do_nothing(index_elements=["person_id", "week", "org_id"]).returning(DigestLog.id)
    ).scalar_one_or_none()
    return inserted is not None


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
