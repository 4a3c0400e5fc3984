"""Teams, as Slack: a message POST that timed out after the request left may have been posted, so its outcome is
unknown (the dispatcher retries it once and counts it: tests/scheduler/test_unknown_outcome.py); a connection
never made is an ordinary failure, safe to retry."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from bot.core.delivery import DeliveryError, OutcomeUnknown
from bot.teams.connector import ConnectorClient
from bot.teams.sender import outcome_unknown_after_sending


class Tokens:
    async def token(self) -> str:
        return "stand-in-token"


class StallingConnector(ThreadingHTTPServer):
    """A Bot Connector on loopback that records each POST and then answers only when released."""

    daemon_threads = True

    def __init__(self) -> None:
        self.posts: list[str] = []
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                server.posts.append(self.path)
                server.release.wait(10)
                body = b'{"id": "1700000000001"}'
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"


@pytest.fixture
def stalling() -> Iterator[StallingConnector]:
    server = StallingConnector()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


async def post(service_url: str) -> None:
    async with httpx.AsyncClient(timeout=httpx.Timeout(0.3)) as http:
        connector = ConnectorClient(lambda: http, Tokens(), loopback_only=True).for_dispatcher()
        with outcome_unknown_after_sending():
            await connector.send(service_url, "a:personal-1", {"type": "message", "text": "Din idé #1"})


def test_a_post_that_timed_out_after_it_left_has_an_unknown_outcome(stalling: StallingConnector) -> None:
    with pytest.raises(OutcomeUnknown, match="after the request was sent"):
        asyncio.run(post(stalling.url))
    assert stalling.posts == ["/v3/conversations/a%3Apersonal-1/activities"]  # it arrived; the client can't know


def test_a_connection_never_made_is_an_ordinary_failure() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]  # bound, never listening: the connection is refused
        with pytest.raises(DeliveryError) as raised:
            asyncio.run(post(f"http://127.0.0.1:{port}/"))
    assert not isinstance(raised.value, OutcomeUnknown)
