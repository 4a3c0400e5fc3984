"""Wiring: the HTTP client, msal token provider, connector and token validator, built from settings.

The web app and the outbox dispatcher may run on different event loops, and an httpx.AsyncClient
belongs to the loop it was first used on, so the client is kept per loop.
"""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass

import httpx

from bot.config import Settings
from bot.teams.auth import BotFrameworkAuthenticator, OpenIdKeySet, tenant_issuers
from bot.teams.connector import ConnectorClient
from bot.teams.tokens import BotTokenProvider

TIMEOUT = httpx.Timeout(10.0, connect=5.0)


class PerLoopClient:
    """Returns the running loop's httpx.AsyncClient, creating it on first use."""

    def __init__(self, timeout: httpx.Timeout = TIMEOUT) -> None:
        self._timeout = timeout
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
            weakref.WeakKeyDictionary())

    def __call__(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None or client.is_closed:
            # verify=True: honours SSL_CERT_FILE (httpx's trust_env), like requests does for msal.
            client = httpx.AsyncClient(timeout=self._timeout, follow_redirects=False)
            self._clients[loop] = client
        return client

    async def aclose(self) -> None:
        loop = asyncio.get_running_loop()
        client = self._clients.pop(loop, None)
        if client is not None:
            await client.aclose()


@dataclass(slots=True)
class TeamsClients:
    http: PerLoopClient
    tokens: BotTokenProvider
    connector: ConnectorClient
    authenticator: BotFrameworkAuthenticator


class TeamsNotConfigured(RuntimeError):
    """TEAMS_APP_ID and TEAMS_APP_PASSWORD are needed for anything Teams does."""


def build_clients(settings: Settings, *, connector_options: dict[str, object] | None = None) -> TeamsClients:
    if not settings.teams_app_id or not settings.teams_app_password:
        raise TeamsNotConfigured("set TEAMS_APP_ID and TEAMS_APP_PASSWORD")
    http = PerLoopClient()
    tokens = BotTokenProvider(settings.teams_app_id, settings.teams_app_password, settings.teams_authority_url,
                              settings.teams_token_scope)
    connector = ConnectorClient(http, tokens, **(connector_options or {}))  # type: ignore[arg-type]
    keys = OpenIdKeySet(settings.teams_openid_metadata_url, http)
    authenticator = BotFrameworkAuthenticator(settings.teams_app_id, keys,
                                              issuers=tenant_issuers(settings.teams_tenant_id))
    return TeamsClients(http, tokens, connector, authenticator)
