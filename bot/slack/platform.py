"""Slack as the composition root sees it: the Bolt app behind `/slack/events` (or Socket Mode), and the
outbox sender. Built here and nowhere else.

HTTP is served when SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are set; Socket Mode when SLACK_APP_TOKEN is set
(or `serve --socket-mode`), and then the websocket connects when the web app starts. A process that only
sends (the CLI, `idesluss scheduler`) needs only the bot token.
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

log = logging.getLogger("idesluss.slack")


def http_configured(settings: Settings) -> bool:
    return bool(settings.slack_signing_secret and settings.slack_bot_token)


def slack_platform(settings: Settings, core: Any, *, serve: bool, socket_mode: bool = False,
                   client: AsyncWebClient | None = None, on_error: Callable[[str], None] | None = None
                   ) -> Platform | None:
    """None when Slack is not configured. `serve=False` builds only the sender (no Bolt app, no routes)."""
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
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        app_token = settings.slack_app_token
        handlers: list[AsyncSocketModeHandler] = []

        async def connect() -> None:  # the handler's aiohttp session belongs to the serving event loop
            handler = AsyncSocketModeHandler(app, app_token)
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
