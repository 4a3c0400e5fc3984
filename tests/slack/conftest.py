"""Slack over the wire: the real ASGI app under uvicorn on port 0, signed requests posted to it over
HTTP, and a stand-in Web API server recording what the bot says back. Nothing of ours is mocked."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from bot.app import Runtime
from bot.config import Settings
from bot.core import Core
from bot.core.clock import ManualClock
from bot.web.app import create_app
from storage.db import Database
from storage.ideas import ExportRow, export_ideas
from tests.conftest import serving
from tests.slack.standin import SlackStandIn

DATA = Path(__file__).parent / "data"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"  # Slack's worked example's signing secret
BOT_TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"  # made up, token-shaped
NFC_COMMAND = "/id\u00e9"
NFD_COMMAND = "/ide\u0301"


def fixture_json(name: str) -> dict[str, Any]:
    return json.loads((DATA / name).read_text())


def sign(body: bytes, timestamp: int, secret: str = SECRET) -> str:
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class AppServer:
    """The app served by uvicorn in a thread, on a free port of 127.0.0.1 (over HTTPS with a test CA's
    certificate when given `pki`: browsers send Bolt's `Secure` state cookie only there)."""

    def __init__(self, app: Starlette, pki: Any = None) -> None:
        ssl = {"ssl_certfile": str(pki.cert_file), "ssl_keyfile": str(pki.key_file)} if pki else {}
        self.scheme = "https" if pki else "http"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                                                    lifespan="on", **ssl))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> AppServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"{self.scheme}://127.0.0.1:{port}"
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


class SlackClient:
    """Posts what Slack posts: signed, form-encoded commands and interactivity, JSON events."""

    def __init__(self, url: str, standin: SlackStandIn, settings: Settings) -> None:
        self.http = httpx.Client(base_url=url, timeout=10)
        self.standin = standin
        self.standin_settings = settings  # the app's settings, pointing at the stand-in
        self._n = 0

    def post(self, body: bytes, content_type: str, *, timestamp: int | None = None, secret: str = SECRET,
             signature: str | None = None, headers: dict[str, str] | None = None) -> httpx.Response:
        ts = int(time.time()) if timestamp is None else timestamp
        sent = {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(ts),
                "X-Slack-Signature": signature if signature is not None else sign(body, ts, secret), **(headers or {})}
        return self.http.post("/slack/events", content=body, headers=sent)

    def _next(self) -> str:
        self._n += 1
        return f"{self._n}"

    def command_body(self, text: str, command: str = NFC_COMMAND, user: str = "U2147483697",
                     team: str = "T061EG9R6") -> bytes:
        """The documented slash-command body with our command, percent-encoded the way Slack sends it."""
        fields = dict(parse_qsl((DATA / "slash_command.txt").read_text().strip()))
        n = self._next()
        fields.update(command=command, text=text, user_id=user, team_id=team,
                      response_url=self.standin.response_url(f"cmd{n}"), trigger_id=f"13345224609.{n}.abcdef")
        return urlencode(fields).encode()

    def command(self, text: str, command: str = NFC_COMMAND, user: str = "U2147483697", team: str = "T061EG9R6",
                **kw: Any) -> httpx.Response:
        return self.post(self.command_body(text, command, user, team), "application/x-www-form-urlencoded", **kw)

    def event(self, event: dict[str, Any], *, event_id: str | None = None, retry: int | None = None,
              fixture: str = "event_app_mention_full.json", team: str = "T061EG9R6") -> httpx.Response:
        body = fixture_json(fixture)
        body.update(event=event, event_id=event_id or f"Ev{self._next():0>8}", team_id=team)
        if "authorizations" in body:
            body["authorizations"] = [{**a, "team_id": team} for a in body["authorizations"]]
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
        return self.post(json.dumps(body).encode(), "application/json", headers=headers)

    def interaction(self, payload: dict[str, Any]) -> httpx.Response:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self.post(body, "application/x-www-form-urlencoded")


def slack_settings_for(database_url: str, standin: SlackStandIn) -> Settings:
    return Settings(database_url=database_url, organisation="testkommun", default_locale="sv",
                    slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET, slack_api_url=standin.api_url)


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as server:
        yield server


@pytest.fixture
def slack_settings(database_url: str, standin: SlackStandIn) -> Settings:
    return slack_settings_for(database_url, standin)


@pytest.fixture
def runtime(slack_settings: Settings, db: Database, clock: ManualClock) -> Runtime:
    return serving(slack_settings, clock, db)


@pytest.fixture
def slack_core(runtime: Runtime) -> Core:
    return runtime.core


@pytest.fixture
def app(runtime: Runtime) -> Starlette:
    return create_app(runtime)


@pytest.fixture
def served(app: Starlette) -> Iterator[AppServer]:
    with AppServer(app) as server:
        yield server


@pytest.fixture
def slack(served: AppServer, standin: SlackStandIn, slack_settings: Settings) -> Iterator[SlackClient]:
    client = SlackClient(served.url, standin, slack_settings)
    yield client
    client.http.close()


def ideas(db: Database) -> list[ExportRow]:
    with db.session() as session:
        return export_ideas(session)
