"""Teams as the composition root sees it: `POST /api/messages` and the outbox sender, sharing one HTTP
client and one msal token cache. Built here and nowhere else.

Served when TEAMS_APP_ID is set (TEAMS_APP_PASSWORD is then required), or when the database holds a
registration (`idesluss orgs connect KEY --teams-tenant … --teams-app-id …`; checked at start). Registrations
added later are found without a restart.
"""

from __future__ import annotations

import logging

from starlette.routing import Route

from bot.config import Settings
from bot.core import Core
from bot.platform import Platform
from bot.teams.activities import TeamsBot
from bot.teams.clients import TeamsClients, build_clients
from bot.teams.endpoint import TeamsEndpoint
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


def teams_platform(settings: Settings, core: Core, db: Database, *, serve: bool,
                   clients: TeamsClients | None = None) -> Platform | None:
    """None when Teams is not configured. `serve=False` builds only the sender."""
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
        platform.routes.append(Route("/api/messages", TeamsEndpoint(bot, clients.authenticator).handle,
                                     methods=["POST"]))
        platform.mode = "http"
    return platform
