"""Send rates per platform scope, found by the dispatcher itself: Slack per workspace, Teams per conversation
and per tenant.

Nobody knows a workspace's real limit (Slack publishes about one message a second per channel and an unpublished
workspace-wide limit), so each scope's rate is *adaptive*, in the manner of TCP's AIMD:

- it starts at the configured rate (`IDESLUSS_SLACK_RATE` …) or at the rate learnt for the scope before
  (table `send_rate`);
- while sends succeed *and the rate is what holds them back* (a send had to wait for its slot), it rises
  additively: fast (`FAST_STEP_PER_SECOND`) until it nears the highest rate the platform accepted (`HOLD` of it),
  then by a slow probe (up to `PROBE_SHARE_PER_SECOND` of that rate per second, growing over
  `PROBE_WARMUP_SECONDS` after the last 429), so a run stays just under the limit instead of sawing across it:
  each 429 costs a whole Retry-After pause. The probe raises the known limit only once the rate passes it;
- on a 429 it drops multiplicatively and the scope pauses for the Retry-After; the other 429s of sends that were
  already in flight belong to the same event and change nothing more. What the platform accepted is counted: the
  scope's successful sends in the second before the refused one. The first 429 of a scope sets its known limit
  to that count and the rate to `DECREASE` of it;
- once a limit is known, one count is not trusted on its own. A count near the known limit (`JITTER_BAND`) is
  timing jitter crossing the platform's window: alone it costs the pause and nothing more, and a second one
  within `JITTER_MEMORY_SECONDS` lowers the known limit by 2 %. A count far
  below it means either that the limit fell (another app now sends in the workspace) or that this process
  stalled and its sends arrived bunched: the rate drops by `DECREASE` and then *recovers*
  towards it (`RECOVER_SHARE_PER_SECOND`), and only a second such 429 while it recovers takes the count as the
  new limit. A stall costs a few seconds of a lower rate, not the rest of the run — nor the rate learnt for
  the next one;
- never above the configured ceiling (`IDESLUSS_SLACK_RATE_CEILING` …), never below `MIN_RATE`.

A token bucket per scope hands out *reservations* at the current rate: each sender learns how long to wait for
its slot, so many coroutines share one rate without a lock. Right before the send a one-second window of the
scope's sends holds back one that a busy event loop delayed until it would go out together with the next.
"""

from __future__ import annotations

import collections
import math
from dataclasses import dataclass

from bot.core.clock import Clock
from bot.core.delivery import OutboundMessage

FAST_STEP_PER_SECOND = 400.0  # messages/s gained per second of backlogged success, below the known limit
HOLD = 0.97  # the rate climbs fast up to 97 % of the known limit, above it only by the probe
PROBE_SHARE_PER_SECOND = 0.0005  # above it: up to 0.05 % of the limit per second (3 % a minute) ...
PROBE_WARMUP_SECONDS = 60.0  # ... reached a minute after the last 429 (from nothing, linearly: a short fan-out
#                             stays at HOLD instead of probing into the jitter at the limit)
RECOVER_SHARE_PER_SECOND = 0.02  # back towards a known limit after a 429 that did not prove it: 2 % a second
DECREASE = 0.9  # a 429: the rate drops to 90 % of what the platform accepted
JITTER_BAND = 0.8  # a 429 with at least 80 % of the known limit accepted: jitter at the limit, not a new limit
JITTER_MEMORY_SECONDS = 20.0  # ... alone it changes nothing; a second such one within 20 s ...
REMEMBER = 0.98  # ... lowers the known limit 2 %
MIN_RATE = 0.2
WINDOW_SECONDS = 1.0  # successes counted over this window tell what the platform accepted


@dataclass(slots=True)
class Limits:
    """Starting rates (IDESLUSS_SLACK_RATE …) and ceilings (IDESLUSS_SLACK_RATE_CEILING …), per second."""

    slack_per_workspace: float = 10.0
    teams_per_conversation: float = 1.8
    teams_per_tenant: float = 30.0
    teams_conversation_burst: float = 7.0  # Teams allows 7 in one second per thread, 60 in 30 s
    slack_ceiling: float = 200.0
    teams_conversation_ceiling: float = 2.0
    teams_tenant_ceiling: float = 50.0
    adaptive: bool = True  # False: fixed rates (the starting ones), as before issue 12


class AdaptiveRate:
    """One scope's rate (see the module docstring)."""

    def __init__(self, start: float, ceiling: float, *, learnt: bool = False, adaptive: bool = True) -> None:
        self.ceiling = max(ceiling, MIN_RATE)
        self.rate = min(max(start, MIN_RATE), self.ceiling)
        self.adaptive = adaptive
        # The platform's limit as far as it is known (None: never limited yet). A learnt rate is HOLD of one.
        self.limit: float | None = self.rate / HOLD if learnt else None
        self.recovering = False  # a 429 that did not prove the limit lowered the rate; climbing back to HOLD x limit
        self.event_until = -math.inf
        self._last_jitter = -math.inf  # when the last 429 at the known limit came
        self.calm_since: float | None = None  # since when no 429 came (None: not since the rate started out)
        self.successes: collections.deque[float] = collections.deque()  # when recent successful sends went out
        self._counting: tuple[float, float] | None = None  # after a 429: the second whose successes are counted
        self._counted = 0
        self.changed = False  # since the last save
        self.limited_events = 0
        self.events: collections.deque[tuple[float, int, float, float]] = collections.deque(maxlen=50)

    @property
    def cruise(self) -> float:
        """The rate this scope runs at once it has climbed back: what is worth keeping for the next run."""
        if self.limit is None:
            return self.rate
        return min(self.ceiling, HOLD * self.limit)

    def succeeded(self, now: float, *, sent_at: float, backlogged: bool) -> None:
        """A send that went out at `sent_at` succeeded."""
        self.successes.append(sent_at)
        while self.successes and self.successes[0] <= now - 2 * WINDOW_SECONDS:
            self.successes.popleft()
        if self._counting is not None:
            low, high = self._counting
            if low < sent_at <= high:  # a send of the second before the 429 that was still in flight
                self._counted += 1
                if not self.recovering:
                    self.limit = max(self.limit or 0.0, min(float(self._counted), self.ceiling))
            elif now > self.event_until:
                self._counting = None
        if not (self.adaptive and backlogged) or self.rate >= self.ceiling:
            return
        # One success at rate r comes every 1/r seconds: step / r per success is `step` per second.
        if self.limit is None:
            rate = self.rate + FAST_STEP_PER_SECOND / self.rate
        elif self.recovering:
            rate = max(self.rate, min(HOLD * self.limit, self.rate + RECOVER_SHARE_PER_SECOND * self.limit / self.rate))
            self.recovering = rate < HOLD * self.limit
        elif self.rate < HOLD * self.limit:  # back up to just under the known limit, not past it
            rate = min(HOLD * self.limit, self.rate + FAST_STEP_PER_SECOND / self.rate)
        else:
            if self.calm_since is None:
                self.calm_since = now
            warm = min(1.0, max(0.0, now - self.calm_since) / PROBE_WARMUP_SECONDS)
            rate = self.rate + warm * PROBE_SHARE_PER_SECOND * self.limit / self.rate
            self.limit = max(self.limit, rate)  # the probe went past the known limit and was accepted
        self.rate = min(self.ceiling, rate)
        self.changed = True

    def rate_limited(self, now: float, retry_after: float, *, sent_at: float | None = None) -> bool:
        """A 429 for a send that went out at `sent_at`. True when it started a new congestion event."""
        if not self.adaptive or now < self.event_until:
            return False
        sent_at = now if sent_at is None else sent_at
        # What the platform accepted: the successful sends of the second before the refused one. Those still in
        # flight are counted as their answers come (`succeeded`); a tenth of the rate at least (a 429 with
        # hardly a success before it, e.g. another app's sends, says little about the limit).
        self._counting = (sent_at - WINDOW_SECONDS, sent_at)
        self._counted = sum(1 for t in self.successes if sent_at - WINDOW_SECONDS < t <= sent_at)
        counted = min(self.rate, max(float(self._counted), self.rate / 10))
        if self.limit is not None and counted >= JITTER_BAND * self.limit:
            # At the known limit: timing jitter crossed the platform's window (this process's sends arrive
            # bunched now and then). Alone, it costs the pause and nothing more; a second one soon after says the
            # limit is a little lower than known: 2 % lower (one that really fell shows as fewer successes).
            if now - self._last_jitter < JITTER_MEMORY_SECONDS:
                self.limit = max(counted, REMEMBER * self.limit)
            self.rate = min(self.rate, HOLD * self.limit)
            self.recovering = False
            self._last_jitter = now
        elif self.limit is not None and not self.recovering:
            # Far fewer accepted than the known limit, for the first time: a stall or a limit that fell. Slow
            # down and climb back; a second such 429 on the way proves it.
            self.rate = DECREASE * self.rate
            self.recovering = True
        else:  # the first 429 of the scope, or a second one while recovering: the count is the limit now
            self.limit = counted
            self.rate = DECREASE * counted
            self.recovering = False
        self.rate = max(MIN_RATE, min(self.ceiling, self.rate))
        self.event_until = self.calm_since = now + max(retry_after, 0.0) + WINDOW_SECONDS
        self.limited_events += 1
        self.changed = True
        self.events.append((now, self._counted, self.limit or 0.0, self.rate))
        return True

    def learnt(self, rate: float) -> None:
        """Start from a rate stored by an earlier run (or another dispatcher that held the scope)."""
        self.rate = min(max(rate, MIN_RATE), self.ceiling)
        self.limit = self.rate / HOLD
        self.recovering = False
        self.calm_since = None
        self.changed = False


class TokenBucket:
    def __init__(self, rate: AdaptiveRate, burst: float, now: float) -> None:
        self.adaptive = rate
        self.burst = max(burst, 1.0)
        self.tokens = self.burst
        self.updated = now
        self.paused_until = 0.0
        self.sent: collections.deque[float] = collections.deque()  # when the sends of the last second went out

    def window_wait(self, now: float) -> float:
        """Seconds until one more send keeps this second's sends within the rate (0: now). The bucket spaces the
        slots; this catches the sends a busy event loop delayed and would otherwise let go out together."""
        while self.sent and self.sent[0] <= now - WINDOW_SECONDS:
            self.sent.popleft()
        room = max(1, math.floor(self.rate * WINDOW_SECONDS + self.burst - 1))
        if len(self.sent) < room:
            return 0.0
        return self.sent[len(self.sent) - room] + WINDOW_SECONDS - now

    @property
    def rate(self) -> float:
        return self.adaptive.rate

    def reserve(self, now: float) -> float:
        """Take one token; the seconds to wait before it may be used."""
        start = max(now, self.paused_until)
        if start > self.updated:
            self.tokens = min(self.burst, self.tokens + (start - self.updated) * self.rate)
            self.updated = start
        self.tokens -= 1.0
        return (start - now) + (-self.tokens / self.rate if self.tokens < 0 else 0.0)

    def pause(self, until: float) -> None:
        """The platform said 429: nothing more before `until`, and no burst right after it."""
        if until > self.paused_until:
            self.paused_until = until
            self.tokens = min(self.tokens, 0.0)
            self.updated = max(self.updated, until)


@dataclass(slots=True)
class Reservation:
    wait: float
    limited: list[str]  # the scopes whose rate made this send wait (their rate is what holds the sends back)
    at: float = 0.0  # when the send goes out (monotonic): its slot, then the moment it really went (`sending`)


class RateLimiter:
    def __init__(self, limits: Limits | None, clock: Clock) -> None:
        self.limits = limits or Limits()
        self.clock = clock
        self.buckets: dict[str, TokenBucket] = {}

    def scopes(self, message: OutboundMessage) -> list[tuple[str, float, float, float]]:
        """(scope, starting rate, ceiling, burst) the message counts against; the first is the one a 429 pauses."""
        lim = self.limits
        if message.platform == "slack":
            # No burst: Slack counts over short windows, and a burst on top of the full rate earns 429s.
            return [(slack_scope(message.workspace), lim.slack_per_workspace, lim.slack_ceiling, 1.0)]
        if message.platform == "teams":
            return [(f"teams:conversation:{message.recipient}", lim.teams_per_conversation,
                     max(lim.teams_conversation_ceiling, lim.teams_per_conversation), lim.teams_conversation_burst),
                    (teams_tenant_scope(message.workspace), lim.teams_per_tenant,
                     max(lim.teams_tenant_ceiling, lim.teams_per_tenant), max(1.0, lim.teams_per_tenant / 10))]
        return []

    def _bucket(self, scope: str, start: float, ceiling: float, burst: float) -> TokenBucket:
        bucket = self.buckets.get(scope)
        if bucket is None:
            rate = AdaptiveRate(start, ceiling, adaptive=self.limits.adaptive)
            bucket = self.buckets[scope] = TokenBucket(rate, burst, self.clock.monotonic())
        return bucket

    def reserve(self, message: OutboundMessage) -> Reservation:
        now = self.clock.monotonic()
        wait, limited = 0.0, []
        for scope in self.scopes(message):
            w = self._bucket(*scope).reserve(now)
            if w > 0:
                limited.append(scope[0])
            wait = max(wait, w)
        return Reservation(wait, limited, now + wait)

    def window_wait(self, message: OutboundMessage) -> float:
        """Right before the send: how long to hold it so no scope sends more than its rate within one second."""
        now = self.clock.monotonic()
        return max((self._bucket(*s).window_wait(now) for s in self.scopes(message)), default=0.0)

    def sending(self, message: OutboundMessage, reservation: Reservation) -> None:
        """The send goes out now (call with no await between `window_wait` returning 0 and the send). A busy event
        loop may have let its slot pass: the platform's window counts when it really went."""
        now = self.clock.monotonic()
        reservation.at = now
        for scope in self.scopes(message):
            self._bucket(*scope).sent.append(now)

    def paused_for(self, message: OutboundMessage) -> float:
        """Seconds until every scope of the message is out of a 429 pause (0 when none is paused)."""
        now = self.clock.monotonic()
        return max((self._bucket(*s).paused_until - now for s in self.scopes(message)), default=0.0)

    def succeeded(self, message: OutboundMessage, reservation: Reservation) -> None:
        now = self.clock.monotonic()
        for scope in self.scopes(message):
            self._bucket(*scope).adaptive.succeeded(now, sent_at=reservation.at,
                                                    backlogged=scope[0] in reservation.limited)

    def pause(self, message: OutboundMessage, retry_after: float, reservation: Reservation | None = None) -> None:
        """A 429: the first scope pauses for Retry-After. Slack limits the workspace; Teams' 429 names no scope,
        so the conversation pauses (the tenant's other conversations go on) and every scope whose rate held this
        send back slows down (the conversation when none did)."""
        now = self.clock.monotonic()
        scopes = self.scopes(message)
        if not scopes:
            return
        self._bucket(*scopes[0]).pause(now + max(retry_after, 0.0))
        limited = set(reservation.limited) if reservation else set()
        for scope in scopes:
            if scope[0] in limited or scope is scopes[0] and not limited:
                self._bucket(*scope).adaptive.rate_limited(now, retry_after,
                                                           sent_at=reservation.at if reservation else None)

    # -- learnt rates -----------------------------------------------------------------------------------------

    def rate(self, scope: str) -> float | None:
        bucket = self.buckets.get(scope)
        return bucket.rate if bucket else None

    def known(self, scope: str) -> bool:
        return scope in self.buckets

    def learn(self, message: OutboundMessage, rates: dict[str, float]) -> None:
        """Seed the message's scopes from stored rates (those not stored start from the configuration)."""
        for scope in self.scopes(message):
            bucket = self._bucket(*scope)
            if scope[0] in rates:
                bucket.adaptive.learnt(rates[scope[0]])

    def changed(self) -> dict[str, float]:
        """Scopes whose rate changed since the last call (to be saved), and their rates now. Teams conversations
        are kept only when a 429 slowed them: a DM's conversation rarely sees a second message."""
        out: dict[str, float] = {}
        for scope, bucket in self.buckets.items():
            adaptive = bucket.adaptive
            if not adaptive.changed:
                continue
            adaptive.changed = False
            if scope.startswith("teams:conversation:") and not adaptive.limited_events:
                continue
            out[scope] = adaptive.cruise
        return out


def slack_scope(workspace: str | None) -> str:
    return f"slack:{workspace or '-'}"


def teams_tenant_scope(tenant: str | None) -> str:
    return f"teams:tenant:{tenant or '-'}"
