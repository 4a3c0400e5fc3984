"""The queries behind the weekly digest, batched for every manager of an organisation at once.

A digest shows, per scope (the whole organisation, or the pilot groups a manager is scoped to), how many
ideas are new, changed stage and still wait for first feedback, with the first few of each. The counts come
from one aggregate query grouped by (author, nudge group): its rows grow with the people who write ideas,
not with the ideas, and every scope's count (any set of groups) is summed from them exactly. The waiting
count of the organisation and of each of its groups starts from the backlog the database keeps per scope
(`IdeaBacklog`), less the last few days' captures, so it does not read the backlog's ideas. The ideas a
digest shows are read in digest order as light (id, author, group) tuples from an index, only until every
scope has its first few, and then fetched whole in one query. So a run asks a fixed number of questions
whatever the number of ideas or managers, and reads what it shows, not what it counts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, literal, union_all
from sqlmodel import Session, col, select

from storage.db import insert_for, unindexed
from storage.groups import group_ids, memberships
from storage.models import DigestLog, Idea, IdeaBacklog, Person, Role, StageChange, Vote, as_utc
from storage.nudges import stats_by_group

SHOWN = 8  # ideas a section shows (the scheduler's MAX_LINES)
VOTED = 5  # ideas the "most voted" section shows
_STREAM_BATCH = 500  # rows per fetch while reading ideas in digest order
_DETAILS_CHUNK = 900  # ids per IN (...) (SQLite builds before 3.32 allow 999 parameters)


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
class ScopeDigest:
    """What one manager's digest shows: the first rows of each section and how many there are in all."""

    new: list[IdeaRow]  # newest first, at most SHOWN
    new_count: int
    changes: list[ChangeRow]  # newest first, at most SHOWN
    changes_count: int
    waiting: list[IdeaRow]  # oldest first, past the first-feedback limit, at most SHOWN
    waiting_count: int
    voted: list[tuple[IdeaRow, int]]  # (idea, votes in the period), most voted first, at most VOTED
    nudge_stats: dict[int, tuple[int, int]]  # group id -> (sent, answered), the scope's groups only


class Scopes:
    """The distinct scopes of a run, and which of them an idea belongs to.

    An idea belongs to the groups of its nudge and of its author; a scope of groups holds it when they
    meet, the whole organisation (the empty scope) always. Asked per (author, nudge group), remembered.
    """

    def __init__(self, scopes: Iterable[frozenset[int]], groups_of: dict[int, set[int]]) -> None:
        self.keys: list[frozenset[int]] = list(dict.fromkeys(scopes))
        self.index = {key: n for n, key in enumerate(self.keys)}
        self._whole = tuple(n for n, key in enumerate(self.keys) if not key)
        self._by_group: dict[int, list[int]] = defaultdict(list)
        for n, key in enumerate(self.keys):
            for group in key:
                self._by_group[group].append(n)
        self.groups_of = groups_of
        self._memo: dict[tuple[int, int | None], tuple[int, ...]] = {}
        self._memo_group: dict[int, tuple[int, ...]] = {}

    def __len__(self) -> int:
        return len(self.keys)

    def groups(self, author_id: int, group_id: int | None) -> frozenset[int]:
        own = self.groups_of.get(author_id, set())
        return frozenset(own | {group_id}) if group_id else frozenset(own)

    def of(self, author_id: int, group_id: int | None) -> tuple[int, ...]:
        key = (author_id, group_id)
        found = self._memo.get(key)
        if found is None:
            own = self.groups_of.get(author_id)
            if not own:  # no frozenset built for the common cases: asked once per (author, nudge group)
                found = self._of_group(group_id) if group_id else self._whole
            elif len(own) == 1 and (not group_id or group_id in own):  # most: one group, no nudge or its own
                found = self._of_group(next(iter(own)))
            else:
                groups = self.groups(author_id, group_id)
                hits = set(self._whole)
                for group in groups:
                    hits.update(self._by_group.get(group, ()))
                found = tuple(sorted(hits))
            self._memo[key] = found
        return found

    def _of_group(self, group: int) -> tuple[int, ...]:
        found = self._memo_group.get(group)
        if found is None:
            found = self._memo_group[group] = tuple(sorted({*self._whole, *self._by_group.get(group, ())}))
        return found


@dataclass(slots=True)
class DigestData:
    """Every scope's counts and first rows for the period [sinces[0], until)."""

    scopes: Scopes
    sinces: list[datetime]  # the distinct starts of the managers' periods, ascending
    new_counts: list[list[int]]  # [scope][k]: ideas created in [sinces[k], sinces[k + 1]) (the last up to until)
    change_counts: list[list[int]]
    waiting_counts: list[int]
    new_rows: list[list[IdeaRow]] = field(default_factory=list)  # [scope]: newest first over the whole period
    change_rows: list[list[ChangeRow]] = field(default_factory=list)
    waiting_rows: list[list[IdeaRow]] = field(default_factory=list)
    voted: list[list[tuple[IdeaRow, int]]] = field(default_factory=list)
    nudge_stats: dict[int, tuple[int, int]] = field(default_factory=dict)  # group id -> (sent, answered)

    def for_scope(self, groups: frozenset[int], since: datetime) -> ScopeDigest:
        """The digest of a scope (one of those the data was built for) for the period starting at `since`."""
        n = self.scopes.index[groups]
        k = self.sinces.index(since)
        return ScopeDigest(
            new=[r for r in self.new_rows[n] if r.created_at >= since][:SHOWN],
            new_count=sum(self.new_counts[n][k:]),
            changes=[c for c in self.change_rows[n] if c.at >= since][:SHOWN],
            changes_count=sum(self.change_counts[n][k:]),
            waiting=self.waiting_rows[n], waiting_count=self.waiting_counts[n], voted=self.voted[n],
            nudge_stats={g: v for g, v in self.nudge_stats.items() if not groups or g in groups})


def managers(session: Session, org_id: int) -> list[Manager]:
    """Everyone with the manager role in the organisation (its own people and shared managers from partners),
    with their scope (one query)."""
    return [m for m, _ in digest_managers(session, org_id, before_week=None)]


def digest_managers(session: Session, org_id: int, *, before_week: str | None
                    ) -> list[tuple[Manager, datetime | None]]:
    """The organisation's managers with their scope and, with `before_week`, the moment their digest of the
    organisation of an earlier week covered up to (None: never). One query.

    Earlier weeks only: a preview or rerun within the week shows what that week's digest showed.
    """
    query = (select(Person, Role.group_id).join(Role, col(Role.person_id) == Person.id)
             .where(Role.role == "manager", Role.org_id == org_id).order_by(col(Person.id)))
    if before_week is not None:
        last = (select(DigestLog.person_id, func.max(DigestLog.covered_until).label("covered"))
                .where(col(DigestLog.week) < before_week, DigestLog.org_id == org_id)
                .group_by(DigestLog.person_id).subquery())
        query = query.add_columns(last.c.covered).outerjoin(last, last.c.person_id == Person.id)
    scopes: dict[int, tuple[Person, set[int | None], datetime | None]] = {}
    for row in session.exec(query).all():
        person, group_id = row[0], row[1]
        covered = as_utc(row[2]) if before_week is not None and row[2] is not None else None
        scopes.setdefault(person.id, (person, set(), covered))[1].add(group_id)
    return [(Manager(p, frozenset() if None in groups else frozenset(g for g in groups if g is not None)), covered)
            for p, groups, covered in scopes.values()]


def log_digest(session: Session, person_id: int, week: str, covered_until: datetime, *, now: datetime,
               org_id: int) -> bool:
    inserted = session.execute(insert_for(session, DigestLog).values(
        person_id=person_id, week=week, covered_until=covered_until, org_id=org_id, created_at=now)
        .on_conflict_do_nothing(index_elements=["person_id", "week", "org_id"]).returning(DigestLog.id)
    ).scalar_one_or_none()
    return inserted is not None


def log_digests(session: Session, person_ids: Sequence[int], week: str, covered_until: datetime, *,
                now: datetime, org_id: int) -> None:
    """`log_digest` for many managers of the organisation at once: one statement compiled once, executed
    with a list of rows (a multi-row INSERT per 1,000, as `outbox.enqueue_many`)."""
    if not person_ids:
        return
    stmt = (insert_for(session, DigestLog).on_conflict_do_nothing(index_elements=["person_id", "week", "org_id"])
            .execution_options(insertmanyvalues_page_size=1000))
    session.connection().execute(stmt, [{"person_id": pid, "week": week, "covered_until": covered_until,
                                         "org_id": org_id, "created_at": now} for pid in person_ids])


# The columns a digest line needs: light tuples instead of ORM objects.
IDEA_COLUMNS = (Idea.id, Idea.number, Idea.title, Idea.stage, Idea.anonymous, Idea.author_id, Idea.group_id,
                Idea.created_at, Person.display_name, Person.user_id, Person.erased_at)


def _row(r: Sequence[Any], scopes: Scopes) -> IdeaRow:
    idea_id, number, title, stage, anonymous, author_id, group_id, created_at, name, user_id, erased = r
    shown = None if anonymous or erased else (name or user_id)
    return IdeaRow(idea_id, number, title, stage, shown, as_utc(created_at), scopes.groups(author_id, group_id),
                   anonymous=bool(anonymous), author_erased=erased is not None and not anonymous)


def _bucket(column: Any, sinces: Sequence[datetime]) -> Any:
    """k for a timestamp in [sinces[k], sinces[k + 1]): which managers' periods hold it."""
    if len(sinces) == 1:
        return literal(0)
    return case(*[(column >= sinces[k], k) for k in range(len(sinces) - 1, 0, -1)], else_=0)


def _stream(session: Session, query: Any) -> Iterator[Any]:
    """The rows of `query` in its order, fetched a batch at a time (a server-side cursor on PostgreSQL), so a
    reader that stops early reads no further."""
    result = session.connection().execute(query.execution_options(yield_per=_STREAM_BATCH))
    try:
        yield from result
    finally:
        result.close()


def _first(rows: Iterable[Any], scopes: Scopes, wanted: Sequence[int], key: Any) -> list[list[Any]]:
    """For every scope, the first `wanted[scope]` rows (in the stream's order) that belong to it.

    `key(row)` gives (author id, nudge group id). Stops reading once every scope has what it wants.
    """
    chosen: list[list[Any]] = [[] for _ in scopes.keys]
    open_ = {n for n, want in enumerate(wanted) if want > 0}
    if not open_:
        return chosen
    for row in rows:
        for n in scopes.of(*key(row)):
            if n in open_:
                chosen[n].append(row)
                if len(chosen[n]) >= wanted[n]:
                    open_.discard(n)
        if not open_:
            break
    return chosen


def digest_data(session: Session, org_id: int, scopes_of_managers: Iterable[frozenset[int]], *,
                sinces: Iterable[datetime], until: datetime, waiting_before: datetime,
                weeks: Sequence[str]) -> DigestData:
    """Every scope's digest for the periods starting at `sinces` and ending at `until`. Ten queries, whatever
    the number of ideas, scopes or managers.

    Waiting: ideas still Inkommen without first feedback, captured before `waiting_before`.
    """
    scopes = Scopes(scopes_of_managers, memberships(session, org_id))
    starts = sorted(set(sinces))
    earliest = starts[0]
    live = (Idea.org_id == org_id, col(Idea.withdrawn_at).is_(None))
    # Stage changes and votes are driven by their week (their created_at index), not by the organisation's ideas.
    org_unindexed = unindexed(col(Idea.org_id)) == org_id
    new_window = (*live, col(Idea.created_at) >= earliest, col(Idea.created_at) < until)
    change_window = (org_unindexed, col(Idea.withdrawn_at).is_(None), col(StageChange.created_at) >= earliest,
                     col(StageChange.created_at) < until, col(StageChange.from_stage).is_not(None))
    waiting_where = (*live, Idea.stage == "new", col(Idea.first_feedback_at).is_(None),
                     col(Idea.created_at) < waiting_before)  # read from ix_idea_waiting alone
    waiting_recent = (*waiting_where[:-1], col(Idea.created_at) >= waiting_before)
    by_idea = col(Idea.id) == StageChange.idea_id

    # 1. The counts: one aggregate per section, grouped by (author, nudge group, period start).
    new_bucket, change_bucket = _bucket(col(Idea.created_at), starts), _bucket(col(StageChange.created_at), starts)
    # Waiting, for the organisation and a group of its own: the backlog the database keeps (IdeaBacklog) less
    # the ideas too recent to wait yet; for a scope of several groups, which the backlog cannot add up without
    # counting an idea twice, the waiting ideas themselves.
    own = group_ids(session, org_id)
    kept_for = [None if len(key) > 1 or not key <= own else next(iter(key), 0) for key in scopes.keys]
    parts = [
        select(literal(0), Idea.author_id, Idea.group_id, new_bucket, func.count()).where(*new_window)
        .group_by(Idea.author_id, Idea.group_id, new_bucket),
        select(literal(1), Idea.author_id, Idea.group_id, change_bucket, func.count()).select_from(StageChange)
        .join(Idea, by_idea).where(*change_window).group_by(Idea.author_id, Idea.group_id, change_bucket),
        select(literal(2), Idea.author_id, Idea.group_id, literal(0), literal(0) - func.count())
        .where(*waiting_recent).group_by(Idea.author_id, Idea.group_id)]
    if None in kept_for:
        parts.append(select(literal(3), Idea.author_id, Idea.group_id, literal(0), func.count())
                     .where(*waiting_where).group_by(Idea.author_id, Idea.group_id))
    sections = [[[0] * len(starts) for _ in scopes.keys] for _ in range(3)]
    for section, author_id, group_id, k, n in session.connection().execute(union_all(*parts)).all():
        if section < 2:
            per_scope = sections[section]
            for s in scopes.of(author_id, group_id):
                per_scope[s][k] += n
            continue
        for s in scopes.of(author_id, group_id):  # 2: the backlog's scopes only; 3: the others only
            if (kept_for[s] is not None) == (section == 2):
                sections[2][s][0] += n
    kept = dict(session.exec(select(IdeaBacklog.group_key, IdeaBacklog.waiting)
                             .where(IdeaBacklog.org_id == org_id)).all())
    for s, group_key in enumerate(kept_for):
        if group_key is not None:
            sections[2][s][0] += kept.get(group_key, 0)
    new_counts, change_counts, waiting_by_scope = sections
    data = DigestData(scopes, starts, new_counts, change_counts, [c[0] for c in waiting_by_scope],
                      nudge_stats=stats_by_group(session, org_id, weeks))

    # 2. The first rows of each scope, read in digest order only as far as some scope still needs them.
    def wanted(per_scope: list[list[int]], limit: int = SHOWN) -> list[int]:
        return [min(limit, sum(c)) for c in per_scope]

    new = _first(_stream(session, select(Idea.id, Idea.author_id, Idea.group_id).where(*new_window)
                         .order_by(col(Idea.created_at).desc(), col(Idea.id).desc())),
                 scopes, wanted(new_counts), lambda r: (r[1], r[2]))
    changes = _first(_stream(session, select(Idea.id, Idea.author_id, Idea.group_id, StageChange.from_stage,
                                             StageChange.to_stage, StageChange.created_at)
                             .select_from(StageChange).join(Idea, by_idea).where(*change_window)
                             .order_by(col(StageChange.created_at).desc(), col(StageChange.id).desc())),
                     scopes, wanted(change_counts), lambda r: (r[1], r[2]))
    waiting = _first(_stream(session, select(Idea.id, Idea.author_id, Idea.group_id).where(*waiting_where)
                             .order_by(col(Idea.created_at), col(Idea.id))),
                     scopes, wanted(waiting_by_scope), lambda r: (r[1], r[2]))
    votes = func.count(col(Vote.id))
    voted = _first(_stream(session, select(Vote.idea_id, Idea.author_id, Idea.group_id, votes)
                           .join(Idea, col(Idea.id) == Vote.idea_id)
                           .where(org_unindexed, col(Idea.withdrawn_at).is_(None), col(Vote.created_at) >= earliest,
                                  col(Vote.created_at) < until)
                           .group_by(Vote.idea_id, Idea.number, Idea.author_id, Idea.group_id)
                           .order_by(votes.desc(), col(Idea.number))),
                   scopes, [VOTED] * len(scopes), lambda r: (r[1], r[2]))

    # 3. Only the ideas shown, whole.
    ids = {r[0] for rows in (*new, *changes, *waiting, *voted) for r in rows}
    ideas = _details(session, sorted(ids), scopes)
    data.new_rows = [[ideas[r[0]] for r in rows] for rows in new]
    data.change_rows = [[ChangeRow(ideas[r[0]], r[3], r[4], as_utc(r[5])) for r in rows] for rows in changes]
    data.waiting_rows = [[ideas[r[0]] for r in rows] for rows in waiting]
    data.voted = [[(ideas[r[0]], int(r[3])) for r in rows] for rows in voted]
    return data


def _details(session: Session, ids: Sequence[int], scopes: Scopes) -> dict[int, IdeaRow]:
    found: dict[int, IdeaRow] = {}
    for start in range(0, len(ids), _DETAILS_CHUNK):
        query = (select(*IDEA_COLUMNS).join(Person, col(Person.id) == Idea.author_id)
                 .where(col(Idea.id).in_(ids[start:start + _DETAILS_CHUNK])))
        for r in session.connection().execute(query).all():
            found[r[0]] = _row(r, scopes)
    return found
