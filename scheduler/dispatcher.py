"""The outbox dispatcher: claims due rows, sends them through each platform's sender, marks the outcome.

A killed process loses nothing: a row is `sending` until marked, and a stale `sending` row is claimed
again after a while (the only way a message goes out twice is being in flight at the moment of death).
"""

from __future__ import annotations

import logging
import os
import random
import socket
from collections.abc import Mapping
from datetime import datetime, timedelta

from bot.core.delivery import OutboundMessage, PermanentDeliveryError, RateLimited, Sender
from bot.core.replies import Reply
from storage import outbox
from storage.db import Database
from storage.models import OutboxMessage, utcnow

log = logging.getLogger(__name__)


def backoff(attempt: int, *, base: float = 5.0, cap: float = 3600.0) -> float:
    """Exponential backoff with full jitter, in seconds."""
    return random.uniform(base / 2, min(cap, base * 2 ** max(0, attempt - 1)))


class Dispatcher:
    def __init__(self, db: Database, senders: Mapping[str, Sender], *, max_attempts: int = 8, batch: int = 50,
                 platforms: list[str] | None = None, worker: str | None = None) -> None:
        self.db = db
        self.senders = dict(senders)
        self.max_attempts = max_attempts
        self.batch = batch
        self.platforms = platforms or list(self.senders)
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}"

    def claim(self, now: datetime | None = None) -> list[OutboxMessage]:
        with self.db.session() as session:
            return outbox.claim_due(session, self.worker, limit=self.batch, now=now, platforms=self.platforms)

    async def deliver(self, row: OutboxMessage) -> str:
        """Send one claimed row and record the result. Returns the row's new state."""
        sender = self.senders.get(row.platform)
        now = utcnow()
        try:
            if sender is None:
                raise PermanentDeliveryError(f"no sender for platform {row.platform}")
            message = OutboundMessage(key=row.key, platform=row.platform, recipient_kind=row.recipient_kind,
                                      recipient=row.recipient, workspace=row.workspace,
                                      reply=Reply.from_dict(_load(row.payload)), thread=row.thread)
            delivery = await sender.send(message)
        except RateLimited as exc:
            with self.db.session() as session:
                outbox.release(session, row.id, due_at=now + timedelta(seconds=max(exc.retry_after, 0.0)))
            return outbox.PENDING
        except PermanentDeliveryError as exc:
            log.warning("outbox message %s is dead: %s", row.key, exc)
            with self.db.session() as session:
                outbox.mark_failed(session, row.id, error=str(exc), retry_at=now, dead=True)
            return outbox.DEAD
        except Exception as exc:  # a transient failure: try again later, dead-letter after max_attempts
            dead = row.attempts + 1 >= self.max_attempts
            log.warning("outbox message %s failed (attempt %d): %s", row.key, row.attempts + 1, exc)
            with self.db.session() as session:
                outbox.mark_failed(session, row.id, error=f"{type(exc).__name__}: {exc}",
                                   retry_at=now + timedelta(seconds=backoff(row.attempts + 1)), dead=dead)
            return outbox.DEAD if dead else outbox.FAILED
        with self.db.session() as session:
            outbox.mark_sent(session, row.id, message_id=delivery.message_id)
        return outbox.SENT

    async def run_once(self, now: datetime | None = None) -> int:
        """Claim one batch of due rows and send them one by one. Returns how many were sent."""
        sent = 0
        for row in self.claim(now):
            if await self.deliver(row) == outbox.SENT:
                sent += 1
        return sent


def _load(payload: str) -> dict:
    import json

    return json.loads(payload)
