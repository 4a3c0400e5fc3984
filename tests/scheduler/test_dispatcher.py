"""The outbox dispatcher against the Slack Web API stand-in: rate limits, retries, dead letters, crashes."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

from sqlmodel import select

from bot.core.replies import Reply, ReplyKind
from bot.slack.client import make_web_client
from scheduler.dispatcher import Dispatcher
from scheduler.ratelimit import Limits
from storage import outbox
from storage.models import OutboxMessage
from tests.conftest import START
from tests.slack.standin import wait_until


def enqueue_dms(db, count: int, prefix: str = "msg") -> list[str]:  # type: ignore[no-untyped-def]
    keys = [f"{prefix}-{n:04d}" for n in range(count)]
    with db.session() as session:
        for key in keys:
            reply = Reply(ReplyKind.NOTIFICATION, key, title="Test")
            outbox.enqueue(session, outbox.NewMessage(key=key, platform="slack", recipient=f"U{key.upper()}",
                                                      workspace="T1", payload=reply.to_dict()), now=START)
    return keys


def rows(db) -> dict[str, OutboxMessage]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        return {r.key: r for r in session.exec(select(OutboxMessage)).all()}


def slack_dispatcher(db, settings, clock, **kw):  # type: ignore[no-untyped-def]
    from bot.slack.sender import SlackSender

    return Dispatcher(db, {"slack": SlackSender(make_web_client(settings, retry_rate_limits=False))}, clock=clock, **kw)


def test_a_429_pauses_the_workspace_for_retry_after_and_burns_no_attempt(db, sched_settings, standin, clock):
    enqueue_dms(db, 5)
    standin.fail("chat.postMessage", status=429, retry_after=7)
    dispatcher = slack_dispatcher(db, sched_settings, clock, limits=Limits(slack_per_workspace=1000))
    result = asyncio.run(dispatcher.drain(max_wait=0))
    assert result.sent == 5
    assert sum(clock.slept) >= 7  # waited out the Retry-After (on the test's clock, not the wall's)
    assert len(standin.calls_to("chat.postMessage")) == 6  # the refused one was tried once more, no others
    assert {r.attempts for r in rows(db).values()} == {1}  # a 429 is not a failed attempt
    assert all(r.state == outbox.SENT and r.message_id for r in rows(db).values())


def test_sends_never_exceed_the_ceiling_however_well_they_go(db, sched_settings, standin, clock):
    enqueue_dms(db, 30)
    dispatcher = slack_dispatcher(db, sched_settings, clock, limits=Limits(slack_per_workspace=10, slack_ceiling=10))
    asyncio.run(dispatcher.drain(max_wait=0))
    # 30 messages at 10 per second with a burst of 1: at least 2.9 s of waiting on the clock.
    assert sum(clock.slept) >= 2.8
    assert len(standin.calls_to("chat.postMessage")) == 30


def test_a_failing_message_is_retried_with_backoff_and_dead_lettered_after_n_attempts(db, sched_settings, standin,
                                                                                      clock):
    enqueue_dms(db, 1)
    standin.fail("chat.postMessage", status=500, error="internal_error", times=10)
    dispatcher = slack_dispatcher(db, sched_settings, clock, max_attempts=3)
    states = []
    for _ in range(3):
        asyncio.run(dispatcher.run_once())
        row = rows(db)["msg-0000"]
        states.append(row.state)
        assert asyncio.run(dispatcher.run_once()).by_state == {}  # not due again before its backoff
        clock.advance(7200)
    assert states == [outbox.FAILED, outbox.FAILED, outbox.DEAD]
    assert rows(db)["msg-0000"].attempts == 3 and "internal_error" in rows(db)["msg-0000"].last_error
    assert asyncio.run(dispatcher.run_once()).by_state == {}  # the dead stay dead


def test_a_blocked_recipient_is_dead_lettered_at_once(db, sched_settings, standin, clock):
    enqueue_dms(db, 1)
    standin.fail("chat.postMessage", error="channel_not_found")
    asyncio.run(slack_dispatcher(db, sched_settings, clock).run_once())
    assert rows(db)["msg-0000"].state == outbox.DEAD


CHILD = """
import asyncio, sys
from bot.config import Settings
from scheduler.dispatcher import Dispatcher
from scheduler.ratelimit import Limits
from storage.db import Database
from bot.slack.sender import SlackSender
from bot.slack.client import make_web_client
from bot.core.clock import SystemClock
from datetime import datetime, timedelta


class StartedClock(SystemClock):
    # Real seconds (the kill must land mid-batch), counted from the parent test's clock.

    def __init__(self, start):
        self.start, self.t0 = start, self.monotonic()

    def now(self):
        return self.start + timedelta(seconds=self.monotonic() - self.t0)


settings = Settings(database_url=sys.argv[1], slack_bot_token="xoxb-test", slack_api_url=sys.argv[2])
db = Database(sys.argv[1])
d = Dispatcher(db, {"slack": SlackSender(make_web_client(settings, retry_rate_limits=False))}, batch=50, concurrency=5,
               limits=Limits(slack_per_workspace=40), clock=StartedClock(datetime.fromisoformat(sys.argv[3])))
asyncio.run(d.drain(max_wait=0))
"""


def test_a_dispatcher_killed_mid_batch_loses_nothing_and_repeats_at_most_what_was_in_flight(
        db, database_url, sched_settings, standin, clock):
    keys = enqueue_dms(db, 120)
    child = subprocess.Popen([sys.executable, "-c", CHILD, database_url, standin.api_url, clock.now().isoformat()],
                             env={**os.environ, "PYTHONPATH": os.getcwd()})
    try:
        wait_until(lambda: len(standin.calls_to("chat.postMessage")) >= 40, 30, "40 posts")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    time.sleep(0.2)  # let the stand-in finish answering requests already on the wire
    before = rows(db)
    in_flight = [k for k, r in before.items() if r.state == outbox.SENDING]
    assert any(r.state == outbox.PENDING for r in before.values()), "the child finished before it was killed"
    # Restarted later: stale `sending` rows are claimed again, pending ones go out.
    clock.advance(6 * 60)
    restarted = slack_dispatcher(db, sched_settings, clock, limits=Limits(slack_per_workspace=1000))
    asyncio.run(restarted.drain(max_wait=0))
    texts = [c.args.get("text", "") for c in standin.calls_to("chat.postMessage")]
    received = {k: sum(1 for t in texts if k in t) for k in keys}
    assert all(n >= 1 for n in received.values()), "a message was lost"
    duplicated = [k for k, n in received.items() if n > 1]
    # Only rows in flight at the kill can repeat: still `sending` and already attempted (on the wire, or accepted
    # by the platform while their `sent` marks were being written; docs/operations.md, "Recovery after a crash").
    # How many that is depends on the rate and on how long a commit takes on a loaded machine (7 seen on
    # PostgreSQL, 11 on SQLite), so the check is which rows, not a count. A row claimed but never attempted
    # must never arrive twice.
    attempted = {k for k in in_flight if before[k].attempted_at is not None}
    assert set(duplicated) <= attempted, (sorted(duplicated), sorted(attempted))
    assert {r.state for r in rows(db).values()} == {outbox.SENT}


def test_a_failing_after_send_hook_never_undoes_sent_and_the_message_goes_out_once(db, clock):
    import io

    from bot.shell import ShellSender
    from storage import outbox as store

    with db.session() as session:
        store.enqueue(session, store.NewMessage(key="stage:1:1", platform="shell", recipient="anna",
                                                payload={"kind": "notification", "text": "Din idé har ny status"}),
                      now=clock.now())

    def broken_hook(session, sent, now):  # type: ignore[no-untyped-def]
        raise RuntimeError("bookkeeping failed")

    out = io.StringIO()
    dispatcher = Dispatcher(db, {"shell": ShellSender(out)}, clock=clock, after_send=[broken_hook])
    assert asyncio.run(dispatcher.run_once()).sent == 1
    assert asyncio.run(dispatcher.run_once()).sent == 0
    with db.session() as session:
        assert store.counts_by_state(session) == {"sent": 1}
    assert out.getvalue().count("Din idé har ny status") == 1
