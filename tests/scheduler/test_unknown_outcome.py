"""A send whose outcome is unknown — Slack took the message and then said nothing until the client gave up — is
retried once and not more, and counted in /metrics: at most one duplicate per such message."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from bot.config import Settings
from bot.slack.client import make_web_client
from bot.slack.sender import SlackSender
from bot.web.app import create_app
from scheduler.dispatcher import Dispatcher
from storage import outbox
from tests.conftest import serving
from tests.scheduler.limited_standin import LimitedSlackStandIn
from tests.scheduler.test_dispatcher import enqueue_dms, rows
from tests.slack.conftest import AppServer

STALL = 2.5  # longer than the client's timeout below


@pytest.fixture
def stalling() -> Iterator[LimitedSlackStandIn]:
    with LimitedSlackStandIn(None) as server:
        yield server


def dispatcher_for(db, standin, clock) -> Dispatcher:  # type: ignore[no-untyped-def]
    settings = Settings(slack_bot_token="xoxb-T1-test", slack_api_url=standin.api_url)
    return Dispatcher(db, {"slack": SlackSender(make_web_client(settings, retry_rate_limits=False, timeout=1))},
                      clock=clock)


def posts(standin: LimitedSlackStandIn) -> int:
    return len(standin.calls_to("chat.postMessage"))


def test_a_send_that_timed_out_after_it_left_is_retried_once_and_counted(db, database_url, stalling, clock):
    enqueue_dms(db, 1)
    stalling.stall_next(1, STALL)
    dispatcher = dispatcher_for(db, stalling, clock)

    first = asyncio.run(dispatcher.run_once())
    assert first.by_state == {outbox.FAILED: 1}
    assert posts(stalling) == 1  # it arrived; the client could not know
    row = rows(db)["msg-0000"]
    assert row.unknown_outcomes == 1 and row.last_error.startswith("outcome unknown")

    clock.advance(3600)
    assert asyncio.run(dispatcher.run_once()).sent == 1
    assert posts(stalling) == 2  # the one retry: the duplicate an unknown outcome can cost
    assert rows(db)["msg-0000"].state == outbox.SENT

    with AppServer(create_app(serving(Settings(database_url=database_url), clock, db))) as server:
        text = httpx.get(f"{server.url}/metrics").text
    assert 'idesluss_outbox_unknown_outcome_total{platform="slack"} 1.0' in text


def test_a_second_unknown_outcome_is_not_retried_again(db, stalling, clock):
    enqueue_dms(db, 1)
    stalling.stall_next(2, STALL)
    dispatcher = dispatcher_for(db, stalling, clock)
    asyncio.run(dispatcher.run_once())
    clock.advance(3600)
    assert asyncio.run(dispatcher.run_once()).by_state == {outbox.DEAD: 1}
    clock.advance(3600)
    assert asyncio.run(dispatcher.run_once()).by_state == {}
    assert posts(stalling) == 2
    row = rows(db)["msg-0000"]
    assert row.state == outbox.DEAD and row.unknown_outcomes == 2 and "may have arrived" in row.last_error


def test_a_connection_never_made_is_an_ordinary_failure_not_an_unknown_outcome(db, clock):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once the socket is closed
    settings = Settings(slack_bot_token="xoxb-T1-test", slack_api_url=f"http://127.0.0.1:{port}/api/")
    enqueue_dms(db, 1)
    dispatcher = Dispatcher(db, {"slack": SlackSender(make_web_client(settings, retry_rate_limits=False))},
                            clock=clock)
    assert asyncio.run(dispatcher.run_once()).by_state == {outbox.FAILED: 1}
    assert rows(db)["msg-0000"].unknown_outcomes == 0
