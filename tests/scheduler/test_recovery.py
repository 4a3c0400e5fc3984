"""Prompt recovery: `idesluss nudge send NAME --dm` killed with SIGKILL in the middle of its fan-out, then run
again. Everything that was not on the wire at the kill arrives within 10 s of the restart, and nothing arrives
twice except what was on the wire. A real subprocess against the Slack stand-in on loopback, on the test's
database (a temporary SQLite file, or PostgreSQL when configured)."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from sqlmodel import col, select

from storage import outbox
from storage.models import OutboxMessage
from tests.scheduler.conftest import ORG, cli, group
from tests.scheduler.limited_standin import LimitedSlackStandIn
from tests.slack.standin import wait_until

MEMBERS = 400


@pytest.fixture
def slack() -> Iterator[LimitedSlackStandIn]:
    with LimitedSlackStandIn(None) as server:
        yield server


def nudge_rows(db) -> dict[str, OutboxMessage]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        query = select(OutboxMessage).where(col(OutboxMessage.key).like("nudge:%:dm:%"))
        return {r.recipient: r for r in session.exec(query).all()}


def test_a_fan_out_killed_midway_is_finished_within_seconds_of_the_restart(db, database_url, slack):
    members = [f"slack:U{n:05d}" for n in range(MEMBERS)]
    group(db, "Hemtjänst", members)
    # A ceiling of 150/s makes the fan-out last long enough (about 3 s) to be killed in its middle.
    env = {"IDESLUSS_DATABASE_URL": database_url, "IDESLUSS_ORGANISATION": ORG, "SLACK_BOT_TOKEN": "xoxb-test",
           "SLACK_API_URL": slack.api_url, "IDESLUSS_SLACK_RATE_CEILING": "150", "PYTHONIOENCODING": "utf-8"}
    first = subprocess.Popen([sys.executable, "-m", "bot.cli", "nudge", "send", "Hemtjänst", "--dm"],
                             env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_until(lambda: len(slack.calls_to("chat.postMessage")) >= 120, 60, "120 DMs at the stand-in")
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=10)
    time.sleep(0.3)  # the stand-in answers what was already on the wire

    at_kill = nudge_rows(db)
    assert len(at_kill) == MEMBERS
    received_before = {c.args["channel"] for c in slack.calls_to("chat.postMessage")}
    # On the wire at the kill: handed to Slack (attempted) but never marked sent.
    in_flight = {u for u, r in at_kill.items() if r.state == outbox.SENDING and r.attempted_at is not None}
    assert any(r.state != outbox.SENT for r in at_kill.values()), "the fan-out finished before the kill"
    assert {r.state for r in at_kill.values()} - {outbox.SENT, outbox.SENDING, outbox.PENDING} == set()

    restart = time.monotonic()
    again = cli(["nudge", "send", "Hemtjänst", "--dm"], database_url, SLACK_BOT_TOKEN="xoxb-test",
                SLACK_API_URL=slack.api_url)
    assert again.returncode == 0, again.stderr
    assert f"0 new messages, 0 members paused or opted out; sent {MEMBERS} of {MEMBERS}" in again.stdout

    calls = slack.calls_to("chat.postMessage")
    per_member = collections.Counter(c.args["channel"] for c in calls)
    missing = [m for m in members if per_member[m.split(":", 1)[1]] == 0]
    assert not missing, f"{len(missing)} members never got their DM"
    twice = {u for u, n in per_member.items() if n > 1}
    assert twice <= in_flight and len(twice) <= len(in_flight)
    # Everything not on the wire at the kill arrived within 10 s of the restart (start-up included).
    late = [c.at for c in calls if c.args["channel"] not in received_before]
    assert late and max(late) - restart <= 10.0, f"the last DM came {max(late) - restart:.1f} s after the restart"
    assert {r.state for r in nudge_rows(db).values()} == {outbox.SENT}
