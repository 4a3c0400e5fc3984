"""`idesluss serve --teams-local`: Teams without Azure, as Microsoft's Agents Playground drives it.

These tests play the Playground with a stand-in on loopback (its `_connector` over plain http, activities with
no token), so the path is covered where node is missing; tests/teams/test_playground.py drives the real one.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlmodel import select

from bot.config import Settings
from bot.web.app import create_app
from storage.db import Database
from storage.models import Idea
from tests.conftest import serving

from .standins import ServerThread, StandIn

PLAYGROUND_TENANT = "00000000-0000-0000-0000-0000000000001"  # 37 characters: not a GUID, as the Playground sends it
_ids = itertools.count(1)


def playground_activity(service_url: str, **fields: Any) -> dict[str, Any]:
    """An activity shaped as the Playground (0.2.28) sends it: no aadObjectId, its own tenant and user."""
    return {"type": "message", "id": f"pg-{next(_ids)}", "channelId": "msteams", "serviceUrl": service_url,
            "from": {"id": "user-id-0", "name": "Alex Wilber", "role": "user"},
            "recipient": {"id": "00000000-0000-0000-0000-00000000000011", "name": "Test Bot", "role": "bot"},
            "conversation": {"id": "personal-chat-id", "conversationType": "personal",
                             "tenantId": PLAYGROUND_TENANT},
            "channelData": {"tenant": {"id": PLAYGROUND_TENANT}}, "locale": "en-US", "textFormat": "plain",
            **fields}


@pytest.fixture
def playground() -> Iterator[StandIn]:
    """The Playground's connector: plain http on 127.0.0.1, no token checked."""
    stand_in = StandIn(keys=[])
    server = ServerThread(stand_in.app()).start()
    stand_in.url = server.url.replace("127.0.0.1", "localhost")  # the Playground says localhost
    yield stand_in
    server.stop()


@pytest.fixture
def local_app(settings: Settings, clock, db: Database):  # type: ignore[no-untyped-def]
    assert settings.teams_app_id is None  # no Azure registration at all
    return create_app(serving(settings, clock, db, teams_local=True))


@pytest.fixture
def local_bot(local_app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    server = ServerThread(local_app).start()
    yield server.url
    server.stop()


def post(url: str, activity: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{url}/api/messages", content=json.dumps(activity), timeout=10,
                      headers={"Content-Type": "application/json", "x-ms-agents-playground": "true"})


def test_a_message_from_the_playground_gets_the_numbered_card_and_its_button_works(local_bot, playground, db):
    assert httpx.head(f"{local_bot}/api/messages").status_code == 200  # the Playground checks first
    message = playground_activity(f"{playground.url}/_connector", text="idé Bättre cykelparkering")

    assert post(local_bot, message).status_code == 200

    [reply] = playground.wait_for(1)
    assert reply.path == f"/_connector/v3/conversations/personal-chat-id/activities/{message['id']}"
    assert reply.authorization is None  # no Azure registration, no token
    card = reply.body["attachments"][0]["content"]
    assert "Idea #1" in json.dumps(card, ensure_ascii=False)  # the Playground's locale is en-US
    show = next(a for a in card["actions"] if a["type"] == "Action.Execute" and a["verb"] == "idea.show")
    press = playground_activity(f"{playground.url}/_connector", type="invoke", name="adaptiveCard/action",
                                replyToId=reply.answered_id,
                                value={"action": {"type": "Action.Execute", "verb": show["verb"],
                                                  "data": show["data"]}})
    answered = post(local_bot, press)
    assert answered.status_code == 200
    body = answered.json()
    assert body["statusCode"] == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
    assert "Bättre cykelparkering" in json.dumps(body["value"], ensure_ascii=False)
    with db.session() as session:
        assert [(i.number, i.source) for i in session.exec(select(Idea)).all()] == [(1, "teams")]


def test_an_activity_naming_a_connector_off_this_machine_is_refused_and_nothing_is_stored(local_bot, db):
    message = playground_activity("https://smba.trafficmanager.net/emea/", text="idé Skicka svaret bort")

    assert post(local_bot, message).status_code == 401
    with db.session() as session:
        assert session.exec(select(Idea)).all() == []


def test_an_activity_from_another_machine_is_refused_even_with_a_loopback_service_url(local_app, db):
    # What the app sees if the port were reachable from the network anyway (say, through a proxy): the peer counts.
    message = playground_activity("http://localhost:56150/_connector", text="idé Från ett annat nät")

    async def from_elsewhere() -> httpx.Response:
        transport = httpx.ASGITransport(app=local_app, client=("192.0.2.7", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
            return await client.post("/api/messages", content=json.dumps(message),
                                     headers={"Content-Type": "application/json"})

    assert asyncio.run(from_elsewhere()).status_code == 401
    with db.session() as session:
        assert session.exec(select(Idea)).all() == []


def test_without_the_flag_there_is_no_unauthenticated_teams_endpoint(settings, clock, db):
    app = create_app(serving(settings, clock, db))
    assert "/api/messages" not in [getattr(route, "path", None) for route in app.routes]


def test_serve_teams_local_refuses_to_listen_beyond_loopback(database_url):
    env = {**os.environ, "IDESLUSS_DATABASE_URL": database_url, "PYTHONIOENCODING": "utf-8"}
    result = subprocess.run([sys.executable, "-m", "bot.cli", "serve", "--teams-local", "--host", "0.0.0.0"],
                            capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 2
    assert "--host 127.0.0.1" in result.stderr and "Traceback" not in result.stderr
