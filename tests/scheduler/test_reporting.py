"""`idesluss digest send` and `idesluss nudge send` say the truth about every message: sent, being sent by another
dispatcher, waiting for a stopped sender, due later. Never "already sent" for one that has not gone out; exit 0
whenever everything was enqueued."""

from __future__ import annotations

from datetime import timedelta

from bot.core.clock import SystemClock
from scheduler.digests import build_digests
from scheduler.dispatcher import WORKER_PREFIX
from storage import lease, outbox
from tests.scheduler.conftest import cli
from tests.scheduler.test_digests import make_manager

STOPPED = "stopped-host:4242"
WEEK = "2026-W10"  # the tests' week (START)


def digests_claimed_by_a_stopped_sender(db, sched_settings, clock, *, heartbeat_left: float | None) -> None:  # type: ignore[no-untyped-def]
    """Two digests enqueued and claimed by a dispatcher that was then killed, its heartbeat still running for
    `heartbeat_left` seconds (None: it has none any more)."""
    make_manager(db, "slack:UORG")
    make_manager(db, "slack:UORG2")
    assert build_digests(db, sched_settings, now=clock.now()).enqueued == 2
    real_now = SystemClock().now()  # the command runs on the system clock
    with db.session() as session:
        assert len(outbox.claim_due(session, STOPPED, now=real_now, limit=10)) == 2
        if heartbeat_left is not None:
            lease.try_acquire(session, WORKER_PREFIX + STOPPED, STOPPED, now=real_now,
                              duration=timedelta(seconds=heartbeat_left))


def test_after_a_crash_digest_send_reports_the_digests_still_waiting_not_already_sent(db, database_url, standin,
                                                                                       sched_settings, clock):
    digests_claimed_by_a_stopped_sender(db, sched_settings, clock, heartbeat_left=60)
    rerun = cli(["digest", "send", "--week", WEEK], database_url, SLACK_BOT_TOKEN="xoxb-test",
                SLACK_API_URL=standin.api_url)
    assert rerun.returncode == 0, rerun.stderr
    out = rerun.stdout
    assert "already sent" not in out
    assert "2 managers, 0 new, 2 enqueued before; sent 0 of 2" in out
    assert f"2 being sent by dispatcher {STOPPED} (waiting for a stopped sender, due within" in out
    assert standin.calls_to("chat.postMessage") == []  # another dispatcher's claim is not this command's to send


def test_digests_of_a_sender_whose_heartbeat_ran_out_are_taken_over_and_reported_sent(db, database_url, standin,
                                                                                       sched_settings, clock):
    digests_claimed_by_a_stopped_sender(db, sched_settings, clock, heartbeat_left=None)
    rerun = cli(["digest", "send", "--week", WEEK], database_url, SLACK_BOT_TOKEN="xoxb-test",
                SLACK_API_URL=standin.api_url)
    assert rerun.returncode == 0, rerun.stderr
    assert "0 new, 2 enqueued before; sent 2 of 2; dead 0." in rerun.stdout
    assert sorted(c.args["channel"] for c in standin.calls_to("chat.postMessage")) == ["UORG", "UORG2"]


def test_without_a_sender_the_messages_are_reported_waiting_and_the_command_still_succeeds(db, database_url,
                                                                                            sched_settings, clock):
    make_manager(db, "slack:UORG")
    run = cli(["digest", "send", "--week", WEEK], database_url)  # no SLACK_BOT_TOKEN: nothing can send to Slack
    assert run.returncode == 0, run.stderr
    assert "1 new, 0 enqueued before; sent 0 of 1; 1 due now, waiting for a dispatcher; dead 0." in run.stdout
    assert "No sender configured for slack" in run.stderr
