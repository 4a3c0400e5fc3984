"""Wiring: the HTTP client, the signing keys, and the registrations (each with its msal token provider, connector
and token validator), built from settings and the database.

The web app and the outbox dispatcher may run on different event loops, and an httpx.AsyncClient
belongs to the loop it was first used on, so the client is kept per loop.
"""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass

import httpx

from bot.config import Settings
from bot.teams.auth import OpenIdKeySet
from bot.teams.connector import ConnectorClient
from bot.teams.registrations import Registrations, TeamsAuthenticator
from bot.teams.tokens import BotTokenProvider
from storage.db import Database
from storage.secrets import SecretBox

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
    registrations: Registrations
    authenticator: TeamsAuthenticator

    @property
    def connector(self) -> ConnectorClient:
        """The environment's registration's connector (one registration: the only one)."""
        default = self.registrations.environment or self.registrations.all()[0]
        return default.connector

    @property
    def tokens(self) -> BotTokenProvider:
        default = self.registrations.environment or self.registrations.all()[0]
        return default.tokens


class TeamsNotConfigured(RuntimeError):
    """TEAMS_APP_ID and TEAMS_APP_PASSWORD (or a registration in the database) are needed for anything Teams does."""


def build_clients(settings: Settings, *, db: Database | None = None, box: SecretBox | None = None,
                  connector_options: dict[str, object] | None = None) -> TeamsClients:
    if settings.teams_app_id and not settings.teams_app_password:
        raise TeamsNotConfigured("set TEAMS_APP_PASSWORD (the client secret of TEAMS_APP_ID)")
    http = PerLoopClient()
    keys = OpenIdKeySet(settings.teams_openid_metadata_url, http)
    registrations = Registrations(settings, http, keys, db=db, box=box, connector_options=connector_options)
    if not registrations.all():
        raise TeamsNotConfigured("set TEAMS_APP_ID and TEAMS_APP_PASSWORD, or connect a tenant with its registration")
    return TeamsClients(http, registrations, TeamsAuthenticator(registrations))
