"""Token buckets per platform scope: Slack per workspace, Teams per conversation and per tenant.

A bucket hands out *reservations*: each sender learns how long to wait for its slot, so many coroutines
can share one rate without a lock. A 429 pauses the scope until its Retry-After has passed; the sends
already waiting then wait for the pause instead of being tried (and failing) again.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.clock import Clock
from bot.core.delivery import OutboundMessage


@dataclass(slots=True)
class Limits:
    slack_per_workspace: float = 10.0
    teams_per_conversation: float = 1.8
    teams_per_tenant: float = 30.0
    teams_conversation_burst: float = 7.0  # Teams allows 7 in one second per thread, 60 in 30 s


class TokenBucket:
    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate = max(rate, 0.001)
        self.burst = max(burst, 1.0)
        self.tokens = self.burst
        self.updated = now
        self.paused_until = 0.0

    def reserve(self, now: float) -> float:
        """Take one token; the seconds to wait before it may be used."""
        start = max(now, self.paused_until)
        if start > self.updated:
            self.tokens = min(self.burst, self.tokens + (start - self.updated) * self.rate)
            self.updated = start
        self.tokens -= 1.0
        wait = (start - now) + (-self.tokens / self.rate if self.tokens < 0 else 0.0)
        return wait

    def pause(self, until: float) -> None:
        """The platform said 429: nothing more before `until`, and no burst right after it."""
        if until > self.paused_until:
            self.paused_until = until
            self.tokens = min(self.tokens, 0.0)
            self.updated = max(self.updated, until)


class RateLimiter:
    def __init__(self, limits: Limits | None, clock: Clock) -> None:
        self.limits = limits or Limits()
        self.clock = clock
        self.buckets: dict[str, TokenBucket] = {}

    def scopes(self, message: OutboundMessage) -> list[tuple[str, float, float]]:
        """(scope, rate, burst) the message counts against."""
        lim = self.limits
        if message.platform == "slack":
            rate = lim.slack_per_workspace
            # No burst: Slack counts over short windows, and a burst on top of the full rate earns 429s.
            return [(f"slack:{message.workspace or '-'}", rate, 1.0)]
        if message.platform == "teams":
            return [(f"teams:conversation:{message.recipient}", lim.teams_per_conversation,
                     lim.teams_conversation_burst),
                    (f"teams:tenant:{message.workspace or '-'}", lim.teams_per_tenant,
                     max(1.0, lim.teams_per_tenant / 10))]
        return []

    def _bucket(self, scope: str, rate: float, burst: float) -> TokenBucket:
        bucket = self.buckets.get(scope)
        if bucket is None:
            bucket = self.buckets[scope] = TokenBucket(rate, burst, self.clock.monotonic())
        return bucket

    def reserve(self, message: OutboundMessage) -> float:
        now = self.clock.monotonic()
        return max((self._bucket(*s).reserve(now) for s in self.scopes(message)), default=0.0)

    def paused_for(self, message: OutboundMessage) -> float:
        """Seconds until every scope of the message is out of a 429 pause (0 when none is paused)."""
        now = self.clock.monotonic()
        return max((self._bucket(*s).paused_until - now for s in self.scopes(message)), default=0.0)

    def pause(self, message: OutboundMessage, retry_after: float) -> None:
        until = self.clock.monotonic() + max(retry_after, 0.0)
        scopes = self.scopes(message)
        # Slack limits the workspace; Teams' 429 names no scope, so the conversation pauses (and the tenant
        # bucket stays: other conversations go on).
        for scope in scopes[:1]:
            self._bucket(*scope).pause(until)
