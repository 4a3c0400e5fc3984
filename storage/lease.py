"""The scheduler lease: one row per name says which process runs the scheduler and until when.

Taking it is one conditional UPDATE (held by me, or expired) and, when no row exists yet, an INSERT that
ignores a concurrent winner: both are atomic on PostgreSQL and SQLite, so two replicas never both hold it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from storage.db import insert_for
from storage.models import SchedulerLease


def try_acquire(session: Session, name: str, holder: str, *, duration: timedelta, now: datetime) -> bool:
    """Take or renew the lease; False while another holder's lease has not expired."""
    expires = now + duration
    result = session.execute(
        update(SchedulerLease)
        .where(col(SchedulerLease.name) == name,
               or_(col(SchedulerLease.holder) == holder, col(SchedulerLease.expires_at) < now))
        .values(holder=holder, expires_at=expires)
    )
    if result.rowcount:
        return True
    inserted = session.execute(
        insert_for(session, SchedulerLease).values(name=name, holder=holder, expires_at=expires)
        .on_conflict_do_nothing(index_elements=["name"]).returning(SchedulerLease.name)
    ).scalar_one_or_none()
    return inserted is not None


def release(session: Session, name: str, holder: str, *, now: datetime) -> None:
    """Give the lease up at shutdown, so another replica takes over at once instead of after expiry."""
    session.execute(update(SchedulerLease).where(col(SchedulerLease.name) == name,
                                                 col(SchedulerLease.holder) == holder)
                    .values(expires_at=now - timedelta(seconds=1)))


def current(session: Session, name: str) -> SchedulerLease | None:
    return session.exec(select(SchedulerLease).where(SchedulerLease.name == name)).first()
