"""The dispatcher finds a workspace's limit by itself: it rises while sends succeed, backs off on a 429 (honouring
Retry-After), never goes above the ceiling, and keeps what it learnt per workspace for the next fan-out.

The stand-in counts its one-second window on the test's clock, the clock the dispatcher sleeps on, so these
runs take no wall-clock time worth mentioning; one send at a time keeps that clock exact."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Iterator

import pytest

from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.delivery import OutboundMessage
from bot.core.replies import Reply, ReplyKind
from bot.slack.client import make_web_client
from bot.slack.sender import SlackSender
from scheduler.dispatcher import Dispatcher
from scheduler.ratelimit import DECREASE, HOLD, REMEMBER, AdaptiveRate, Limits, RateLimiter
from storage import outbox, send_rates
from tests.scheduler.limited_standin import LimitedSlackStandIn
from tests.scheduler.test_dispatcher import enqueue_dms, rows


@pytest.fixture
def limited(clock: ManualClock) -> Iterator[LimitedSlackStandIn]:
    with LimitedSlackStandIn(20, retry_after=2, now=clock.monotonic) as server:
        yield server


def dispatcher_for(db, standin, clock, **limits: float) -> Dispatcher:  # type: ignore[no-untyped-def]
    settings = Settings(slack_bot_token="xoxb-T1-test", slack_api_url=standin.api_url)
    sender = SlackSender(make_web_client(settings, retry_rate_limits=False))
    return Dispatcher(db, {"slack": sender}, clock=clock, concurrency=1, after_send=[],
                      limits=Limits(**{"slack_per_workspace": 10.0, "slack_ceiling": 200.0, **limits}))


def test_the_rate_climbs_to_the_workspace_limit_backs_off_on_429_and_keeps_under_it(db, limited, clock):
    enqueue_dms(db, 240)
    dispatcher = dispatcher_for(db, limited, clock)
    started = clock.monotonic()
    result = asyncio.run(dispatcher.drain(max_wait=0))
    elapsed = clock.monotonic() - started

    assert result.sent == 240 and {r.state for r in rows(db).values()} == {outbox.SENT}
    texts = [c.args.get("text", "") for c in limited.calls_to("chat.postMessage")]
    assert len(texts) == len(set(texts)) == 240  # none twice, none lost
    # Found the limit (20/s) from a start of 10/s and stayed at it (a rate of 20.x sends 20 in any second): the
    # 12 s floor, the one Retry-After pause (2 s) of the first overshoot, and a few per cent; no sawtooth.
    assert 17 <= dispatcher.limiter.rate("slack:T1") <= 21
    assert elapsed <= 1.07 * 240 / 20 + 2
    assert 1 <= limited.rejected["T1"] <= 3
    assert any(s >= 2 for s in clock.slept)  # the Retry-After (2 s) was waited out
    # ... and kept for the workspace.
    with db.session() as session:
        assert 17 <= send_rates.learnt(session, ["slack:T1"])["slack:T1"] <= 21


def test_the_next_fan_out_starts_from_the_learnt_rate_without_a_429(db, limited, clock):
    with db.session() as session:
        send_rates.save(session, {"slack:T1": 19.0}, now=clock.now())
    enqueue_dms(db, 95)
    dispatcher = dispatcher_for(db, limited, clock)
    started = clock.monotonic()
    asyncio.run(dispatcher.drain(max_wait=0))
    assert limited.rejected["T1"] == 0
    assert clock.monotonic() - started <= 5.5  # 95 at 19/s; from the configured 10/s it would take longer
    assert len(limited.calls_to("chat.postMessage")) == 95


def test_the_rate_never_goes_above_the_ceiling(db, clock):
    with LimitedSlackStandIn(None, now=clock.monotonic) as unlimited:
        enqueue_dms(db, 75)
        dispatcher = dispatcher_for(db, unlimited, clock, slack_ceiling=25.0)
        asyncio.run(dispatcher.drain(max_wait=0))
        assert dispatcher.limiter.rate("slack:T1") == 25.0
        assert unlimited.busiest_second("T1") <= 25
        assert clock.monotonic() - 1000.0 >= 75 / 25 - 1


def test_a_rate_that_is_not_what_holds_the_sends_back_does_not_rise(db, clock):
    """A trickle (one message now and then) says nothing about the limit: the rate stays where it started."""
    with LimitedSlackStandIn(None, now=clock.monotonic) as unlimited:
        dispatcher = dispatcher_for(db, unlimited, clock)
        for n in range(5):
            enqueue_dms(db, 1, prefix=f"trickle{n}")
            asyncio.run(dispatcher.drain(max_wait=0))
            clock.advance(5)
        assert dispatcher.limiter.rate("slack:T1") == 10.0


def note(recipient: str, tenant: str = "tenant-1") -> OutboundMessage:
    return OutboundMessage(key=recipient, platform="teams", recipient_kind="user", recipient=recipient,
                           workspace=tenant, reply=Reply(ReplyKind.NOTIFICATION, "x"))


def test_teams_a_429_slows_the_scope_that_held_the_sends_back_and_pauses_the_conversation(clock):
    limiter = RateLimiter(Limits(teams_per_tenant=30.0, teams_tenant_ceiling=50.0), clock)
    # Many conversations at once: the tenant's rate is what makes them wait.
    reservations = [limiter.reserve(note(f"conv-{n}")) for n in range(40)]
    assert "teams:tenant:tenant-1" in reservations[-1].limited
    limiter.pause(note("conv-39"), 3.0, reservations[-1])
    assert limiter.rate("teams:tenant:tenant-1") < 30.0
    assert limiter.paused_for(note("conv-39")) == pytest.approx(3.0)
    assert limiter.paused_for(note("conv-1")) <= 0.0  # the tenant's other conversations go on
    assert limiter.rate("teams:conversation:conv-39") == pytest.approx(1.8)  # it was not what held it back
    assert set(limiter.changed()) == {"teams:tenant:tenant-1"}  # a DM conversation's rate is not worth keeping


def fan_out(rate: AdaptiveRate, limit: int, start: float, seconds: float) -> float:
    """Backlogged sends spaced at the scope's rate to a platform that accepts `limit` in any sliding second and
    answers 429 (Retry-After 1 s) beyond it, one send at a time. Returns when they stop."""
    now, window = start, collections.deque()
    while now < start + seconds:
        now += 1 / rate.rate
        while window and window[0] <= now - 1:
            window.popleft()
        if len(window) >= limit:
            rate.rate_limited(now, 1.0, sent_at=now)
            now += 1.0
        else:
            window.append(now)
            rate.succeeded(now, sent_at=now, backlogged=True)
    return now


def test_one_429_counted_during_a_stall_does_not_lower_the_rate_for_the_rest_of_the_run():
    """A workspace whose limit (20/s) is known; then this process stalls and its sends arrive bunched, so the
    platform refuses one while only 8 of ours went out in the second before. That is not a new limit: the rate
    drops and climbs back within seconds, and what is kept for the next run is the known limit's rate."""
    rate = AdaptiveRate(10.0, 200.0)
    now = fan_out(rate, 20, 0.0, 10.0)
    assert rate.limit == pytest.approx(20, abs=1) and rate.limited_events == 1
    cruising = rate.rate
    assert cruising == pytest.approx(HOLD * rate.limit, rel=0.01)

    stalled = now + 3.0  # nothing went out for 2 s; 8 sends in the second before the refused one
    for n in range(8):
        rate.succeeded(stalled, sent_at=stalled - 0.5 + n * 0.05, backlogged=True)
    assert rate.rate_limited(stalled, 1.0, sent_at=stalled)
    assert rate.rate == pytest.approx(DECREASE * cruising, rel=0.02)
    assert rate.cruise == pytest.approx(cruising, rel=0.01)  # what a save now keeps
    fan_out(rate, 20, stalled + 2.0, 6.0)
    assert rate.rate == pytest.approx(cruising, rel=0.01)  # back at the known limit's rate within 6 s
    assert rate.limited_events == 2  # and no 429 on the way back


def test_a_second_429_on_the_way_back_proves_that_the_limit_fell():
    """Another app now sends in the workspace: only 8 of ours fit in a second. Two 429s find the new limit, and
    the rate stays under it."""
    rate = AdaptiveRate(10.0, 200.0)
    now = fan_out(rate, 20, 0.0, 10.0)
    assert rate.limited_events == 1
    fan_out(rate, 8, now + 2.0, 20.0)
    assert rate.limited_events == 3
    assert rate.limit == pytest.approx(8, abs=0.5)
    assert rate.rate < 8


def test_a_429_at_the_known_limit_costs_the_pause_alone_and_a_second_soon_after_lowers_the_limit_a_little():
    rate = AdaptiveRate(10.0, 200.0)
    now = fan_out(rate, 50, 0.0, 10.0)
    limit = rate.limit
    assert limit == pytest.approx(50, abs=1)

    def jitter(at: float) -> None:  # the platform's window was full with 48 of ours counted: bunched arrivals
        rate.successes.clear()
        for n in range(48):
            rate.succeeded(at, sent_at=at - 0.99 + n * 0.02, backlogged=True)
        assert rate.rate_limited(at, 1.0, sent_at=at)

    jitter(now + 5.0)  # soon after the first 429, which found the limit: still alone, as jitter goes
    assert rate.limit == limit and rate.cruise == pytest.approx(HOLD * limit)
    now = fan_out(rate, 50, now + 7.0, 30.0)
    jitter(now + 1.0)  # 30 s later: alone again
    assert rate.limit == limit
    now = fan_out(rate, 50, now + 3.0, 5.0)
    assert rate.rate == pytest.approx(HOLD * limit, rel=0.01)  # back at once after the pause
    jitter(now + 1.0)  # within 20 s of the last one at the limit
    assert rate.limit == pytest.approx(REMEMBER * limit)
