"""Feedback: who owns an idea, the promise's date, the coach's queue, questions to the author, the ladder.

Queries only; what the rules mean (which coach, which rung, what counts as feedback) is the core's and the
scheduler's. Every function takes the caller's session and `now`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from storage.db import Prepared, as_loaded, insert_for
from storage.models import (
    FeedbackQuestion,
    FeedbackStep,
    GroupMember,
    Idea,
    Organisation,
    Person,
    PilotGroup,
    Role,
    UnitCoach,
)
from storage.text import clean_text, nfc


def unit_key(unit: str | None) -> str:
    return nfc(clean_text(unit)).casefold()


# -- who may own ideas ----------------------------------------------------------------------------------


def people_with_roles(session: Session, org_ids: Iterable[int], roles: Sequence[str]) -> dict[str, list[Person]]:
    """role -> the people who hold it (any scope) in these organisations — their own people and coaches shared
    from a partner (issue 11: a role is held in an organisation) — by person id. One query."""
    ids = list(set(org_ids))
    result: dict[str, list[Person]] = {role: [] for role in roles}
    if not ids:
        return result
    query = (select(Role.role, Person).join(Person, col(Person.id) == Role.person_id)
             .where(col(Role.role).in_(list(roles)), col(Role.org_id).in_(ids)).order_by(col(Person.id)))
    seen: set[tuple[str, int]] = set()
    for role, person in session.exec(query).all():
        if (role, person.id) not in seen:
            seen.add((role, person.id))
            result[role].append(person)
    return result


def coaches(session: Session, org_id: int) -> list[Person]:
    return people_with_roles(session, [org_id], ["coach"])["coach"]


def set_unit_coach(session: Session, org_id: int, unit: str, person: Person, *, now: datetime) -> UnitCoach:
    key = unit_key(unit)
    row = session.exec(select(UnitCoach).where(UnitCoach.org_id == org_id, UnitCoach.unit_key == key)).first()
    if row is None:
        row = UnitCoach(org_id=org_id, unit=clean_text(unit), unit_key=key, person_id=person.id, created_at=now)
    else:
        row.unit, row.person_id = clean_text(unit), person.id
    session.add(row)
    session.flush()
    return row


def remove_unit_coach(session: Session, org_id: int, unit: str) -> bool:
    row = session.exec(select(UnitCoach).where(UnitCoach.org_id == org_id,
                                               UnitCoach.unit_key == unit_key(unit))).first()
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def unit_coaches(session: Session, org_id: int | None = None) -> list[tuple[UnitCoach, Person]]:
    query = select(UnitCoach, Person).join(Person, col(Person.id) == UnitCoach.person_id).order_by(
        col(UnitCoach.org_id), col(UnitCoach.unit_key))
    if org_id is not None:
        query = query.where(UnitCoach.org_id == org_id)
    return [(u, p) for u, p in session.exec(query).all()]


def set_group_coach(session: Session, group: PilotGroup, person: Person | None) -> None:
    group.coach_id = person.id if person else None
    session.add(group)
    session.flush()


# Why a person is a candidate owner, best first: the coach of the idea's unit, of the pilot group whose nudge
# prompted it, of one of the author's groups; else one of the organisation's coaches in turn.
UNIT, NUDGE_GROUP, AUTHORS_GROUP, ANY_COACH = 0, 1, 2, 3


def owner_candidates(session: Session, org_id: int, *, author_id: int, unit: str | None, group_id: int | None
                     ) -> list[tuple[int, Person]]:
    """(reason, person) of every candidate owner of a new idea, best reason first, in one query: a capture asks
    this every time, so the four rules are one UNION ALL instead of a query each."""
    statement = _owner_candidates_sql(bool(unit), group_id is not None)
    params = {"org": org_id, "author": author_id, "unit": unit_key(unit) if unit else None, "group": group_id}
    seen: set[tuple[int, int]] = set()
    found: list[tuple[int, Person]] = []
    why_at = len(Person.__table__.c)  # type: ignore[attr-defined]
    for row in statement.rows(session, params):
        why, person_id = row[why_at], row[0]
        if (why, person_id) not in seen:
            seen.add((why, person_id))
            found.append((why, as_loaded(session, Person, row)))
    return found


@lru_cache(maxsize=4)
def _owner_candidates_sql(by_unit: bool, by_group: bool) -> Prepared:
    """Compiled once per shape (with or without a unit, a nudge's group): building it costs more than running it.
    The people's columns, then why and ord: its rows become people through `as_loaded`."""
    from sqlalchemy import bindparam, literal, literal_column, union_all

    # Tables, not models, throughout: a statement naming a model runs through the ORM's execution path.
    people, coaches, groups, members, roles = (model.__table__ for model in (  # type: ignore[attr-defined]
        Person, UnitCoach, PilotGroup, GroupMember, Role))
    org, author = bindparam("org"), bindparam("author")
    branches = []
    if by_unit:
        branches.append(select(people, literal(UNIT).label("why"), literal(0).label("ord"))
                        .join(coaches, coaches.c.person_id == people.c.id)
                        .where(coaches.c.org_id == org, coaches.c.unit_key == bindparam("unit")))
    if by_group:
        branches.append(select(people, literal(NUDGE_GROUP).label("why"), literal(0).label("ord"))
                        .join(groups, groups.c.coach_id == people.c.id)
                        .where(groups.c.id == bindparam("group")))
    branches.append(select(people, literal(AUTHORS_GROUP).label("why"), groups.c.id.label("ord"))
                    .join(groups, groups.c.coach_id == people.c.id)
                    .join(members, members.c.group_id == groups.c.id)
                    .where(members.c.person_id == author, groups.c.org_id == org))
    branches.append(select(people, literal(ANY_COACH).label("why"), people.c.id.label("ord"))
                    .join(roles, roles.c.person_id == people.c.id)
                    .where(roles.c.role == "coach", roles.c.org_id == org))
    return Prepared(union_all(*branches).order_by(literal_column("why"), literal_column("ord")))


def next_in_turn(session: Session, org: Organisation, candidates: Sequence[Person]) -> Person | None:
    """Round robin over `candidates` (by person id) after the organisation's last pick, and remember the pick.

    Captures hold the organisation's row lock, so two captures never pick from the same cursor.
    """
    if not candidates:
        return None
    ordered = sorted(candidates, key=lambda p: p.id or 0)
    last = org.last_assigned_coach_id or 0
    chosen = next((p for p in ordered if (p.id or 0) > last), ordered[0])
    session.execute(update(Organisation).where(col(Organisation.id) == org.id)
                    .values(last_assigned_coach_id=chosen.id))
    org.last_assigned_coach_id = chosen.id
    return chosen


# -- the promise and first feedback ---------------------------------------------------------------------


def mark_first_feedback(session: Session, idea: Idea, *, now: datetime) -> bool:
    """The first thing a coach did that reached the author; True when this was it."""
    if idea.first_feedback_at is not None:
        return False
    idea.first_feedback_at = now
    session.add(idea)
    session.flush()
    return True


def queue(session: Session, org_id: int, person_id: int, *, limit: int = 50) -> list[Idea]:
    """Ideas without first feedback that are the person's or nobody's: theirs first, then oldest deadline."""
    query = (select(Idea).where(Idea.org_id == org_id, col(Idea.withdrawn_at).is_(None),
                                col(Idea.first_feedback_at).is_(None),
                                or_(col(Idea.owner_id) == person_id, col(Idea.owner_id).is_(None)))
             .order_by(col(Idea.owner_id).is_(None), col(Idea.feedback_due).is_(None), col(Idea.feedback_due),
                       col(Idea.created_at)).limit(limit))
    return list(session.exec(query).all())


# -- questions to the author ----------------------------------------------------------------------------


def ask(session: Session, idea: Idea, coach: Person, text: str, *, now: datetime) -> FeedbackQuestion:
    question = FeedbackQuestion(idea_id=idea.id, asked_by=coach.id, author_id=idea.author_id, text=clean_text(text),
                                created_at=now)
    session.add(question)
    session.flush()
    return question


def open_question(session: Session, author_id: int, *, since: datetime, idea_id: int | None = None
                  ) -> FeedbackQuestion | None:
    """The newest unanswered question to this author (about `idea_id`, if given) asked after `since`."""
    query = (select(FeedbackQuestion).join(Idea, col(Idea.id) == FeedbackQuestion.idea_id)
             .where(FeedbackQuestion.author_id == author_id, col(FeedbackQuestion.answered_at).is_(None),
                    col(FeedbackQuestion.created_at) >= since, col(Idea.withdrawn_at).is_(None))
             .order_by(col(FeedbackQuestion.created_at).desc(), col(FeedbackQuestion.id).desc()))
    if idea_id is not None:
        query = query.where(FeedbackQuestion.idea_id == idea_id)
    return session.exec(query).first()


def answer(session: Session, question: FeedbackQuestion, *, now: datetime) -> bool:
    result = session.execute(update(FeedbackQuestion).where(col(FeedbackQuestion.id) == question.id,
                                                            col(FeedbackQuestion.answered_at).is_(None))
                             .values(answered_at=now))
    return bool(result.rowcount)


# -- the ladder -----------------------------------------------------------------------------------------


@dataclass(slots=True)
class LadderIdea:
    """An idea on the ladder, with what its messages need (light tuples, not ORM objects)."""

    id: int
    org_id: int
    number: int
    title: str
    anonymous: bool
    owner_id: int | None
    group_id: int | None
    feedback_due: date
    author: Person
    steps: set[int]


LAST_STEP = 3  # after the managers' rung an idea leaves the ladder (the author's line, 4, goes with rung 2)


def ladder_ideas(session: Session, *, due_until: date) -> list[LadderIdea]:
    """Ideas still waiting for first feedback whose promise falls on or before `due_until` and whose last
    rung has not been taken, with the rungs taken so far. Two queries, whatever the number of ideas."""
    finished = select(FeedbackStep.idea_id).where(FeedbackStep.step == LAST_STEP)
    waiting = (col(Idea.withdrawn_at).is_(None), col(Idea.first_feedback_at).is_(None),
               col(Idea.feedback_due).is_not(None), col(Idea.feedback_due) <= due_until,
               col(Idea.id).not_in(finished))
    rows = session.exec(select(Idea.id, Idea.org_id, Idea.number, Idea.title, Idea.anonymous, Idea.owner_id,
                               Idea.group_id, Idea.feedback_due, Person)
                        .join(Person, col(Person.id) == Idea.author_id).where(*waiting)
                        .order_by(col(Idea.feedback_due), col(Idea.id))).all()
    taken: dict[int, set[int]] = {}
    for idea_id, step in session.exec(select(FeedbackStep.idea_id, FeedbackStep.step)
                                      .join(Idea, col(Idea.id) == FeedbackStep.idea_id).where(*waiting)).all():
        taken.setdefault(idea_id, set()).add(step)
    return [LadderIdea(r[0], r[1], r[2], r[3], r[4], r[5], r[6], _as_date(r[7]), r[8], taken.get(r[0], set()))
            for r in rows]


def claim_steps(session: Session, steps: Sequence[tuple[int, int, int]], *, now: datetime,
                chunk: int = 2000) -> set[tuple[int, int]]:
    """Record (idea id, step, recipients) rows; returns the (idea id, step) pairs this call recorded. A rung
    another process recorded first is not returned: each rung is taken once, whoever runs the ladder."""
    claimed: set[tuple[int, int]] = set()
    for start in range(0, len(steps), chunk):
        values = [{"idea_id": i, "step": s, "recipients": n, "created_at": now}
                  for i, s, n in steps[start:start + chunk]]
        stmt = (insert_for(session, FeedbackStep).values(values)
                .on_conflict_do_nothing(index_elements=["idea_id", "step"])
                .returning(FeedbackStep.idea_id, FeedbackStep.step))
        claimed.update((i, s) for i, s in session.execute(stmt).all())
    return claimed


def steps_of(session: Session, idea_id: int) -> dict[int, int]:
    """step -> recipients, for one idea."""
    rows = session.exec(select(FeedbackStep.step, FeedbackStep.recipients).where(FeedbackStep.idea_id == idea_id))
    return {step: n for step, n in rows.all()}


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
