"""The state of an unfinished guided capture, so a conversation survives a restart."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlmodel import Session

from storage.models import GuidedCapture, Person

# session.info: people known (in this transaction) to have no unfinished guided capture. Every command asks, so
# the person lookup answers it with the same query (storage.people.get_person) instead of a query of its own.
_NONE = "idesluss.no_guided"


def note_guided(session: Session, person_id: int, row: GuidedCapture | None) -> None:
    """What a query that loaded the person found of their guided capture (a row is in the identity map now)."""
    absent: set[int] = session.info.setdefault(_NONE, set())
    if row is None:
        absent.add(person_id)
    else:
        absent.discard(person_id)


def get_guided(session: Session, person: Person) -> GuidedCapture | None:
    if person.id in session.info.get(_NONE, ()):
        return None
    return session.get(GuidedCapture, person.id)


def save_guided(session: Session, person: Person, step: str, data: dict[str, Any], context: str = "", *,
                now: datetime) -> None:
    session.info.get(_NONE, set()).discard(person.id)
    row = session.get(GuidedCapture, person.id)
    if row is None:
        row = GuidedCapture(person_id=person.id, step=step, updated_at=now)
    row.step = step
    row.data = json.dumps(data, ensure_ascii=False)
    row.context = context
    row.updated_at = now
    session.add(row)
    session.flush()


def clear_guided(session: Session, person: Person) -> None:
    row = session.get(GuidedCapture, person.id)
    if row is not None:
        session.delete(row)
        session.flush()


def guided_data(row: GuidedCapture) -> dict[str, Any]:
    try:
        data = json.loads(row.data)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
