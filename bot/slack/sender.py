"""Deliver outbox messages (stage changes, nudges, digests) to Slack.

A person is reached by posting to their user ID as `channel`: Slack opens the app's DM itself, so there
is no `conversations.open` per message (one Tier 3 call saved each time). Slack's answers are mapped to
the dispatcher's outcomes: try later (`RateLimited` with its Retry-After, `DeliveryError`), never
(`PermanentDeliveryError`), or unknown (`OutcomeUnknown`: a timeout or a dropped connection after the request left,
so the message may have been posted).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.delivery import (
    Delivery,
    DeliveryError,
    OutboundMessage,
    OutcomeUnknown,
    PermanentDeliveryError,
    RateLimited,
)
from bot.slack import blocks

# Errors that no retry can fix for this one message: the person or channel is gone, the payload is bad.
# Errors about the app's own setup (invalid_auth, token_revoked, missing_scope …) are not here on purpose:
# they would dead-letter every pending message at once; as transient errors they wait, with backoff, for an
# operator to fix the token.
PERMANENT_ERRORS = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "account_inactive", "user_not_found",
    "user_disabled", "cannot_dm_bot", "messages_tab_disabled", "restricted_action", "ekm_access_denied",
    "invalid_blocks", "invalid_blocks_format", "msg_too_long", "no_text", "invalid_arguments",
})
DEFAULT_RETRY_AFTER = 30.0
log = logging.getLogger("idesluss.slack")


def _retry_after(error: SlackApiError) -> float:
    headers = getattr(error.response, "headers", None) or {}
    for name, value in headers.items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) else value
            try:
                return max(float(raw), 1.0)
            except ValueError:
                break
    return DEFAULT_RETRY_AFTER


TokenFor = Callable[[str | None], Awaitable[str | None]]


class WorkspaceNotInstalled(DeliveryError):
    """Several workspaces (OAuth) and none installed for this row's workspace: it waits (a reinstall resumes it)."""


class SlackSender:
    """`bot.core.delivery.Sender` for Slack. With `token_for` (several workspaces, OAuth) each message goes out with
    its own workspace's bot token; without it, with the client's one token (SLACK_BOT_TOKEN)."""

    platform = "slack"

    def __init__(self, client: AsyncWebClient, token_for: TokenFor | None = None) -> None:
        self.client = client
        self.token_for = token_for
        # One keep-alive HTTP session per event loop (a session belongs to its loop): a fan-out of thousands of
        # DMs on one connection pool, not a TCP (and TLS) handshake per message, whose jitter bunches the sends.
        self._pooled: tuple[asyncio.AbstractEventLoop, AsyncWebClient] | None = None

    def _client(self) -> AsyncWebClient:
        if self.client.session is not None:
            return self.client  # the caller manages the session
        loop = asyncio.get_running_loop()
        if self._pooled is None or self._pooled[0] is not loop or self._pooled[1].session.closed:
            client = self.client
            session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=client.timeout))
            self._pooled = (loop, AsyncWebClient(token=client.token, base_url=client.base_url, timeout=client.timeout,
                                                 retry_handlers=client.retry_handlers, session=session,
                                                 headers=client.headers, ssl=client.ssl, proxy=client.proxy))
        return self._pooled[1]

    async def aclose(self) -> None:
        """Close this loop's HTTP session (the dispatcher calls it when its drain ends)."""
        pooled, self._pooled = self._pooled, None
        if pooled is not None and pooled[0] is asyncio.get_running_loop():
            await pooled[1].session.close()

    async def send(self, message: OutboundMessage) -> Delivery:
        payload = blocks.message(message.reply)
        kwargs = {"channel": message.recipient, **payload}
        if message.thread:
            kwargs["thread_ts"] = message.thread
        if self.token_for is not None:
            token = await self.token_for(message.workspace)
            if token is None:
                raise WorkspaceNotInstalled(f"slack: the app is not installed in workspace {message.workspace}: "
                                            "install it through /slack/install")
            kwargs["token"] = token
        try:
            response = await self._client().chat_postMessage(**kwargs)
        except SlackApiError as error:
            status = error.response.status_code
            data = error.response.data
            code = str(data.get("error") or "") if isinstance(data, dict) else ""
            if status == 429 or code == "ratelimited":
                raise RateLimited(_retry_after(error), f"slack: rate limited ({code or status})") from error
            if status >= 500:
                raise DeliveryError(f"slack: HTTP {status} {code}".strip()) from error
            if code in PERMANENT_ERRORS:
                raise PermanentDeliveryError(f"slack: {code}") from error
            raise DeliveryError(f"slack: {code or status}") from error
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as error:
            raise DeliveryError(f"slack: {type(error).__name__}") from error  # never connected: nothing was sent
        except (TimeoutError, aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as error:
            # The request left and no answer came: Slack may have posted the message.
            raise OutcomeUnknown(f"slack: {type(error).__name__} after the request was sent") from error
        except (aiohttp.ClientError, OSError, SlackClientError) as error:
            raise DeliveryError(f"slack: {type(error).__name__}") from error
        return Delivery(message_id=response.get("ts"), channel=response.get("channel"))
