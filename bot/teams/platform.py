"""Teams as the composition root sees it: `POST /api/messages` and the outbox sender, sharing one HTTP
client and one msal token cache. Built here and nowhere else.

Served when TEAMS_APP_ID is set (TEAMS_APP_PASSWORD is then required), or when the database holds a
registration (`idesluss orgs connect KEY --teams-tenant … --teams-app-id …`; checked at start; registrations
added later are found without a restart), or with `serve --teams-local`: Teams without Azure, for Microsoft's
Agents Playground on this machine (bot/teams/local.py).
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
from bot.teams.local import LocalRegistrations, LoopbackAuthenticator, NoToken, local_registration
from bot.teams.sender import TeamsSender
from storage.db import Database
from storage.secrets import BadSecretKey, SecretBox

log = logging.getLogger(__name__)


def _stored_registrations(db: Database) -> bool:
    """Whether the database holds a Teams registration. A database that does not answer at start holds none for
    now: the process still starts (and /healthz says what is wrong)."""
    from sqlalchemy.exc import SQLAlchemyError

    from storage.teams_registrations import all_registrations

    try:
        with db.session() as session:
            return bool(all_registrations(session))
    except SQLAlchemyError as exc:
        log.warning("teams: could not read the stored registrations (%s): Teams is served only if TEAMS_APP_ID "
                    "is set", type(exc).__name__)
        return False

log = logging.getLogger(__name__)


def teams_platform(settings: Settings, core: Core, db: Database, *, serve: bool, local: bool = False,
                   clients: TeamsClients | None = None) -> Platform | None:
    """None when Teams is not configured. `serve=False` builds only the sender."""
    if local:
        return _local_platform(core, db, settings, serve=serve)
    if clients is None:
        if not settings.teams_app_id and not _stored_registrations(db):
            return None
        try:
            box = SecretBox(settings.secret_key)
        except BadSecretKey as exc:
            raise SystemExit(str(exc)) from exc
        clients = build_clients(settings, db=db, box=box)
    sender = TeamsSender(db, clients.registrations, core.clock)
    platform = Platform("teams", sender=sender, mode="send", state={"clients": clients})
    if serve:
        bot = TeamsBot(core, db, settings)
        platform.routes += _routes(bot, clients.authenticator)
        platform.mode = "http"
    return platform


def _local_platform(core: Core, db: Database, settings: Settings, *, serve: bool) -> Platform:
    registration = local_registration(ConnectorClient(PerLoopClient(), NoToken(), loopback_only=True))
    sender = TeamsSender(db, LocalRegistrations(registration), core.clock)  # type: ignore[arg-type]
    platform = Platform("teams", sender=sender, mode="local", state={"registration": registration})
    if serve:
        bot = TeamsBot(core, db, settings)
        platform.routes += _routes(bot, LoopbackAuthenticator(registration), answer_head=True)

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
