"""The outbox: one table for every message that is not a direct reply.

`enqueue` is idempotent on the key, so a second attempt (a rerun digest, a retried event) is a no-op.
Claiming and marking are the dispatcher's (scheduler/); they live here because they are queries.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from storage.db import insert_for
from storage.models import OutboxMessage

PENDING, SENDING, SENT, FAILED, DEAD = "pending", "sending", "sent", "failed", "dead"


@dataclass(slots=True)
class NewMessage:
    key: str
    platform: str
    recipient: str
    payload: dict[str, Any]
    recipient_kind: str = "user"
    workspace: str | None = None
    thread: str | None = None
    org_id: int | None = None
    due_at: datetime | None = None


def enqueue(session: Session, message: NewMessage, *, now: datetime) -> bool:
    """Add the message unless one with the same key exists. True when it was added."""
    values = {
        "key": message.key,
        "org_id": message.org_id,
        "platform": message.platform,
        "recipient_kind": message.recipient_kind,
        "recipient": message.recipient,
        "workspace": message.workspace,
        "thread": message.thread,
        "payload": json.dumps(message.payload, ensure_ascii=False),
        "due_at": message.due_at or now,
        "state": PENDING,
        "attempts": 0,
        "created_at": now,
    }
    stmt = (insert_for(session, OutboxMessage).values(**values).on_conflict_do_nothing(index_elements=["key"])
            .returning(OutboxMessage.id))
    return session.execute(stmt).scalar_one_or_none() is not None


def claim_due(session: Session, worker: str, *, now: datetime, limit: int = 50,
              stale_after: timedelta = timedelta(minutes=5), platforms: list[str] | None = None
              ) -> list[OutboxMessage]:
    """Mark up to `limit` due rows as `sending` by `worker` and return them.

    Rows stuck in `sending` longer than `stale_after` (their worker died) are claimed again: that is
    the only way a message can go out twice. On PostgreSQL concurrent dispatchers skip each other's
    rows (FOR UPDATE SKIP LOCKED); SQLite holds the write lock for the whole transaction.
    """
    due = or_(
        (col(OutboxMessage.state).in_([PENDING, FAILED])) & (col(OutboxMessage.due_at) <= now),
        (col(OutboxMessage.state) == SENDING) & (col(OutboxMessage.claimed_at) <= now - stale_after),
    )
    query = select(OutboxMessage).where(due).order_by(col(OutboxMessage.due_at), col(OutboxMessage.id)).limit(limit)
    if platforms:
        query = query.where(col(OutboxMessage.platform).in_(platforms))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = list(session.exec(query).all())
    for row in rows:
        row.state = SENDING
        row.claimed_by = worker
        row.claimed_at = now
        session.add(row)
    session.flush()
    return rows


def mark_sent(session: Session, row_id: int, *, message_id: str | None, now: datetime) -> None:
    session.execute(
        update(OutboxMessage).where(col(OutboxMessage.id) == row_id).values(
            state=SENT, sent_at=now, message_id=message_id, last_error=None,
            attempts=OutboxMessage.attempts + 1)
    )


def mark_failed(session: Session, row_id: int, *, error: str, retry_at: datetime, dead: bool = False) -> None:
    session.execute(
        update(OutboxMessage).where(col(OutboxMessage.id) == row_id).values(
            state=DEAD if dead else FAILED, last_error=error[:2000], due_at=retry_at,
            attempts=OutboxMessage.attempts + 1)
    )


def release(session: Session, row_id: int, *, due_at: datetime) -> None:
    """Put a claimed row back untouched (rate limited before it was tried): no attempt counted."""
    session.execute(
        update(OutboxMessage).where(col(OutboxMessage.id) == row_id).values(state=PENDING, due_at=due_at)
    )


def get_by_key(session: Session, key: str) -> OutboxMessage | None:
    return session.exec(select(OutboxMessage).where(OutboxMessage.key == key)).first()


def counts_by_state(session: Session) -> dict[str, int]:
    from sqlalchemy import func

    rows = session.exec(select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)).all()
    return {state: n for state, n in rows}


def waiting_by_platform(session: Session) -> dict[str, int]:
    """Messages still to send (pending or failed), per platform."""
    from sqlalchemy import func

    query = (select(OutboxMessage.platform, func.count())
             .where(col(OutboxMessage.state).in_([PENDING, FAILED])).group_by(OutboxMessage.platform))
    return {platform: n for platform, n in session.exec(query).all()}


def next_pending_due(session: Session, platforms: list[str]) -> datetime | None:
    """When the next pending message of these platforms is due (None: nothing pending)."""
    from sqlalchemy import func

    query = select(func.min(OutboxMessage.due_at)).where(col(OutboxMessage.state) == PENDING,
                                                         col(OutboxMessage.platform).in_(platforms))
    return session.exec(query).one()


def enqueue_many(session: Session, messages: list[NewMessage], *, now: datetime, chunk: int = 1000) -> set[str]:
    """Add many messages in a few statements (the feedback ladder's one message per person); returns the keys
    that were added. Keys already present stay as they were, exactly as with `enqueue`."""
    added: set[str] = set()
    for start in range(0, len(messages), chunk):
        values = [{
            "key": m.key, "org_id": m.org_id, "platform": m.platform, "recipient_kind": m.recipient_kind,
            "recipient": m.recipient, "workspace": m.workspace, "thread": m.thread,
            "payload": json.dumps(m.payload, ensure_ascii=False), "due_at": m.due_at or now, "state": PENDING,
            "attempts": 0, "created_at": now,
        } for m in messages[start:start + chunk]]
        stmt = (insert_for(session, OutboxMessage).values(values).on_conflict_do_nothing(index_elements=["key"])
                .returning(OutboxMessage.key))
        added.update(session.execute(stmt).scalars().all())
    return added


def keys_like(session: Session, pattern: str) -> set[str]:
    """Keys matching a SQL LIKE pattern, e.g. "feedback:%:2026-03-02%" (one query)."""
    return set(session.exec(select(OutboxMessage.key).where(col(OutboxMessage.key).like(pattern))).all())
