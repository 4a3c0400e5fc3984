"""Challenges (utmaningar): posed by an organisation, answered by ideas of its own people and — when shared —
of its partners' people. An answering idea stays in its own organisation and only points at the challenge.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, update
from sqlmodel import Session, col, select

from storage.models import Challenge, Idea, Organisation, Vote
from storage.text import clean_text

OPEN, CLOSED = "open", "closed"


@dataclass(slots=True)
class NewChallenge:
    title: str
    ends_on: date
    description: str = ""
    owner_id: int | None = None
    partners: bool = False
    everyone: bool = False
    group_id: int | None = None
    slack_channel: str | None = None
    teams_conversation: str | None = None


@dataclass(slots=True)
class Answer:
    """An idea answering a challenge, as a list or a summary shows it."""

    idea: Idea
    organisation: Organisation
    votes: int


def create_challenge(session: Session, org_id: int, new: NewChallenge, *, now: datetime) -> Challenge:
    challenge = Challenge(org_id=org_id, title=clean_text(new.title)[:200], description=clean_text(new.description),
                          ends_on=new.ends_on, owner_id=new.owner_id, partners=new.partners, everyone=new.everyone,
                          group_id=new.group_id, slack_channel=new.slack_channel or None,
                          teams_conversation=new.teams_conversation or None, state=OPEN, created_at=now)
    session.add(challenge)
    session.flush()
    return challenge


def get_challenge(session: Session, challenge_id: int) -> Challenge | None:
    return session.get(Challenge, challenge_id)


def open_challenges_for(session: Session, org_id: int, partner_ids: Iterable[int], *, today: date) -> list[Challenge]:
    """Open challenges the organisation's people may answer: its own, and its partners' shared ones; soonest
    ending first."""
    partners = list(partner_ids)
    scope = Challenge.org_id == org_id
    if partners:
        scope = or_(scope, (col(Challenge.org_id).in_(partners)) & (col(Challenge.partners).is_(True)))
    query = (select(Challenge).where(scope, Challenge.state == OPEN, col(Challenge.ends_on) >= today)
             .order_by(col(Challenge.ends_on), col(Challenge.id)))
    return list(session.exec(query).all())


def all_challenges(session: Session, *, org_id: int | None = None, include_closed: bool = True) -> list[Challenge]:
    query = select(Challenge).order_by(col(Challenge.id))
    if org_id is not None:
        query = query.where(Challenge.org_id == org_id)
    if not include_closed:
        query = query.where(Challenge.state == OPEN)
    return list(session.exec(query).all())


def open_challenges(session: Session) -> list[Challenge]:
    return all_challenges(session, include_closed=False)


def close_challenge(session: Session, challenge: Challenge, *, now: datetime) -> bool:
    """Close it; False when it was closed already (by another process, or before)."""
    result = session.execute(update(Challenge).where(col(Challenge.id) == challenge.id, col(Challenge.state) == OPEN)
                             .values(state=CLOSED, closed_at=now))
    if result.rowcount:
        challenge.state, challenge.closed_at = CLOSED, now
        return True
    return False


def answers(session: Session, challenge_id: int) -> list[Answer]:
    """Every live idea answering the challenge with its organisation and votes, most supported first (one query)."""
    votes = (select(Vote.idea_id, func.count().label("votes")).group_by(Vote.idea_id).subquery())
    query = (select(Idea, Organisation, votes.c.votes)
             .join(Organisation, col(Organisation.id) == Idea.org_id)
             .join(votes, votes.c.idea_id == Idea.id, isouter=True)
             .where(Idea.challenge_id == challenge_id, col(Idea.withdrawn_at).is_(None)))
    rows = [Answer(idea, org, n or 0) for idea, org, n in session.exec(query).all()]
    rows.sort(key=lambda a: (-a.votes, a.idea.created_at, a.idea.id))
    return rows


def answer_counts(session: Session, challenge_ids: Iterable[int]) -> dict[int, dict[int, int]]:
    """challenge id -> {organisation id: ideas} for live answering ideas (one query)."""
    ids = list(challenge_ids)
    if not ids:
        return {}
    query = (select(Idea.challenge_id, Idea.org_id, func.count())
             .where(col(Idea.challenge_id).in_(ids), col(Idea.withdrawn_at).is_(None))
             .group_by(Idea.challenge_id, Idea.org_id))
    result: dict[int, dict[int, int]] = {}
    for challenge_id, org_id, n in session.exec(query).all():
        result.setdefault(challenge_id, {})[org_id] = n
    return result
