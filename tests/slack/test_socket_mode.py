"""Socket Mode: the same Bolt app over a websocket, for a municipality without a public URL."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from urllib.parse import parse_qsl

import httpx
import pytest

from bot.config import Settings
from bot.web.app import create_app
from tests.conftest import serving
from tests.slack.conftest import BOT_TOKEN, DATA, AppServer, fixture_json, ideas
from tests.slack.socket_standin import SocketModeStandIn
from tests.slack.standin import BOT_USER, SlackStandIn, wait_until

APP_TOKEN = "xapp-1-A0STANDIN-1-0123456789abcdef"


@pytest.fixture
def socket_server(standin: SlackStandIn) -> Iterator[SocketModeStandIn]:
    with SocketModeStandIn() as server:
        standin.socket_url = server.url
        yield server


def test_slash_command_and_mention_over_socket_mode_keep_one_idea_each(standin, socket_server, database_url, db, clock,
                                                                      slack_core):
    settings = Settings(database_url=database_url, organisation="testkommun", slack_bot_token=BOT_TOKEN,
                        slack_app_token=APP_TOKEN, slack_api_url=standin.api_url)
    with AppServer(create_app(serving(settings, clock, db, socket_mode=True))) as served:
        wait_until(lambda: socket_server.sockets, what="the websocket connection")
        command = dict(parse_qsl((DATA / "slash_command.txt").read_text().strip()))
        command.update(command="/ide\u0301", text="Idé via Socket Mode", user_id="U0SOCKET1",
                       response_url=standin.response_url("socket"), trigger_id="1.2.socket")
        socket_server.push("slash_commands", command, "env-cmd-1")
        event = fixture_json("event_app_mention_full.json")
        event["event"]["text"] = f"<@{BOT_USER}> idé: Mention via Socket Mode"
        socket_server.push("events_api", event, "env-evt-1")
        socket_server.push("events_api", event, "env-evt-2")  # Slack redelivers: still one idea

        wait_until(lambda: {"env-cmd-1", "env-evt-1", "env-evt-2"} <= {a.get("envelope_id")
                                                                      for a in socket_server.acks}, what="acks")
        standin.wait_for("response_url")
        standin.wait_for("chat.postMessage")
        health = httpx.get(f"{served.url}/healthz").json()
        http_route = httpx.post(f"{served.url}/slack/events", content=b"{}")

    assert sorted(i.text for i in ideas(db)) == ["Idé via Socket Mode", "Mention via Socket Mode"]
    assert health["slack"] == "socket"
    assert http_route.status_code == 404  # no signing secret: nothing listens over HTTP


def test_bodies_of_the_wrong_shape_over_socket_mode_are_acknowledged_and_go_no_further(
        standin, socket_server, database_url, db, clock, caplog):
    caplog.set_level(logging.WARNING, logger="idesluss.slack")
    settings = Settings(database_url=database_url, organisation="testkommun", slack_bot_token=BOT_TOKEN,
                        slack_app_token=APP_TOKEN, slack_api_url=standin.api_url)
    with AppServer(create_app(serving(settings, clock, db, socket_mode=True))):
        wait_until(lambda: socket_server.sockets, what="the websocket connection")
        command = dict(parse_qsl((DATA / "slash_command.txt").read_text().strip()))
        command.update(command="/idé", text="Idé utan avsändare", response_url=standin.response_url("socket"))
        del command["user_id"]
        socket_server.push("slash_commands", command, "env-bad-cmd")
        event = fixture_json("event_app_mention_full.json")
        event["event"] = "app_mention"
        socket_server.push("events_api", event, "env-bad-evt")

        wait_until(lambda: {"env-bad-cmd", "env-bad-evt"} <= {a.get("envelope_id") for a in socket_server.acks},
                   what="acks")

    dropped = [r.getMessage() for r in caplog.records if "wrong shape" in r.getMessage()]
    assert len(dropped) == 2 and "user_id" in dropped[0]
    assert not [r for r in caplog.records if r.name == "idesluss.slack" and "failed" in r.getMessage()]
    assert ideas(db) == [] and standin.calls_to("response_url") == []
