"""Teams as the composition root sees it: `POST /api/messages` and the outbox sender, sharing one HTTP
client and one msal token cache. Built here and nowhere else.

Served when TEAMS_APP_ID is set (TEAMS_APP_PASSWORD is then required), or with `serve --teams-local`: Teams
without Azure, for Microsoft's Agents Playground on this machine (bot/teams/local.py).
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.config import Settings
from bot.core import Core
from bot.platform import Platform
from bot.teams.activities import TeamsBot
from bot.teams.clients import PerLoopClient, TeamsClients, build_clients
from bot.teams.connector import ConnectorClient
from bot.teams.endpoint import Authenticator, TeamsEndpoint
from bot.teams.local import LOCAL_APP_ID, LoopbackAuthenticator, NoToken
from bot.teams.sender import TeamsSender
from storage.db import Database

log = logging.getLogger(__name__)


def teams_platform(settings: Settings, core: Core, db: Database, *, serve: bool, local: bool = False,
                   clients: TeamsClients | None = None) -> Platform | None:
    """None when Teams is not configured. `serve=False` builds only the sender."""
    if local:
        return _local_platform(core, db, serve=serve)
    if not settings.teams_app_id:
        return None
    clients = clients or build_clients(settings)
    sender = TeamsSender(db, clients.connector.for_dispatcher(), core.clock, app_id=settings.teams_app_id)
    platform = Platform("teams", sender=sender, mode="send", state={"clients": clients})
    if serve:
        bot = TeamsBot(core, db, clients.connector, tenant_id=settings.teams_tenant_id)
        platform.routes += _routes(bot, clients.authenticator)
        platform.mode = "http"
    return platform


def _local_platform(core: Core, db: Database, *, serve: bool) -> Platform:
    connector = ConnectorClient(PerLoopClient(), NoToken(), loopback_only=True)
    sender = TeamsSender(db, connector.for_dispatcher(), core.clock, app_id=LOCAL_APP_ID)
    platform = Platform("teams", sender=sender, mode="local", state={"connector": connector})
    if serve:
        bot = TeamsBot(core, db, connector, tenant_id=None)
        platform.routes += _routes(bot, LoopbackAuthenticator(), answer_head=True)

        async def warn() -> None:
            log.warning("teams: --teams-local is on: activities from this machine are accepted WITHOUT a Bot "
                        "Framework token, and replies go to the Agents Playground over plain http. For trying "
                        "the bot and for development only.")

        platform.startup.append(warn)
    return platform


def _routes(bot: TeamsBot, authenticator: Authenticator, *, answer_head: bool = False) -> list[Route]:
    routes = [Route("/api/messages", TeamsEndpoint(bot, authenticator).handle, methods=["POST"])]
    if answer_head:  # the Playground checks the endpoint with HEAD before it sends anything

        async def head(request: Request) -> Response:
            return Response(status_code=200)

        routes.append(Route("/api/messages", head, methods=["HEAD"]))
    return routes
