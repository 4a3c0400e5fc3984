"""Teams as the composition root sees it: `POST /api/messages` and the outbox sender, sharing one HTTP
client and one msal token cache. Built here and nowhere else.

Served when TEAMS_APP_ID is set (TEAMS_APP_PASSWORD is then required).
"""

from __future__ import annotations

from starlette.routing import Route

from bot.config import Settings
from bot.core import Core
from bot.platform import Platform
from bot.teams.activities import TeamsBot
from bot.teams.clients import TeamsClients, build_clients
from bot.teams.endpoint import TeamsEndpoint
from bot.teams.sender import TeamsSender
from storage.db import Database


def teams_platform(settings: Settings, core: Core, db: Database, *, serve: bool,
                   clients: TeamsClients | None = None) -> Platform | None:
    """None when Teams is not configured. `serve=False` builds only the sender."""
    if not settings.teams_app_id:
        return None
    clients = clients or build_clients(settings)
    sender = TeamsSender(db, clients.connector.for_dispatcher(), core.clock, app_id=settings.teams_app_id)
    platform = Platform("teams", sender=sender, mode="send", state={"clients": clients})
    if serve:
        bot = TeamsBot(core, db, clients.connector, settings)
        platform.routes.append(Route("/api/messages", TeamsEndpoint(bot, clients.authenticator).handle,
                                     methods=["POST"]))
        platform.mode = "http"
    return platform
