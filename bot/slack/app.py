"""The Bolt app: which Slack request goes to which listener.

Why `AsyncApp` and not the sync `App`: the ASGI server, Socket Mode's aiohttp client and the outbox
sender all live on one event loop, and an ack costs no thread hand-off. The synchronous core runs in
worker threads (`asyncio.to_thread`) only for the work that happens after the ack (see listeners.py).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.slack.blocks import FORM_CALLBACK_ID
from bot.slack.client import make_web_client
from bot.slack.listeners import SlackListeners

SAVE_AS_IDEA = "save_as_idea"  # the message shortcut's callback id in manifest.yaml
# Slack does not say whether `/idé` arrives composed (U+00E9) or decomposed (e + U+0301): accept both,
# and the ASCII alias `/idea`.
IDEA_COMMAND = re.compile("^/(?:id\u00e9|ide\u0301|idea)$")
ACTION_IDS = re.compile(r"^(?:idea|ideas|nudge|challenge|spread)\.[a-z_]+(?:#\d+)?$")


class _EnvTokenNotice(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment by itself and then warns that the client we hand
    it (with the same token, our base URL and retry policy) wins. That is the intent: say nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


BOLT_LOGGER = logging.getLogger("idesluss.slack.bolt")
BOLT_LOGGER.addFilter(_EnvTokenNotice())


def build_slack_app(settings: Settings, core: Any, *, client: AsyncWebClient | None = None,
                    on_error: Callable[[str], None] | None = None, signing_secret: str | None = None,
                    oauth: AsyncOAuthSettings | None = None) -> AsyncApp:
    """One Bolt app for HTTP and Socket Mode alike (Socket Mode needs no signing secret).

    With `oauth` (several workspaces) Bolt authorises each request by its team from the installation store, and
    its token revocation listeners forget an uninstalled workspace. The authorisation is cached per token, so
    Bolt's `auth.test` runs once per installation instead of before every ack.
    """
    client = client or make_web_client(settings)
    multi: dict[str, Any] = {}
    if oauth is not None:
        from bot.slack.oauth import reinstall_message

        assert oauth.installation_store is not None
        multi = {"oauth_settings": oauth, "installation_store_bot_only": True,
                 "user_facing_authorize_error_message": reinstall_message(),
                 "authorize": AsyncInstallationStoreAuthorize(
                     logger=BOLT_LOGGER, installation_store=oauth.installation_store, bot_only=True,
                     cache_enabled=True, client=client)}
    app = AsyncApp(
        client=client,
        signing_secret=signing_secret or settings.slack_signing_secret or "socket-mode-only",
        request_verification_enabled=bool(signing_secret or settings.slack_signing_secret),
        logger=BOLT_LOGGER,
        name="idesluss",
        **multi,
    )
    listeners = SlackListeners(core, on_error=on_error)
    if oauth is not None:
        app.enable_token_revocation_listeners()
    else:
        app.event("app_uninstalled")(listeners.uninstalled)
        app.event("tokens_revoked")(listeners.uninstalled)

    app.command(IDEA_COMMAND)(listeners.command)
    app.view(FORM_CALLBACK_ID)(listeners.view_submission)
    app.action(ACTION_IDS)(listeners.action)
    app.shortcut(SAVE_AS_IDEA)(listeners.save_message)
    app.event("app_mention")(listeners.app_mention)
    app.event("message")(listeners.direct_message)
    app.event("reaction_added")(listeners.reaction_added)
    app.event("reaction_removed")(listeners.reaction_removed)
    app.event("app_home_opened")(listeners.app_home_opened)

    @app.error
    async def on_listener_error(error: Exception, body: dict[str, Any], logger: logging.Logger) -> None:
        if on_error:
            on_error("slack")
        logger.exception("slack listener failed (%s)", body.get("type") or "?", exc_info=error)

    return app
