"""Slack as the composition root sees it: the Bolt app behind `/slack/events` (or Socket Mode), and the
outbox sender. Built here and nowhere else.

One workspace: HTTP is served when SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are set; Socket Mode when
SLACK_APP_TOKEN is set (or `serve --socket-mode`), and then the websocket connects when the web app starts. A
process that only sends (the CLI, `idesluss scheduler`) needs only the bot token.

Several workspaces: with SLACK_CLIENT_ID and SLACK_CLIENT_SECRET the app is installed through OAuth
(`/slack/install`, `/slack/oauth_redirect`); each workspace's token is kept encrypted (IDESLUSS_SECRET_KEY), every
request is authorised by its team and every outgoing message uses its workspace's token. OAuth needs HTTP.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.platform import Platform
from bot.slack.app import build_slack_app
from bot.slack.client import make_web_client
from bot.slack.sender import SlackSender
from storage.secrets import BadSecretKey, SecretBox

log = logging.getLogger("idesluss.slack")


def http_configured(settings: Settings) -> bool:
    return bool(settings.slack_signing_secret and (settings.slack_bot_token or settings.slack_oauth))


def _secret_box(settings: Settings) -> SecretBox:
    try:
        box = SecretBox(settings.secret_key)
    except BadSecretKey as exc:
        raise SystemExit(str(exc)) from exc
    if not box.configured:
        raise SystemExit("Slack in several workspaces (SLACK_CLIENT_ID, SLACK_CLIENT_SECRET) keeps each workspace's "
                         "token in the database, encrypted: set IDESLUSS_SECRET_KEY (`idesluss orgs secret-key` "
                         "makes one).")
    return box


def slack_platform(settings: Settings, core: Any, *, serve: bool, socket_mode: bool = False,
                   client: AsyncWebClient | None = None, on_error: Callable[[str], None] | None = None
                   ) -> Platform | None:
    """None when Slack is not configured. `serve=False` builds only the sender (no Bolt app, no routes)."""
    if settings.slack_oauth:
        return _oauth_platform(settings, core, serve=serve, socket_mode=socket_mode, client=client, on_error=on_error)
    if not settings.slack_bot_token:
        return None
    platform = Platform("slack", sender=SlackSender(make_web_client(settings, retry_rate_limits=False)), mode="send")
    if not serve or not (socket_mode or http_configured(settings)):
        return platform
    app = build_slack_app(settings, core, client=client or make_web_client(settings), on_error=on_error)
    platform.state["bolt"] = app
    if socket_mode:
        if not settings.slack_app_token:
            raise SystemExit("Socket Mode needs SLACK_APP_TOKEN (xapp-…, connections:write) and SLACK_BOT_TOKEN.")
        from bot.slack.socket import CheckedSocketModeHandler

        app_token = settings.slack_app_token
        handlers: list[CheckedSocketModeHandler] = []

        async def connect() -> None:  # the handler's aiohttp session belongs to the serving event loop
            handler = CheckedSocketModeHandler(app, app_token, on_error=on_error)
            handlers.append(handler)
            await handler.connect_async()
            log.info("slack: connected over Socket Mode")

        async def close() -> None:
            while handlers:
                await handlers.pop().close_async()

        platform.startup.append(connect)
        platform.shutdown.append(close)
        platform.mode = "socket"
    else:
        from bot.slack.http import slack_routes

        platform.routes += slack_routes(app, settings.slack_signing_secret or "", on_error=on_error)
        platform.mode = "http"
    return platform


def _oauth_platform(settings: Settings, core: Any, *, serve: bool, socket_mode: bool,
                    client: AsyncWebClient | None, on_error: Callable[[str], None] | None) -> Platform:
    from bot.slack.http import slack_routes
    from bot.slack.installations import DatabaseInstallationStore, DatabaseStateStore, WorkspaceTokens
    from bot.slack.oauth import oauth_routes, oauth_settings

    if socket_mode:
        raise SystemExit("Slack in several workspaces is installed through OAuth, over HTTP: unset SLACK_APP_TOKEN "
                         "(Socket Mode serves the one workspace of SLACK_BOT_TOKEN).")
    if settings.slack_bot_token:
        log.warning("slack: SLACK_CLIENT_ID is set, so every workspace uses its own installed token; "
                    "SLACK_BOT_TOKEN is not used")
    box = _secret_box(settings)
    sender = SlackSender(make_web_client(settings, token="", retry_rate_limits=False),
                         token_for=WorkspaceTokens(core.db, box))
    platform = Platform("slack", sender=sender, mode="send")
    if not serve:
        return platform
    if not settings.slack_signing_secret:
        raise SystemExit("Slack needs SLACK_SIGNING_SECRET to verify every request.")
    installations = DatabaseInstallationStore(core.db, box, core.clock,
                                              serves=lambda actor: core.serves(actor, connected_only=True))
    states = DatabaseStateStore(core.db, core.clock)
    app = build_slack_app(settings, core, client=client or make_web_client(settings, token=""), on_error=on_error,
                          oauth=oauth_settings(settings, installations, states))
    platform.state.update(bolt=app, installations=installations)
    platform.routes += slack_routes(app, settings.slack_signing_secret, on_error=on_error) + oauth_routes(app)
    platform.mode = "http"
    return platform
