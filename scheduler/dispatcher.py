"""The outbox dispatcher: claims due rows, sends them through each platform's sender, marks the outcome.

A killed process loses nothing: a row is `sending` until marked, and a stale `sending` row is claimed
again after a while (the only way a message goes out twice is being in flight at the moment of death).

Sends run concurrently (asyncio) up to each scope's rate: 2,000 DMs at 50 per second need 40 s, which
one-at-a-time sending with a database write between each could never reach. A 429 pauses the whole
workspace (or Teams conversation) for its Retry-After without counting an attempt against the message.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.config import Settings
from bot.core.clock import Clock
from bot.core.delivery import Delivery, OutboundMessage, PermanentDeliveryError, RateLimited, Sender
from bot.core.extensions import AFTER_SEND, AfterSendHook, SentMessage, load_features
from bot.core.replies import Reply
from scheduler.ratelimit import Limits, RateLimiter
from storage import outbox
from storage.db import Database
from storage.models import OutboxMessage, as_utc

log = logging.getLogger(__name__)

# A rate-limit pause longer than this releases the row (due again after the pause) instead of holding it.
HOLD_PAUSE_SECONDS = 30.0


def backoff(attempt: int, *, base: float = 5.0, cap: float = 3600.0) -> float:
    """Exponential backoff with full jitter, in seconds."""
    return random.uniform(base / 2, min(cap, base * 2 ** max(0, attempt - 1)))


@dataclass(slots=True)
class DispatchResult:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    released: int = 0
    by_state: dict[str, int] = field(default_factory=dict)

    def add(self, state: str) -> None:
        self.by_state[state] = self.by_state.get(state, 0) + 1
        if state == outbox.SENT:
            self.sent += 1
        elif state == outbox.FAILED:
            self.failed += 1
        elif state == outbox.DEAD:
            self.dead += 1
        else:
            self.released += 1


class Dispatcher:
    """Sends due outbox rows through the senders it is handed (the composition root builds them).

    After a send, the features' after-send hooks (`bot.core.extensions.AFTER_SEND`) do their bookkeeping.
    """

    def __init__(self, db: Database, senders: Mapping[str, Sender], *, clock: Clock, max_attempts: int = 8,
                 batch: int = 200, platforms: list[str] | None = None, worker: str | None = None,
                 concurrency: int = 20, limits: Limits | None = None, stale_after: timedelta = timedelta(minutes=5),
                 after_send: Sequence[AfterSendHook] | None = None) -> None:
        self.db = db
        self.senders = dict(senders)
        self.max_attempts = max_attempts
        self.batch = batch
        self.platforms = platforms or list(self.senders)
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}"
        self.concurrency = max(1, concurrency)
        self.clock = clock
        self.limiter = RateLimiter(limits, self.clock)
        self.stale_after = stale_after
        if after_send is None:
            load_features()
            after_send = AFTER_SEND
        self.after_send = list(after_send)

    @classmethod
    def from_settings(cls, settings: Settings, db: Database, senders: Mapping[str, Sender], *, clock: Clock,
                      **kwargs: Any) -> Dispatcher:
        limits = Limits(slack_per_workspace=settings.slack_rate_per_second,
                        teams_per_conversation=settings.teams_conversation_rate_per_second,
                        teams_per_tenant=settings.teams_tenant_rate_per_second)
        return cls(db, senders, clock=clock, max_attempts=settings.outbox_max_attempts,
                   concurrency=settings.outbox_concurrency, limits=limits, **kwargs)

    def claim(self, now: datetime | None = None) -> list[OutboxMessage]:
        if not self.platforms:
            return []
        with self.db.session() as session:
            return outbox.claim_due(session, self.worker, limit=self.batch, now=now or self.clock.now(),
                                    platforms=self.platforms, stale_after=self.stale_after)

    def _message(self, row: OutboxMessage) -> OutboundMessage:
        return OutboundMessage(key=row.key, platform=row.platform, recipient_kind=row.recipient_kind,
                               recipient=row.recipient, workspace=row.workspace,
                               reply=Reply.from_dict(json.loads(row.payload)), thread=row.thread)

    async def deliver(self, row: OutboxMessage) -> str:
        """Send one claimed row (waiting for its rate slot) and record the result. Returns the new state."""
        sender = self.senders.get(row.platform)
        try:
            if sender is None:
                raise PermanentDeliveryError(f"no sender for platform {row.platform}")
            message = self._message(row)
            while True:
                paused = self.limiter.paused_for(message)
                if paused > HOLD_PAUSE_SECONDS:
                    await self._write(outbox.release, row.id, due_at=self.clock.now() + timedelta(seconds=paused))
                    return outbox.PENDING
                await self.clock.sleep(self.limiter.reserve(message))
                if self.limiter.paused_for(message) > 0:
                    continue  # a 429 arrived while this send waited for its slot: wait for the pause
                try:
                    delivery = await sender.send(message)
                    break
                except RateLimited as exc:
                    log.info("outbox: %s rate limited, pausing %.1f s", row.platform, exc.retry_after)
                    self.limiter.pause(message, exc.retry_after)
        except PermanentDeliveryError as exc:
            log.warning("outbox message %s is dead: %s", row.key, exc)
            await self._write(outbox.mark_failed, row.id, error=str(exc), retry_at=self.clock.now(), dead=True)
            return outbox.DEAD
        except Exception as exc:  # a transient failure: try again later, dead-letter after max_attempts
            dead = row.attempts + 1 >= self.max_attempts
            log.warning("outbox message %s failed (attempt %d): %s", row.key, row.attempts + 1, exc)
            await self._write(outbox.mark_failed, row.id, error=f"{type(exc).__name__}: {exc}",
                              retry_at=self.clock.now() + timedelta(seconds=backoff(row.attempts + 1)), dead=dead)
            return outbox.DEAD if dead else outbox.FAILED
        await asyncio.to_thread(self._mark_sent, row, delivery)
        return outbox.SENT

    def _mark_sent(self, row: OutboxMessage, delivery: Delivery) -> None:
        """Mark the row sent in a transaction of its own: a hook that fails must never undo that (the row
        would be claimed again and the message sent twice)."""
        with self.db.session() as session:
            outbox.mark_sent(session, row.id, message_id=delivery.message_id, now=self.clock.now())
        if not self.after_send:
            return
        sent = SentMessage(key=row.key, platform=row.platform, org_id=row.org_id, payload=json.loads(row.payload),
                           channel=delivery.channel, message_id=delivery.message_id)
        now = self.clock.now()
        with self.db.session() as session:  # one transaction for the bookkeeping, a savepoint per hook
            for hook in self.after_send:
                try:
                    with session.begin_nested():
                        hook(session, sent, now)
                except Exception:
                    log.warning("outbox: after-send bookkeeping for %s failed", row.key, exc_info=True)

    async def _write(self, fn: Callable[..., None], row_id: int | None, **kwargs: object) -> None:
        def work() -> None:
            with self.db.session() as session:
                fn(session, row_id, **kwargs)

        await asyncio.to_thread(work)

    async def run_once(self, now: datetime | None = None) -> DispatchResult:
        """Claim one batch of due rows and send them concurrently, within the rate limits."""
        result = DispatchResult()
        rows = await asyncio.to_thread(self.claim, now)
        if not rows:
            return result
        gate = asyncio.Semaphore(self.concurrency)

        async def one(row: OutboxMessage) -> str:
            async with gate:
                return await self.deliver(row)

        for state in await asyncio.gather(*(one(r) for r in rows)):
            result.add(state)
        return result

    async def drain(self, *, max_wait: float = 60.0) -> DispatchResult:
        """Send everything due now, including rows a 429 put back for up to `max_wait` seconds."""
        total = DispatchResult()
        while True:
            result = await self.run_once()
            for state, n in result.by_state.items():
                for _ in range(n):
                    total.add(state)
            if result.by_state:
                continue
            wait = await asyncio.to_thread(self._seconds_until_next_pending)
            if wait is None or wait > max_wait:
                return total
            await self.clock.sleep(wait)

    def _seconds_until_next_pending(self) -> float | None:
        with self.db.session() as session:
            due = outbox.next_pending_due(session, self.platforms)
        if due is None:
            return None
        return max(0.0, (as_utc(due) - self.clock.now()).total_seconds())
