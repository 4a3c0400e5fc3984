"""Several dispatcher processes on one PostgreSQL database (`idesluss scheduler` on several machines, or
`--dispatchers N`) share the workspaces: no row goes out twice, and no workspace gets more than its rate
between them. Two real `idesluss scheduler --dispatch-only` processes against the Slack stand-in on loopback."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys

import pytest
from sqlmodel import col, select

from bot.core.clock import SystemClock
from bot.core.replies import Reply, ReplyKind
from scheduler.dispatcher import WORKER_PREFIX
from storage import lease, outbox
from storage.models import OutboxMessage
from tests.conftest import PG_URL
from tests.scheduler.limited_standin import LimitedSlackStandIn
from tests.slack.standin import wait_until

pytestmark = pytest.mark.skipif(not PG_URL, reason="several dispatcher processes share a PostgreSQL database")
WORKSPACES, EACH, RATE = 8, 50, 20


def test_two_dispatchers_share_the_workspaces_never_a_row_twice_nor_a_limit_crossed(db, database_url):
    with LimitedSlackStandIn(None, by_channel=True) as slack:
        env = {**os.environ, "IDESLUSS_DATABASE_URL": database_url, "SLACK_BOT_TOKEN": "xoxb-test",
               "SLACK_API_URL": slack.api_url, "IDESLUSS_SLACK_RATE": str(RATE),
               "IDESLUSS_SLACK_RATE_CEILING": str(RATE)}
        env.pop("TEAMS_APP_ID", None)
        workers = [subprocess.Popen([sys.executable, "-m", "bot.cli", "scheduler", "--dispatch-only"], env=env)
                   for _ in range(2)]
        try:
            def beating() -> bool:
                with db.session() as session:
                    return len(lease.live_holders(session, WORKER_PREFIX, now=SystemClock().now())) == 2

            wait_until(beating, 30, "two dispatchers' heartbeats")
            with db.session() as session:
                outbox.enqueue_many(session, [
                    outbox.NewMessage(key=f"m-W{w}-{n:03d}", platform="slack", recipient=f"W{w}-{n:03d}",
                                      workspace=f"W{w}", payload=Reply(ReplyKind.NOTIFICATION, f"m-W{w}-{n:03d}")
                                      .to_dict())
                    for n in range(EACH) for w in range(WORKSPACES)], now=SystemClock().now())

            def all_sent() -> bool:
                with db.session() as session:
                    return outbox.counts_by_state(session) == {outbox.SENT: WORKSPACES * EACH}

            wait_until(all_sent, 40, "every message sent")
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            for worker in workers:
                worker.wait(30)

        texts = collections.Counter(c.args["channel"] for c in slack.calls_to("chat.postMessage"))
        assert len(texts) == WORKSPACES * EACH and set(texts.values()) == {1}  # each once, none lost
        # One second's window may hold both ends of a 20/s spacing: 21. Two dispatchers at once would make ~40.
        assert max(slack.busiest_second(f"W{w}") for w in range(WORKSPACES)) <= RATE + 1
        with db.session() as session:
            senders = set(session.exec(select(OutboxMessage.claimed_by).where(col(OutboxMessage.key).like("m-%"))))
        assert len(senders) == 2, "both dispatchers took a share of the workspaces"
