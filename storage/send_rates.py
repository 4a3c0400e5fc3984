"""Send rates the dispatcher learnt per platform scope ("slack:T123", "teams:tenant:…"), table `send_rate`.

Written at the end of a drain and every few seconds while one runs (never on every send), read when a dispatcher
takes a scope on: the next fan-out to a workspace starts near the rate the platform accepted last time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, col, select

from storage.db import insert_for
from storage.models import SendRate


def learnt(session: Session, scopes: Iterable[str]) -> dict[str, float]:
    """The stored rates of these scopes (a scope never stored is absent)."""
    wanted = sorted(set(scopes))
    if not wanted:
        return {}
    found: dict[str, float] = {}
    for start in range(0, len(wanted), 500):
        query = select(SendRate.scope, SendRate.rate).where(col(SendRate.scope).in_(wanted[start:start + 500]))
        found.update({scope: rate for scope, rate in session.exec(query).all()})
    return found


def save(session: Session, rates: dict[str, float], *, now: datetime) -> None:
    """Store the rates (one upsert per scope; a handful of scopes per save)."""
    for scope, rate in sorted(rates.items()):
        stmt = insert_for(session, SendRate).values(scope=scope[:300], rate=float(rate), updated_at=now)
        session.execute(stmt.on_conflict_do_update(index_elements=["scope"],
                                                   set_={"rate": float(rate), "updated_at": now}))


def all_rates(session: Session) -> list[SendRate]:
    return list(session.exec(select(SendRate).order_by(col(SendRate.scope))).all())
