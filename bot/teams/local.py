"""`idesluss serve --teams-local`: Teams without Azure, for trying the bot in Microsoft's Agents Playground.

The Playground (npm `@microsoft/m365agentsplayground`) plays Teams and the Bot Connector on the developer's
machine: it POSTs activities without any token (header `x-ms-agents-playground: true`) and takes the bot's
replies at `http://localhost:<port>/_connector/v3/…` without checking one. So in this mode, and only in it:

- an activity is accepted without a Bot Framework token, but only from a loopback peer and only when its
  `serviceUrl` is a loopback http(s) URL — the bot's replies can then only ever go back to this machine;
- replies go to that loopback connector over plain http, with no token (there is no Azure registration);
- `serve` refuses to start unless it listens on a loopback address, and logs a warning when it starts.

No environment variable turns this on: only the command-line flag.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any
from urllib.parse import urlsplit

from bot.teams.auth import AuthError
from bot.teams.connector import ConnectorClient
from bot.teams.registrations import Registration

log = logging.getLogger(__name__)

LOCAL_APP_ID = "idesluss-local"  # stands in for the Azure app id nobody registered


def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: Any) -> bool:
    if not isinstance(url, str):
        return False
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and is_loopback_host(parts.hostname)


def local_registration(connector: ConnectorClient) -> Registration:
    """The one "registration" of local mode: no app, no tenant, a connector that talks only to this machine."""
    return Registration(app_id=LOCAL_APP_ID, tenant_id=None, tokens=NoToken(), connector=connector,  # type: ignore[arg-type]
                        authenticator=None)  # type: ignore[arg-type]


class LocalRegistrations:
    """What the Teams sender asks of the registrations, in local mode: every tenant is the Playground."""

    def __init__(self, registration: Registration) -> None:
        self.registration = registration

    async def by_tenant(self, tenant_id: str | None) -> Registration:
        return self.registration

    def all(self) -> list[Registration]:
        return [self.registration]


class LoopbackAuthenticator:
    """Accepts what the Playground sends — from this machine, about this machine — and nothing else."""

    def __init__(self, registration: Registration) -> None:
        self.registration = registration

    async def authenticate(self, authorization: str | None, activity: dict[str, Any], *,
                           peer: str | None = None) -> Registration:
        if not is_loopback_host(peer):
            raise AuthError(f"--teams-local accepts activities from this machine only, not from {peer!r}")
        if not is_loopback_url(activity.get("serviceUrl")):
            raise AuthError("--teams-local answers only a loopback serviceUrl")
        return self.registration


class NoToken:
    """The token source of the loopback connector: the Playground checks none, and there is no registration."""

    async def token(self) -> str:
        return ""
