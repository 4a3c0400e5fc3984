"""The connector client against the stand-in over HTTPS: throttling is retried politely, errors are not."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from bot.core.delivery import PermanentDeliveryError, RateLimited
from bot.teams.connector import ConnectorClient, MessageWritesBlocked
from bot.teams.tokens import BotTokenProvider, TokenError

from .standins import APP_ID, APP_PASSWORD, StandIn, fixture

SCOPE = "https://api.botframework.com/.default"


def _run(stand_in: StandIn, work: Callable[[ConnectorClient, list[float]], Awaitable[Any]],
         password: str = APP_PASSWORD) -> Any:
    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    async def main() -> Any:
        async with httpx.AsyncClient() as client:
            tokens = BotTokenProvider(APP_ID, password, stand_in.authority, SCOPE)
            connector = ConnectorClient(lambda: client, tokens, sleep=sleep, jitter=lambda: 0.5, max_attempts=4)
            return await work(connector, delays)

    return asyncio.run(main())


def test_throttled_and_gateway_errors_back_off_exponentially_then_succeed(stand_in: StandIn) -> None:
    for status in (502, 504, 412):
        stand_in.fail_next(status)

    async def work(connector: ConnectorClient, delays: list[float]) -> tuple[str | None, list[float]]:
        return await connector.send(stand_in.service_url, "a:chat", {"type": "message", "text": "hej"}), delays

    message_id, delays = _run(stand_in, work)
    assert message_id
    assert delays == [0.5, 1.0, 2.0]
    assert len(stand_in.requests) == 4


def test_retry_after_is_honoured_and_persistent_429_becomes_rate_limited(stand_in: StandIn) -> None:
    stand_in.fail_next(429, headers={"Retry-After": "7"}, times=4)

    async def work(connector: ConnectorClient, delays: list[float]) -> list[float]:
        with pytest.raises(RateLimited) as raised:
            await connector.send(stand_in.service_url, "a:chat", {"type": "message"})
        assert raised.value.retry_after == 7
        return delays

    assert _run(stand_in, work) == [7, 7, 7]


def test_message_writes_blocked_and_other_client_errors_are_not_retried(stand_in: StandIn) -> None:
    stand_in.fail_next(403, fixture("teams_403_message_writes_blocked_body.json"))
    stand_in.fail_next(404, {"error": {"code": "ConversationNotFound"}})

    async def work(connector: ConnectorClient, delays: list[float]) -> list[float]:
        with pytest.raises(MessageWritesBlocked):
            await connector.send(stand_in.service_url, "a:chat", {"type": "message"})
        with pytest.raises(PermanentDeliveryError):
            await connector.send(stand_in.service_url, "a:chat", {"type": "message"})
        return delays

    assert _run(stand_in, work) == []
    assert len(stand_in.requests) == 2


def test_token_is_never_sent_to_a_plain_http_service_url(stand_in: StandIn) -> None:
    async def work(connector: ConnectorClient, delays: list[float]) -> None:
        with pytest.raises(PermanentDeliveryError):
            await connector.send("http://127.0.0.1:9/", "a:chat", {"type": "message"})

    _run(stand_in, work)
    assert stand_in.token_requests == []


def test_msal_token_comes_from_the_tenant_found_by_discovery_and_is_cached(stand_in: StandIn) -> None:
    async def work(connector: ConnectorClient, delays: list[float]) -> None:
        await connector.send(stand_in.service_url, "a:chat", {"type": "message"})
        await connector.send(stand_in.service_url, "a:chat", {"type": "message"})

    _run(stand_in, work)
    [token_request] = stand_in.token_requests
    assert token_request["grant_type"] == "client_credentials"
    assert token_request["scope"] == SCOPE
    assert {r.authorization for r in stand_in.requests} == {"Bearer stand-in-token-1"}


def test_wrong_app_password_is_a_token_error_not_a_request(stand_in: StandIn) -> None:
    async def work(connector: ConnectorClient, delays: list[float]) -> None:
        with pytest.raises(TokenError):
            await connector.send(stand_in.service_url, "a:chat", {"type": "message"})

    _run(stand_in, work, password="wrong")
    assert stand_in.requests == []



def test_a_post_whose_answer_times_out_is_not_posted_again(stand_in: StandIn, pki) -> None:  # type: ignore[no-untyped-def]
    """Teams may already have posted it: the connector reports the failure instead of posting twice."""
    import socket
    import ssl
    import threading

    from bot.core.delivery import DeliveryError

    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(pki.cert_file, pki.key_file)
    server = socket.create_server(("127.0.0.1", 0))
    requests: list[socket.socket] = []

    def read_requests_and_stay_silent() -> None:
        while True:
            try:
                conn = tls.wrap_socket(server.accept()[0], server_side=True)
                conn.recv(65536)  # the request arrived; the answer never comes
            except OSError:
                return
            requests.append(conn)

    threading.Thread(target=read_requests_and_stay_silent, daemon=True).start()

    async def main() -> None:
        async with httpx.AsyncClient(timeout=httpx.Timeout(5, read=0.5)) as client:
            tokens = BotTokenProvider(APP_ID, APP_PASSWORD, stand_in.authority, SCOPE)
            connector = ConnectorClient(lambda: client, tokens, max_attempts=4)
            with pytest.raises(DeliveryError):
                await connector.send(f"https://127.0.0.1:{server.getsockname()[1]}/", "a:chat",
                                     {"type": "message", "text": "hej"})

    asyncio.run(main())
    server.close()
    assert len(requests) == 1
    for conn in requests:
        conn.close()
