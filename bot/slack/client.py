"""The Slack Web API client every Slack component shares.

One place decides the base URL (slack.com, GovSlack's slack-gov.com, or a test stand-in) and the retry
policy: slack_sdk retries nothing by default, so 429s (honouring `Retry-After`) and dropped connections
are retried here, a bounded number of times, before a caller sees the error.
"""

from __future__ import annotations

import aiohttp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings

RATE_LIMIT_RETRIES = 2
CONNECTION_RETRIES = 2


def api_base_url(settings: Settings) -> str:
    url = settings.slack_api_url or "https://slack.com/api/"
    return url if url.endswith("/") else url + "/"


def make_web_client(settings: Settings, *, token: str | None = None, timeout: int = 15,
                    retry_rate_limits: bool = True) -> AsyncWebClient:
    """`retry_rate_limits=False` is for the outbox dispatcher: it pauses the whole workspace on a 429
    itself, and sleeping inside one request would hide the limit from every other send in flight. `token=""`:
    no token of its own (several workspaces: each call names its workspace's)."""
    if retry_rate_limits:
        handlers = [AsyncConnectionErrorRetryHandler(max_retry_count=CONNECTION_RETRIES),
                    AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)]
    else:
        # The dispatcher's client retries only a connection that was never made: a dropped connection or a
        # timeout after the request left may have posted the message, and retrying it here would hide a
        # possible duplicate from the dispatcher (which retries such a send once, and counts it).
        handlers = [AsyncConnectionErrorRetryHandler(max_retry_count=CONNECTION_RETRIES,
                                                     error_types=[aiohttp.ClientConnectorError])]
    return AsyncWebClient(token=settings.slack_bot_token if token is None else (token or None),
                          base_url=api_base_url(settings),
                          timeout=timeout, retry_handlers=handlers)
