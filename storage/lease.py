"""The scheduler lease: one row per name says which process runs the scheduler and until when.

Taking it is one conditional UPDATE (held by me, or expired) and, when no row exists yet, an INSERT that
ignores a concurrent winner: both are atomic on PostgreSQL and SQLite, so two replicas never both hold it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_, update
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


def renew_many(session: Session, names: list[str], holder: str, *, duration: timedelta, now: datetime) -> set[str]:
    """Renew every lease of `names` this holder still holds (one UPDATE); returns those it still holds."""
    if not names:
        return set()
    session.execute(update(SchedulerLease)
                    .where(col(SchedulerLease.name).in_(names), col(SchedulerLease.holder) == holder,
                           col(SchedulerLease.expires_at) >= now)
                    .values(expires_at=now + duration))
    held = select(SchedulerLease.name).where(col(SchedulerLease.name).in_(names), col(SchedulerLease.holder) == holder,
                                             col(SchedulerLease.expires_at) >= now)
    return set(session.exec(held).all())


def release_many(session: Session, names: list[str], holder: str, *, now: datetime) -> None:
    if names:
        session.execute(update(SchedulerLease).where(col(SchedulerLease.name).in_(names),
                                                     col(SchedulerLease.holder) == holder)
                        .values(expires_at=now - timedelta(seconds=1)))


def live_holders(session: Session, prefix: str, *, now: datetime) -> list[str]:
    """Holders of unexpired leases whose name starts with `prefix` (e.g. the dispatchers' heartbeats)."""
    query = select(SchedulerLease.holder).where(col(SchedulerLease.name).startswith(prefix),
                                                col(SchedulerLease.expires_at) >= now)
    return sorted(set(session.exec(query).all()))


def held_by_others(session: Session, names: list[str], holder: str, *, now: datetime) -> set[str]:
    if not names:
        return set()
    query = select(SchedulerLease.name).where(col(SchedulerLease.name).in_(names), col(SchedulerLease.holder) != holder,
                                              col(SchedulerLease.expires_at) >= now)
    return set(session.exec(query).all())


def forget(session: Session, name: str, holder: str) -> None:
    """Delete a lease this holder will never take again (a dispatcher's heartbeat, at its end)."""
    session.execute(delete(SchedulerLease).where(col(SchedulerLease.name) == name,
                                                 col(SchedulerLease.holder) == holder))


def purge_expired(session: Session, prefix: str, *, before: datetime) -> int:
    """Forget leases of this kind that expired before `before` (the heartbeats of processes killed long ago)."""
    result = session.execute(delete(SchedulerLease).where(col(SchedulerLease.name).startswith(prefix),
                                                          col(SchedulerLease.expires_at) < before))
    return int(result.rowcount or 0)
