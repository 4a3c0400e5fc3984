"""Teams fixtures: the stand-ins over real HTTPS (a CA made for this run), and the real web app under uvicorn.

The CA reaches msal through REQUESTS_CA_BUNDLE and httpx through SSL_CERT_FILE, exactly as an
operator would point the bot at a corporate proxy's CA: no test-only code path in the bot.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.config import Settings
from bot.core.clock import ManualClock
from storage.db import Database
from tests.conftest import serving

from .standins import (
    APP_ID,
    APP_PASSWORD,
    BOT_ID,
    TENANT,
    Pki,
    ServerThread,
    SigningKey,
    StandIn,
    fixture,
    make_pki,
    mint,
    new_key,
)

_ids = itertools.count(1)


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pki]:
    made = make_pki(tmp_path_factory.mktemp("pki"))
    saved = {k: os.environ.get(k) for k in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE")}
    os.environ["SSL_CERT_FILE"] = os.environ["REQUESTS_CA_BUNDLE"] = str(made.ca_file)
    yield made
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def channel_keys() -> dict[str, SigningKey]:
    """Published keys (one endorsed for msteams, one only for webchat) and one the channel never published."""
    return {"msteams": new_key("bf-key-1", ["msteams", "emulator"]), "webchat": new_key("bf-key-2", ["webchat"]),
            "forged": new_key("bf-key-1", ["msteams"])}


@pytest.fixture(scope="session")
def _stand_in_server(pki: Pki, channel_keys: dict[str, SigningKey]) -> Iterator[StandIn]:
    stand_in = StandIn(keys=[channel_keys["msteams"], channel_keys["webchat"]])
    server = ServerThread(stand_in.app(), pki=pki).start()
    stand_in.url = server.url
    yield stand_in
    server.stop()


@pytest.fixture
def stand_in(_stand_in_server: StandIn) -> StandIn:
    _stand_in_server.reset()
    return _stand_in_server


@pytest.fixture
def teams_settings(database_url: str, stand_in: StandIn) -> Settings:
    return Settings(database_url=database_url, organisation="testkommun", default_locale="sv",
                    teams_app_id=APP_ID, teams_app_password=APP_PASSWORD, teams_tenant_id=TENANT,
                    teams_authority=stand_in.authority, teams_openid_metadata_url=stand_in.metadata_url)


@dataclass
class TeamsBotUnderTest:
    """The running web app and a way to talk to it the way the Teams channel does."""

    url: str
    stand_in: StandIn
    key: SigningKey
    app: Any

    def post(self, activity: dict[str, Any], *, token: str | None | bool = True,
             headers: dict[str, str] | None = None) -> httpx.Response:
        if token is True:
            token = mint(self.key, service_url=activity["serviceUrl"])
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = f"Bearer {token}"
        return httpx.post(f"{self.url}/api/messages", content=json.dumps(activity), timeout=10,
                          headers={"Content-Type": "application/json", **sent})


@pytest.fixture
def teams_bot(teams_settings: Settings, db: Database, stand_in: StandIn, channel_keys: dict[str, SigningKey],
              clock: ManualClock) -> Iterator[TeamsBotUnderTest]:
    from bot.web.app import create_app

    app = create_app(serving(teams_settings, clock, db))
    server = ServerThread(app).start()
    yield TeamsBotUnderTest(server.url, stand_in, channel_keys["msteams"], app)
    server.stop()


# -- activities, built from Microsoft's published examples ------------------------------------------------------

def _common(activity: dict[str, Any], service_url: str) -> dict[str, Any]:
    activity["id"] = f"17000{next(_ids):08d}"
    activity["serviceUrl"] = service_url
    activity["recipient"] = {"id": BOT_ID, "name": "Idéslussen"}
    activity.setdefault("channelData", {})["tenant"] = {"id": TENANT}
    return activity


def personal_message(service_url: str, text: str, *, user: str = "7faf8ab2-3d56-4244-b585-20c8a42ed2b8",
                     name: str = "Megan Bowen", locale: str = "sv-SE") -> dict[str, Any]:
    activity = _common(copy.deepcopy(fixture("teams_message_personal.json")), service_url)
    activity["text"] = text
    activity["attachments"] = []
    activity["locale"] = locale
    activity["from"] = {"id": f"29:member-{user}", "name": name, "aadObjectId": user}
    activity["conversation"]["id"] = f"a:personal-{user}"
    return activity


def channel_mention(service_url: str, text: str, *, user: str = "c33aafc4-646d-4543-9d4c-abd28e4d2110",
                    name: str = "Richard Moe") -> dict[str, Any]:
    activity = _common(copy.deepcopy(fixture("teams_message_channel_mention_full.json")), service_url)
    activity["from"] = {"id": f"29:member-{user}", "name": name, "aadObjectId": user}
    activity["text"] = f"<at>Idéslussen</at> {text}"
    activity["entities"][0]["mentioned"] = {"id": BOT_ID, "name": "Idéslussen"}
    activity["entities"][0]["text"] = "<at>Idéslussen</at>"
    activity["conversation"]["id"] = f"19:channel@thread.tacv2;messageid={activity['id']}"
    activity["conversation"]["conversationType"] = "channel"
    activity["locale"] = "sv-SE"
    return activity


def card_action(service_url: str, user: str, verb: str, data: dict[str, Any], *, reply_to: str = "1700000000001",
                conversation: str | None = None) -> dict[str, Any]:
    activity = _common({"type": "invoke", "name": "adaptiveCard/action", "channelId": "msteams",
                        "from": {"id": f"29:member-{user}", "name": "Coach Cecilia", "aadObjectId": user},
                        "conversation": {"id": conversation or f"a:personal-{user}", "conversationType": "personal"},
                        "locale": "sv-SE", "replyToId": reply_to,
                        "value": {"action": {"type": "Action.Execute", "verb": verb, "data": data}}}, service_url)
    return activity


def data_file(name: str) -> Path:
    return Path(__file__).parent / "data" / name
