"""Name consents: may an idea's author be named when the idea is presented more widely (one row per idea)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from storage.db import insert_for
from storage.models import NameConsent


def get(session: Session, idea_id: int) -> NameConsent | None:
    return session.get(NameConsent, idea_id)


def ask(session: Session, idea_id: int, person_id: int, *, now: datetime) -> bool:
    """Record that the author is being asked; False when they were asked about this idea before."""
    inserted = session.execute(insert_for(session, NameConsent).values(
        idea_id=idea_id, person_id=person_id, answer=None, asked_at=now)
        .on_conflict_do_nothing(index_elements=["idea_id"]).returning(NameConsent.idea_id)).scalar_one_or_none()
    return inserted is not None


def answer(session: Session, idea_id: int, person_id: int, yes: bool, *, now: datetime) -> bool:
    """Store the author's answer (a later press replaces it). True when the answer changed."""
    row = session.get(NameConsent, idea_id)
    if row is None:
        row = NameConsent(idea_id=idea_id, person_id=person_id, asked_at=now)
    if row.answer is yes and row.person_id == person_id:
        return False
    row.person_id, row.answer, row.answered_at = person_id, yes, now
    session.add(row)
    session.flush()
    return True
