"""The outbox dispatcher: claims due rows, sends them through each platform's sender, marks the outcome.

**Rates.** Each scope (a Slack workspace, a Teams conversation and tenant) has an adaptive rate
(scheduler/ratelimit.py): it rises while sends succeed, drops on a 429 (honouring Retry-After), never above
its ceiling, and is saved per scope (`send_rate`, every few seconds and at the end) so the next fan-out
starts near it. Sends run concurrently (asyncio, `concurrency` in flight at most).

**Prompt recovery.** A dispatcher claims only what it will send within `horizon` seconds at its current rate,
holds a heartbeat lease (`dispatcher:<worker>` in `scheduler_lease`, renewed every quarter of its length)
while it runs, and stamps `attempted_at` on a row right before handing it to the platform — a conditional
UPDATE that fails if another dispatcher has taken the row over. When a worker's heartbeat expires, its rows
are claimed again at once: the untried ones can never have reached the platform; the tried-but-unmarked
ones are the messages that were on the wire when it died, the only ones that can arrive twice.

**Several dispatchers.** Work is partitioned by (platform, workspace): a dispatcher sends to a workspace (a
Teams tenant) only while it holds that partition's lease (`send:<platform>:<workspace>`), and takes at most
its fair share (partitions with work ÷ live dispatchers), so two dispatchers never send to one workspace at
once (its limit holds between them) and no row is claimed twice (FOR UPDATE SKIP LOCKED on PostgreSQL). A
partition with nothing left is given up, its learnt rates saved, for whoever has work for it next.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import math
import os
import random
import socket
import threading
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from bot.config import Settings
from bot.core.clock import Clock
from bot.core.delivery import (
    Delivery,
    OutboundMessage,
    OutcomeUnknown,
    PermanentDeliveryError,
    RateLimited,
    Sender,
)
from bot.core.extensions import AFTER_SEND, AfterSendHook, SentMessage, load_features
from bot.core.replies import Reply
from scheduler.ratelimit import Limits, RateLimiter, slack_scope, teams_tenant_scope
from storage import lease, outbox, send_rates
from storage.db import Database
from storage.models import OutboxMessage, as_utc

log = logging.getLogger(__name__)

# A rate-limit pause longer than this releases the row (due again after the pause) instead of holding it.
HOLD_PAUSE_SECONDS = 30.0
WORKER_PREFIX = "dispatcher:"
PARTITION_PREFIX = "send:"
HORIZON_SECONDS = 2.0  # claim what the current rate sends in this long
SAVE_EVERY_SECONDS = 2.0  # learnt rates are written this often while a drain runs (and at its end)
SCAN_EVERY_SECONDS = 0.5  # how often the partitions with work are counted
POLL_SECONDS = 0.1  # the loop's pace while sends are in flight
IDLE_POLL_SECONDS = 0.5  # a running dispatcher with nothing to do looks again this often
GATHER_SECONDS = 0.002  # the stamps (and the completions) of sends this close together are one transaction
TAKEN = "taken"  # a row this worker claimed but another took over before the send (never sent here)
LOCAL_PLATFORMS = frozenset({"shell"})  # printed where the dispatcher runs: no partitions, no heartbeat


def backoff(attempt: int, *, base: float = 5.0, cap: float = 3600.0) -> float:
    """Exponential backoff with full jitter, in seconds."""
    return random.uniform(base / 2, min(cap, base * 2 ** max(0, attempt - 1)))


def interleaved(rows: list[OutboxMessage]) -> list[OutboxMessage]:
    """The rows in turns, one partition's after another's: the `concurrency` places (where a row waits for its
    rate slot) go to many workspaces at once, not to one workspace's rows waiting for its slots in a row."""
    by_partition: dict[tuple[str, str | None], list[OutboxMessage]] = {}
    for row in rows:
        by_partition.setdefault((row.platform, row.workspace), []).append(row)
    turns = itertools.zip_longest(*by_partition.values())
    return [row for turn in turns for row in turn if row is not None]


def partition_lease(partition: outbox.Partition) -> str:
    platform, workspace = partition
    return f"{PARTITION_PREFIX}{platform}:{workspace or '-'}"


T = TypeVar("T")
R = TypeVar("R")


class Batched(Generic[T, R]):
    """Writes of many concurrent sends gathered into one transaction: whatever is asked within `GATHER_SECONDS`,
    and then whatever is asked while a write runs, goes into the next `write` (in a thread, items in, one result
    per item out). A busy dispatcher writes hundreds of rows in one commit; a single send waits a few ms."""

    def __init__(self, write: Callable[[list[T]], Sequence[R]]) -> None:
        self.write = write
        self.waiting: list[tuple[T, asyncio.Future[R]]] = []
        self.writing: asyncio.Task[None] | None = None

    async def __call__(self, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self.waiting.append((item, future))
        if self.writing is None:
            self.writing = asyncio.ensure_future(self._write_all())
        return await future

    async def _write_all(self) -> None:
        try:
            await asyncio.sleep(GATHER_SECONDS)
            while self.waiting:
                batch, self.waiting = self.waiting, []
                try:
                    results = await asyncio.to_thread(self.write, [item for item, _ in batch])
                except Exception as exc:
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for (_, future), result in zip(batch, results, strict=True):
                    if not future.done():
                        future.set_result(result)
        finally:
            self.writing = None


class Places:
    """Where claimed rows wait to be sent: `concurrency` places for the sends (the rate slot, the request), and as
    many in line before them, where a row's `attempted_at` is stamped (`Batched`). The stamps' transaction runs
    while the rows ahead are sent, not in a send's place; at most 2 × `concurrency` rows are stamped and not yet
    answered."""

    def __init__(self, concurrency: int) -> None:
        self.in_line = asyncio.Semaphore(concurrency)
        self.sending = asyncio.Semaphore(concurrency)


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
                 after_send: Sequence[AfterSendHook] | None = None, horizon: float = HORIZON_SECONDS,
                 lease_seconds: float = 4.0, on_unknown: Callable[[str], None] | None = None) -> None:
        self.db = db
        self.senders = dict(senders)
        self.max_attempts = max_attempts
        self.batch = max(1, batch)
        self.platforms = platforms or list(self.senders)
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}"
        self.concurrency = max(1, concurrency)
        self.clock = clock
        self.limiter = RateLimiter(limits, self.clock)
        self.stale_after = stale_after
        self.horizon = horizon
        self.lease_seconds = max(1.0, lease_seconds)
        self.on_unknown = on_unknown
        if after_send is None:
            load_features()
            after_send = AFTER_SEND
        self.after_send = list(after_send)
        self._held: set[outbox.Partition] = set()
        self._lost: list[outbox.Partition] = []  # found by the heartbeat, dropped by the loop
        self._leaving: set[outbox.Partition] = set()
        self._inflight: dict[outbox.Partition, set[int]] = {}
        self._work: dict[outbox.Partition, int] = {}
        self._live: list[str] = []
        self._seeds: dict[str, float] = {}  # learnt rates of partitions taken, for scopes not yet met
        self._last_scan = self._last_beat = self._last_save = -math.inf
        self._attempts: Batched[int, bool] = Batched(self._attempt)
        self._completions: Batched[tuple[OutboxMessage, Delivery], None] = Batched(self._mark_sent)

    @classmethod
    def from_settings(cls, settings: Settings, db: Database, senders: Mapping[str, Sender], *, clock: Clock,
                      **kwargs: Any) -> Dispatcher:
        limits = Limits(slack_per_workspace=settings.slack_rate_per_second,
                        teams_per_conversation=settings.teams_conversation_rate_per_second,
                        teams_per_tenant=settings.teams_tenant_rate_per_second,
                        slack_ceiling=settings.slack_rate_ceiling,
                        teams_conversation_ceiling=settings.teams_conversation_rate_ceiling,
                        teams_tenant_ceiling=settings.teams_tenant_rate_ceiling)
        kwargs.setdefault("lease_seconds", settings.dispatcher_lease_seconds)
        return cls(db, senders, clock=clock, max_attempts=settings.outbox_max_attempts,
                   concurrency=settings.outbox_concurrency, limits=limits, **kwargs)

    @property
    def partitioned(self) -> list[str]:
        """The platforms sent to under partition leases and a heartbeat (all but the local shell)."""
        return [p for p in self.platforms if p not in LOCAL_PLATFORMS]

    # -- claiming -------------------------------------------------------------------------------------------

    def claim(self, now: datetime | None = None) -> list[OutboxMessage]:
        """One claim round (what `drain` does between sends): heartbeat, partitions, rows."""
        now = now or self.clock.now()
        self._beat(now)
        return self._refill(now, scan=True)

    def _target(self, partition: outbox.Partition) -> int:
        """How many rows of the partition to hold claimed: what its rate sends within the horizon."""
        platform, workspace = partition
        scope = slack_scope(workspace) if platform == "slack" else teams_tenant_scope(workspace)
        rate = self.limiter.rate(scope)
        if rate is None:
            lim = self.limiter.limits
            rate = lim.slack_per_workspace if platform == "slack" else lim.teams_per_tenant
        return max(1, min(self.batch, math.ceil(rate * self.horizon)))

    def _beat(self, now: datetime) -> None:
        """Renew the heartbeat and the partition leases (a lost partition is no longer sent to from here)."""
        if not self.partitioned:
            return
        duration = timedelta(seconds=self.lease_seconds)
        names = {partition_lease(p): p for p in list(self._held)}  # a snapshot: the loop changes the set
        with self.db.session() as session:
            if not lease.try_acquire(session, WORKER_PREFIX + self.worker, self.worker, duration=duration, now=now):
                log.warning("outbox: dispatcher %s's heartbeat is held by another process", self.worker)
            if random.random() < 0.01:  # now and then: forget the heartbeats of processes killed long ago
                lease.purge_expired(session, WORKER_PREFIX, before=now - timedelta(days=1))
            kept = lease.renew_many(session, list(names), self.worker, duration=duration, now=now)
        self._lost.extend(p for n, p in names.items() if n not in kept)  # the loop drops them (`_drop_lost`)
        self._last_beat = self.clock.monotonic()

    def _drop_lost(self) -> None:
        """Partitions whose lease ran out under this dispatcher (it was too slow to renew): not sent to from here
        any more; another dispatcher may hold them now."""
        while self._lost:
            partition = self._lost.pop()
            if partition in self._held:
                log.warning("outbox: lost the lease of %s to another dispatcher", partition_lease(partition))
                self._held.discard(partition)
                self._leaving.discard(partition)

    def _heartbeat(self, halt: threading.Event) -> None:
        """The heartbeat, in a thread of its own: a busy event loop or a full thread pool must never let it (and
        the partition leases) lapse while this dispatcher sends."""
        while not halt.wait(self.lease_seconds / 4):
            try:
                self._beat(self.clock.now())
            except Exception:
                log.warning("outbox: heartbeat failed", exc_info=True)

    def _refill(self, now: datetime, *, scan: bool) -> list[OutboxMessage]:
        self._drop_lost()
        claimed: list[OutboxMessage] = []
        scan = scan or self.clock.monotonic() - self._last_scan >= SCAN_EVERY_SECONDS
        if not scan and not any(self._room(p) for p in self._held - self._leaving):
            return claimed  # nothing to claim before the next scan: no transaction at all
        local = [p for p in self.platforms if p in LOCAL_PLATFORMS]
        if local and scan:  # the shell: no leases, claimed as it comes
            room = self.batch - sum(len(self._inflight.get((p, None), ())) for p in local)
            if room > 0:
                with self.db.session() as session:
                    claimed += outbox.claim_due(session, self.worker, now=now, limit=room, platforms=local,
                                                stale_after=self.stale_after)
        if self.partitioned:
            claimed += self._refill_partitions(now, scan=scan)
        for row in claimed:
            self._inflight.setdefault((row.platform, row.workspace if row.platform not in LOCAL_PLATFORMS else None),
                                      set()).add(row.id or 0)
        return claimed

    def _room(self, partition: outbox.Partition) -> int:
        """Rows to claim for the partition now (0 until half its target is sent, or when it has no work)."""
        target = self._target(partition)
        room = target - len(self._inflight.get(partition, ()))
        return room if room >= max(1, target // 2) and self._work.get(partition) else 0

    def _refill_partitions(self, now: datetime, *, scan: bool) -> list[OutboxMessage]:
        """Short transactions only: the scan and the leases in one, the claims of every partition with room in
        another (it locks outbox rows only), so no lease row stays locked while rows are claimed (the heartbeat
        renews those rows meanwhile)."""
        if scan:
            with self.db.session() as session:
                self._live = lease.live_holders(session, WORKER_PREFIX, now=now)
                if self.worker not in self._live:
                    self._live.append(self.worker)
                self._work = outbox.partitions_with_work(session, now=now, platforms=self.partitioned,
                                                         live=self._live, stale_after=self.stale_after)
                self._last_scan = self.clock.monotonic()
                self._rebalance(session, self.clock.now())
        wanted = [(p, room) for p in sorted(self._held - self._leaving, key=str) if (room := self._room(p))]
        if not wanted:
            return []
        claimed: list[OutboxMessage] = []
        with self.db.session() as session:
            for partition, room in wanted:
                rows = outbox.claim_due(session, self.worker, now=now, limit=room, stale_after=self.stale_after,
                                        live=self._live, partition=partition)
                self._work[partition] = max(0, self._work[partition] - len(rows)) if len(rows) == room else 0
                claimed += rows
            if claimed:
                self._learn(session, claimed)
        return claimed

    def _rebalance(self, session: Any, now: datetime) -> None:
        """Take partitions up to a fair share of those with work; give up idle ones and those over the share."""
        busy = {p for p in self._work} | {p for p in self._held if self._inflight.get(p)}
        share = math.ceil(len(busy) / max(1, len(self._live))) if busy else 0
        duration = timedelta(seconds=self.lease_seconds)
        taken: set[outbox.Partition] = set()
        if len(self._held) < share:
            names = {partition_lease(p): p for p in self._work if p not in self._held}
            others = lease.held_by_others(session, list(names), self.worker, now=now)
            free = sorted((p for n, p in names.items() if n not in others), key=lambda p: -self._work[p])
            for partition in free[:share - len(self._held)]:
                if lease.try_acquire(session, partition_lease(partition), self.worker, duration=duration, now=now):
                    self._held.add(partition)
                    taken.add(partition)
        if taken:
            scopes = [slack_scope(w) if p == "slack" else teams_tenant_scope(w) for p, w in taken]
            self._seed(send_rates.learnt(session, scopes))
        idle = [p for p in self._held if not self._work.get(p) and not self._inflight.get(p)]
        over = len(self._held) - len(idle) - share
        if over > 0:  # others are live and have none: stop claiming here, give up once in flight is done
            self._leaving.update(sorted(self._held - set(idle), key=lambda p: len(self._inflight.get(p, ())))[:over])
        done = idle + [p for p in self._leaving if not self._inflight.get(p)]
        if done:
            self._save(session, now)
            lease.release_many(session, [partition_lease(p) for p in done], self.worker, now=now)
            for partition in done:
                self._held.discard(partition)
                self._leaving.discard(partition)

    def _seed(self, rates: dict[str, float]) -> None:
        """A partition taken on: its scopes start from what was learnt (by this or another dispatcher)."""
        for scope, rate in rates.items():
            bucket = self.limiter.buckets.get(scope)
            if bucket is not None:
                bucket.adaptive.learnt(rate)
            else:
                self._seeds[scope] = rate

    def _learn(self, session: Any, rows: list[OutboxMessage]) -> None:
        """Seed the limiter for scopes it meets for the first time: a learnt rate, else the configured one."""
        messages = [self._message(r) for r in rows if r.platform in ("slack", "teams")]
        unknown = {s[0] for m in messages for s in self.limiter.scopes(m) if not self.limiter.known(s[0])}
        if not unknown:
            return
        rates = {**send_rates.learnt(session, unknown - set(self._seeds)), **self._seeds}
        for message in messages:
            self.limiter.learn(message, rates)
        for scope in unknown:
            self._seeds.pop(scope, None)

    def _save(self, session: Any, now: datetime) -> None:
        changed = self.limiter.changed()
        if changed:
            send_rates.save(session, changed, now=now)
        self._last_save = self.clock.monotonic()

    def _message(self, row: OutboxMessage) -> OutboundMessage:
        return OutboundMessage(key=row.key, platform=row.platform, recipient_kind=row.recipient_kind,
                               recipient=row.recipient, workspace=row.workspace,
                               reply=Reply.from_dict(json.loads(row.payload)), thread=row.thread)

    # -- sending --------------------------------------------------------------------------------------------

    async def deliver(self, row: OutboxMessage, places: Places | None = None) -> str:
        """Send one claimed row (waiting for a place and its rate slot) and record the result. Returns the new
        state. The place is given up as soon as the platform accepted the message: marking it sent is written
        together with other sends' (`Batched`), and needs no place."""
        outcome = await self._send(row, places or Places(1))
        if isinstance(outcome, str):
            return outcome
        await self._completions((row, outcome))
        return outbox.SENT

    @contextlib.asynccontextmanager
    async def _place(self, row_id: int, places: Places) -> AsyncIterator[bool]:
        """A send's place, the row's `attempted_at` stamped while it waited in line for it. False: the row is no
        longer this worker's (taken over after its heartbeat lapsed, or its workspace paused meanwhile)."""
        async with places.in_line:
            ours = await self._attempts(row_id)
            if ours:
                await places.sending.acquire()
        if not ours:
            yield False
            return
        try:
            yield True
        finally:
            places.sending.release()

    async def _send(self, row: OutboxMessage, places: Places) -> Delivery | str:
        """The send (what the platform accepted), or the state a failure left the row in (recorded)."""
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
                # Stamped before the row takes its rate slot (at most `concurrency` rows wait for one), not between
                # the slot and the send: a database write there would bunch the sends and cross the limit.
                async with self._place(row.id or 0, places) as ours:
                    if not ours:
                        return TAKEN  # taken over (this worker's heartbeat lapsed) or paused meanwhile: not ours
                    reservation = self.limiter.reserve(message)
                    await self.clock.sleep(reservation.wait)
                    while (late := self.limiter.window_wait(message)) > 0:
                        await self.clock.sleep(late)
                    if self.limiter.paused_for(message) <= 0:  # else a 429 came while this send waited for its slot
                        self.limiter.sending(message, reservation)
                        try:
                            delivery = await sender.send(message)
                            self.limiter.succeeded(message, reservation)
                            return delivery
                        except RateLimited as exc:
                            log.info("outbox: %s rate limited, pausing %.1f s", row.platform, exc.retry_after)
                            self.limiter.pause(message, exc.retry_after, reservation)
                # Refused, or held back by a pause, before the platform took it: untried again, then the pause.
                await self._write(outbox.unattempt, row.id, self.worker)
        except PermanentDeliveryError as exc:
            log.warning("outbox message %s is dead: %s", row.key, exc)
            await self._write(outbox.mark_failed, row.id, error=str(exc), retry_at=self.clock.now(), dead=True)
            return outbox.DEAD
        except OutcomeUnknown as exc:
            return await self._unknown(row, exc)
        except Exception as exc:  # a transient failure: try again later, dead-letter after max_attempts
            dead = row.attempts + 1 >= self.max_attempts
            log.warning("outbox message %s failed (attempt %d): %s", row.key, row.attempts + 1, exc)
            await self._write(outbox.mark_failed, row.id, error=f"{type(exc).__name__}: {exc}",
                              retry_at=self.clock.now() + timedelta(seconds=backoff(row.attempts + 1)), dead=dead)
            return outbox.DEAD if dead else outbox.FAILED

    async def _unknown(self, row: OutboxMessage, exc: OutcomeUnknown) -> str:
        """The request left and no answer came: the message may have arrived. Retried once, never more, so a
        platform that posts and then stalls costs at most one duplicate per message."""
        if self.on_unknown is not None:
            self.on_unknown(row.platform)
        again = row.unknown_outcomes < 1 and row.attempts + 1 < self.max_attempts
        error = (f"outcome unknown ({exc}): retried once" if again
                 else f"outcome unknown again ({exc}): not retried, it may have arrived")
        log.warning("outbox message %s: %s", row.key, error)
        await self._write(outbox.mark_failed, row.id, error=error, dead=not again, unknown=True,
                          retry_at=self.clock.now() + timedelta(seconds=backoff(row.attempts + 1)))
        return outbox.FAILED if again else outbox.DEAD

    def _attempt(self, row_ids: list[int]) -> list[bool]:
        """Stamp `attempted_at` on the rows about to take their rate slots (one UPDATE): which are still ours."""
        with self.db.session() as session:
            ours = outbox.mark_attempted(session, row_ids, self.worker, now=self.clock.now())
        return [row_id in ours for row_id in row_ids]

    def _mark_sent(self, sent: list[tuple[OutboxMessage, Delivery]]) -> list[None]:
        """Mark the rows sent in a transaction of their own: a hook that fails must never undo that (the row
        would be claimed again and the message sent twice)."""
        with self.db.session() as session:
            outbox.mark_sent(session, [(row.id or 0, delivery.message_id) for row, delivery in sent],
                             now=self.clock.now())
        if self.after_send:
            self._bookkeeping([SentMessage(key=row.key, platform=row.platform, org_id=row.org_id,
                                           payload=json.loads(row.payload), channel=delivery.channel,
                                           message_id=delivery.message_id) for row, delivery in sent])
        return [None] * len(sent)

    def _bookkeeping(self, sent: list[SentMessage]) -> None:
        """The after-send hooks of the messages marked together, in one transaction. Should a hook fail, that
        transaction is rolled back and the messages are done again with a savepoint per hook and message, so
        one failing hook is logged and costs no other its bookkeeping."""
        now = self.clock.now()
        try:
            with self.db.session() as session:
                for message in sent:
                    for hook in self.after_send:
                        hook(session, message, now)
            return
        except Exception:
            log.info("outbox: after-send bookkeeping of %d messages failed: one by one", len(sent), exc_info=True)
        with self.db.session() as session:
            for message in sent:
                for hook in self.after_send:
                    try:
                        with session.begin_nested():
                            hook(session, message, now)
                    except Exception:
                        log.warning("outbox: after-send bookkeeping for %s failed", message.key, exc_info=True)

    async def _write(self, fn: Callable[..., None], row_id: int | None, *args: object, **kwargs: object) -> None:
        def work() -> None:
            with self.db.session() as session:
                fn(session, row_id, *args, **kwargs)

        await asyncio.to_thread(work)

    # -- the loop ---------------------------------------------------------------------------------------------

    async def run_once(self, now: datetime | None = None) -> DispatchResult:
        """One claim round, and its sends to the end."""
        result = DispatchResult()
        rows = await asyncio.to_thread(self.claim, now)
        places = Places(self.concurrency)
        for state in await asyncio.gather(*(self._one(places, r) for r in interleaved(rows))):
            result.add(state)
        await asyncio.to_thread(self._finish, False)
        await self._close_senders()
        return result

    async def _one(self, places: Places, row: OutboxMessage) -> str:
        try:
            return await self.deliver(row, places)
        finally:
            key = (row.platform, row.workspace if row.platform not in LOCAL_PLATFORMS else None)
            self._inflight.get(key, set()).discard(row.id or 0)

    async def drain(self, *, max_wait: float = 60.0) -> DispatchResult:
        """Send everything due now that this dispatcher may send (its partitions), including rows a 429 put back
        for up to `max_wait` seconds; then give the partitions and the heartbeat up."""
        return await self._loop(stop=None, max_wait=max_wait)

    async def serve(self, stop: threading.Event) -> DispatchResult:
        """Run until `stop` is set (the scheduler's dispatcher): sends whatever becomes due, as it does."""
        return await self._loop(stop=stop, max_wait=0.0)

    async def _loop(self, *, stop: threading.Event | None, max_wait: float) -> DispatchResult:
        total = DispatchResult()
        places = Places(self.concurrency)
        tasks: set[asyncio.Task[str]] = set()
        finished: list[asyncio.Task[str]] = []
        all_done = asyncio.Event()

        def done(task: asyncio.Task[str]) -> None:  # a done callback: no asyncio.wait over thousands of tasks
            tasks.discard(task)
            finished.append(task)
            if not tasks:
                all_done.set()

        first = True
        halt = threading.Event()
        beating = None
        if self.partitioned:
            await asyncio.to_thread(self._beat, self.clock.now())
            beating = threading.Thread(target=self._heartbeat, args=(halt,), name="outbox-heartbeat", daemon=True)
            beating.start()
        try:
            while stop is None or not stop.is_set():
                now = self.clock.now()
                mono = self.clock.monotonic()
                scanned = first
                rows = await asyncio.to_thread(self._refill, now, scan=first)
                first = False
                for row in interleaved(rows):
                    task = asyncio.ensure_future(self._one(places, row))
                    tasks.add(task)
                    task.add_done_callback(done)
                if mono - self._last_save >= SAVE_EVERY_SECONDS:
                    await asyncio.to_thread(self._save_now)
                if tasks:  # look for more to claim at the loop's pace, or as soon as everything is sent
                    all_done.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(all_done.wait(), POLL_SECONDS)
                    while finished:
                        total.add(finished.pop().result())
                    continue
                while finished:
                    total.add(finished.pop().result())
                if stop is not None:
                    await asyncio.sleep(IDLE_POLL_SECONDS)
                    first = True
                    continue
                if not rows and scanned:  # a fresh look found nothing this dispatcher may send now
                    wait = await asyncio.to_thread(self._seconds_until_next_pending)
                    # Due now but not claimable here: another dispatcher's workspace. Not this drain's to wait for.
                    if wait is None or wait > max_wait or wait <= 0:
                        break
                    await self.clock.sleep(wait)
                first = True
        finally:
            if tasks:
                await asyncio.wait(tasks)
            while finished:
                total.add(finished.pop().result())
            halt.set()
            if beating is not None:
                await asyncio.to_thread(beating.join, 10)
            await asyncio.to_thread(self._finish, True)
            await self._close_senders()
        return total

    async def _close_senders(self) -> None:
        for sender in self.senders.values():
            close = getattr(sender, "aclose", None)
            if close is not None:
                try:
                    await close()
                except Exception:
                    log.debug("outbox: closing the %s sender failed", sender.platform, exc_info=True)

    def _save_now(self) -> None:
        with self.db.session() as session:
            self._save(session, self.clock.now())

    def _finish(self, release: bool) -> None:
        """Save the learnt rates; at the end of a drain, give the partitions and the heartbeat up."""
        now = self.clock.now()
        with self.db.session() as session:
            self._save(session, now)
            if release and self.partitioned:
                lease.release_many(session, [partition_lease(p) for p in self._held], self.worker, now=now)
                lease.forget(session, WORKER_PREFIX + self.worker, self.worker)
        if release:
            self._held.clear()
            self._leaving.clear()
            self._last_beat = -math.inf

    def _seconds_until_next_pending(self) -> float | None:
        with self.db.session() as session:
            due = outbox.next_pending_due(session, self.platforms)
        if due is None:
            return None
        return max(0.0, (as_utc(due) - self.clock.now()).total_seconds())
