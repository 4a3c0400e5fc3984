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
from storage.models import OutboxMessage, WorkspacePause

PENDING, SENDING, SENT, FAILED, DEAD = "pending", "sending", "sent", "failed", "dead"
# Waiting for its workspace to be installed again (the app was uninstalled or its token revoked): never claimed.
PAUSED = "paused"


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
    """Add the message unless one with the same key exists. True when it was added.

    A message for a paused workspace (uninstalled, token revoked) is kept, paused, until it is installed again.
    """
    paused = bool(message.workspace) and is_paused(session, message.platform, message.workspace or "")
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
        "state": PAUSED if paused else PENDING,
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
    """Record a failed attempt. A row its workspace's pause caught while in flight stays paused (the failure was
    most likely the revoked token), so it is neither retried in vain nor dead-lettered."""
    from sqlalchemy import case

    failed_state = DEAD if dead else FAILED
    session.execute(
        update(OutboxMessage).where(col(OutboxMessage.id) == row_id).values(
            state=case((col(OutboxMessage.state) == PAUSED, PAUSED), else_=failed_state),
            last_error=error[:2000], due_at=retry_at, attempts=OutboxMessage.attempts + 1)
    )


def release(session: Session, row_id: int, *, due_at: datetime) -> None:
    """Put a claimed row back untouched (rate limited before it was tried): no attempt counted. A row paused
    meanwhile stays paused."""
    from sqlalchemy import case

    session.execute(
        update(OutboxMessage).where(col(OutboxMessage.id) == row_id).values(
            state=case((col(OutboxMessage.state) == PAUSED, PAUSED), else_=PENDING), due_at=due_at)
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
# -- paused workspaces -----------------------------------------------------------------------------------


_PAUSES = "idesluss.workspace_pauses"  # session.info: what this transaction knows about paused workspaces


def is_paused(session: Session, platform: str, workspace: str) -> bool:
    """Whether the workspace's messages are held. Asked once per workspace and transaction: a digest or an
    announcement enqueues thousands of rows to a handful of workspaces."""
    known: dict[tuple[str, str], bool] = session.info.setdefault(_PAUSES, {})
    if (platform, workspace) not in known:
        query = select(WorkspacePause.reason).where(WorkspacePause.platform == platform,
                                                    WorkspacePause.workspace == workspace)
        known[(platform, workspace)] = session.exec(query).first() is not None
    return known[(platform, workspace)]


def pause_workspace(session: Session, platform: str, workspace: str, *, reason: str, now: datetime) -> int:
    """Hold every message still to go to the workspace (and every later one) until `resume_workspace`.
    Returns how many waiting messages were paused."""
    session.execute(insert_for(session, WorkspacePause).values(platform=platform, workspace=workspace, reason=reason,
                                                               created_at=now).on_conflict_do_nothing())
    session.info.setdefault(_PAUSES, {})[(platform, workspace)] = True
    result = session.execute(
        update(OutboxMessage).where(col(OutboxMessage.platform) == platform, col(OutboxMessage.workspace) == workspace,
                                    col(OutboxMessage.state).in_([PENDING, FAILED, SENDING]))
        .values(state=PAUSED))
    return int(result.rowcount or 0)


def resume_workspace(session: Session, platform: str, workspace: str, *, now: datetime) -> int:
    """The workspace is installed again: its paused messages are due now. Returns how many."""
    pause = session.get(WorkspacePause, (platform, workspace))
    if pause is not None:
        session.delete(pause)
    session.info.setdefault(_PAUSES, {})[(platform, workspace)] = False
    result = session.execute(
        update(OutboxMessage).where(col(OutboxMessage.platform) == platform, col(OutboxMessage.workspace) == workspace,
                                    col(OutboxMessage.state) == PAUSED)
        .values(state=PENDING, due_at=now))
    session.flush()
    return int(result.rowcount or 0)


def paused_workspaces(session: Session) -> list[WorkspacePause]:
    return list(session.exec(select(WorkspacePause).order_by(col(WorkspacePause.created_at))).all())
