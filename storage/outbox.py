"""The outbox: one table for every message that is not a direct reply.

`enqueue` is idempotent on the key, so a second attempt (a rerun digest, a retried event) is a no-op.
Claiming and marking are the dispatcher's (scheduler/); they live here because they are queries.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, case, func, or_, update
from sqlmodel import Session, col, select

from storage.db import insert_for
from storage.models import OutboxMessage, WorkspacePause, as_utc

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


Partition = tuple[str, str | None]  # (platform, workspace): what one dispatcher sends to alone (scheduler/dispatcher)


def _claimable(now: datetime, stale_after: timedelta, live: list[str] | None):  # type: ignore[no-untyped-def]
    """Rows a dispatcher may claim now: due ones; `sending` ones whose worker's heartbeat is gone (`live` lists the
    workers whose heartbeat is not: never-attempted rows of a dead worker at once — nothing of theirs reached the
    platform — and attempted ones too, since their worker can no longer mark them); and, whatever the worker,
    `sending` rows older than `stale_after` (a worker without a heartbeat, or one that hangs)."""
    sending = col(OutboxMessage.state) == SENDING
    conditions = [
        (col(OutboxMessage.state).in_([PENDING, FAILED])) & (col(OutboxMessage.due_at) <= now),
        sending & (col(OutboxMessage.claimed_at) <= now - stale_after),
    ]
    if live is not None:
        if live:
            conditions.append(sending & (col(OutboxMessage.claimed_by).is_(None)
                                         | col(OutboxMessage.claimed_by).not_in(live)))
        else:
            conditions.append(sending)
    return or_(*conditions)


def _in_partition(partition: Partition):  # type: ignore[no-untyped-def]
    platform, workspace = partition
    where = col(OutboxMessage.platform) == platform
    return where & (col(OutboxMessage.workspace).is_(None) if workspace is None
                    else col(OutboxMessage.workspace) == workspace)


def claim_due(session: Session, worker: str, *, now: datetime, limit: int = 50,
              stale_after: timedelta = timedelta(minutes=5), platforms: list[str] | None = None,
              live: list[str] | None = None, partition: Partition | None = None) -> list[OutboxMessage]:
    """Mark up to `limit` claimable rows as `sending` by `worker` and return them (`_claimable` says which).

    A claimed row is not yet attempted (`attempted_at` is None): the worker sets it right before the send
    (`mark_attempted`), so a row taken over from a dead worker before that can never have reached the platform.
    On PostgreSQL concurrent dispatchers skip each other's rows (FOR UPDATE SKIP LOCKED); SQLite holds the
    write lock for the whole transaction.
    """
    query = (select(OutboxMessage).where(_claimable(now, stale_after, live))
             .order_by(col(OutboxMessage.due_at), col(OutboxMessage.id)).limit(limit))
    if platforms:
        query = query.where(col(OutboxMessage.platform).in_(platforms))
    if partition is not None:
        query = query.where(_in_partition(partition))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = list(session.exec(query).all())
    for row in rows:
        row.state = SENDING
        row.claimed_by = worker
        row.claimed_at = now
        row.attempted_at = None
        session.add(row)
    session.flush()
    return rows


def partitions_with_work(session: Session, *, now: datetime, platforms: list[str], live: list[str] | None,
                         stale_after: timedelta = timedelta(minutes=5)) -> dict[Partition, int]:
    """Each (platform, workspace) with claimable rows, and how many (one grouped query over the due rows)."""
    query = (select(OutboxMessage.platform, OutboxMessage.workspace, func.count())
             .where(_claimable(now, stale_after, live), col(OutboxMessage.platform).in_(platforms))
             .group_by(col(OutboxMessage.platform), col(OutboxMessage.workspace)))
    return {(platform, workspace): n for platform, workspace, n in session.exec(query).all()}


def mark_attempted(session: Session, row_ids: list[int], worker: str, *, now: datetime) -> set[int]:
    """Right before the sends (one UPDATE for the rows that go out together): the rows still this worker's claim.
    A row missing from the answer was taken over by another dispatcher (this one's heartbeat lapsed) or its
    workspace was paused meanwhile: it must not be sent."""
    if not row_ids:
        return set()
    result = session.execute(
        update(OutboxMessage).where(col(OutboxMessage.id).in_(row_ids), col(OutboxMessage.state) == SENDING,
                                    col(OutboxMessage.claimed_by) == worker).values(attempted_at=now)
        .returning(OutboxMessage.id))
    return set(result.scalars().all())


def unattempt(session: Session, row_id: int, worker: str) -> None:
    """The platform refused the send (429) before taking it: the row is untried again, safe to take over."""
    session.execute(update(OutboxMessage).where(col(OutboxMessage.id) == row_id,
                                                col(OutboxMessage.claimed_by) == worker).values(attempted_at=None))


def hand_back(session: Session, row_ids: list[int], worker: str, *, now: datetime) -> int:
    """Claimed rows this worker will not try (it stops, or gives a workspace up): pending again, due now."""
    if not row_ids:
        return 0
    result = session.execute(
        update(OutboxMessage).where(col(OutboxMessage.id).in_(row_ids), col(OutboxMessage.state) == SENDING,
                                    col(OutboxMessage.claimed_by) == worker, col(OutboxMessage.attempted_at).is_(None))
        .values(state=PENDING, due_at=now, claimed_by=None))
    return int(result.rowcount or 0)


def mark_sent(session: Session, sent: list[tuple[int, str | None]], *, now: datetime) -> None:
    """Record accepted sends, (row id, the platform's message id) each: one executemany for the lot."""
    if not sent:
        return
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    session.connection().execute(
        update(table).where(table.c.id == bindparam("row_id")).values(
            state=SENT, sent_at=now, message_id=bindparam("ts"), last_error=None, attempts=table.c.attempts + 1),
        [{"row_id": row_id, "ts": message_id} for row_id, message_id in sent])


def mark_failed(session: Session, row_id: int, *, error: str, retry_at: datetime, dead: bool = False,
                unknown: bool = False) -> None:
    """Record a failed attempt (`unknown`: its outcome is unknown, counted in `unknown_outcomes`). A row its
    workspace's pause caught while in flight stays paused (the failure was most likely the revoked token), so it
    is neither retried in vain nor dead-lettered."""
    from sqlalchemy import case

    failed_state = DEAD if dead else FAILED
    values: dict[str, Any] = {"state": case((col(OutboxMessage.state) == PAUSED, PAUSED), else_=failed_state),
                              "last_error": error[:2000], "due_at": retry_at, "attempts": OutboxMessage.attempts + 1}
    if unknown:
        values["unknown_outcomes"] = OutboxMessage.unknown_outcomes + 1
    session.execute(update(OutboxMessage).where(col(OutboxMessage.id) == row_id).values(**values))


def release(session: Session, row_id: int, *, due_at: datetime) -> None:
    """Put a claimed row back untouched (rate limited before it was tried): no attempt counted. A row paused
    meanwhile stays paused."""
    from sqlalchemy import case

    session.execute(
        update(OutboxMessage).where(col(OutboxMessage.id) == row_id).values(
            state=case((col(OutboxMessage.state) == PAUSED, PAUSED), else_=PENDING), due_at=due_at)
    )


@dataclass(slots=True)
class Progress:
    """Where the messages of one act (a nudge, a week's digests) are: for an operator's honest report."""

    total: int = 0
    by_state: dict[str, int] = field(default_factory=dict)
    due_now: int = 0  # pending or failed, due now
    next_due: datetime | None = None  # the earliest of those due later
    claimed: dict[str, int] = field(default_factory=dict)  # `sending`, per worker that claimed them

    def count(self, state: str) -> int:
        return self.by_state.get(state, 0)


def progress(session: Session, patterns: list[str], *, now: datetime) -> Progress:
    """The messages whose key matches one of the SQL LIKE `patterns` (e.g. "nudge:12:dm:%"), by state (one grouped
    query)."""
    later = case((col(OutboxMessage.due_at) > now, col(OutboxMessage.due_at)), else_=None)
    query = (select(OutboxMessage.state, OutboxMessage.claimed_by, func.count(), func.min(later),
                    func.sum(case((col(OutboxMessage.due_at) <= now, 1), else_=0)))
             .where(or_(*(col(OutboxMessage.key).like(p) for p in patterns)))
             .group_by(col(OutboxMessage.state), col(OutboxMessage.claimed_by)))
    found = Progress()
    for state, worker, n, first_due, due_now in session.exec(query).all():
        found.total += n
        found.by_state[state] = found.by_state.get(state, 0) + n
        if state == SENDING:
            found.claimed[worker or "?"] = found.claimed.get(worker or "?", 0) + n
        elif state in (PENDING, FAILED):
            found.due_now += int(due_now or 0)
            if first_due is not None:
                first_due = as_utc(first_due)
                found.next_due = first_due if found.next_due is None else min(found.next_due, first_due)
    return found


def get_by_key(session: Session, key: str) -> OutboxMessage | None:
    return session.exec(select(OutboxMessage).where(OutboxMessage.key == key)).first()


def counts_by_state(session: Session) -> dict[str, int]:
    from sqlalchemy import func

    rows = session.exec(select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)).all()
    return {state: n for state, n in rows}


def unknown_outcomes_by_platform(session: Session) -> dict[str, int]:
    """Sends whose outcome was unknown, per platform (the partial index `ix_outbox_unknown` keeps it small)."""
    query = (select(OutboxMessage.platform, func.sum(OutboxMessage.unknown_outcomes))
             .where(col(OutboxMessage.unknown_outcomes) > 0).group_by(col(OutboxMessage.platform)))
    return {platform: int(n or 0) for platform, n in session.exec(query).all()}


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
    """Add many messages in a few statements (the feedback ladder's one message per person, the weekly digests);
    returns the keys that were added. Keys already present stay as they were, and a message for a paused
    workspace is kept paused, exactly as with `enqueue`.

    One statement compiled once and executed with a list of rows (SQLAlchemy's "insertmanyvalues": a multi-row
    INSERT per `chunk` rows), not a VALUES clause built per call. A payload shared by several messages (digests
    of one scope) is encoded once."""
    encoded: dict[int, str] = {}  # id of a payload (alive in `messages` meanwhile) -> its JSON

    def encode(payload: dict[str, Any]) -> str:
        if id(payload) not in encoded:
            encoded[id(payload)] = json.dumps(payload, ensure_ascii=False)
        return encoded[id(payload)]

    rows = [{
        "key": m.key, "org_id": m.org_id, "platform": m.platform, "recipient_kind": m.recipient_kind,
        "recipient": m.recipient, "workspace": m.workspace, "thread": m.thread, "payload": encode(m.payload),
        "due_at": m.due_at or now, "state": PAUSED if m.workspace and is_paused(session, m.platform, m.workspace)
        else PENDING, "attempts": 0, "unknown_outcomes": 0, "created_at": now,
    } for m in messages]
    if not rows:
        return set()
    stmt = (insert_for(session, OutboxMessage).on_conflict_do_nothing(index_elements=["key"])
            .returning(OutboxMessage.key))
    result = session.connection().execute(stmt.execution_options(insertmanyvalues_page_size=chunk), rows)
    return set(result.scalars().all())


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
