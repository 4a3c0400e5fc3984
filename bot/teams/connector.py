"""The Bot Connector REST client: send, reply, create a 1:1 chat.

Base URL is the activity's `serviceUrl`, treated as opaque and only ever taken from a verified activity
or a reference stored from one: the bot's token goes nowhere else. Throttling answers (429, 412, 502,
504) are retried with exponential backoff and jitter, honouring `Retry-After`; a blocked conversation
(403 `MessageWritesBlocked`) is permanent and never retried.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any, Protocol
from urllib.parse import quote

import httpx

from bot.core.delivery import DeliveryError, PermanentDeliveryError, RateLimited

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({412, 429, 502, 504})
# Not worth retrying now, but not hopeless: a rejected token (fix the secret) or a timeout. The outbox retries.
LATER_STATUSES = frozenset({401, 408})


class TokenSource(Protocol):
    async def token(self) -> str: ...


class MessageWritesBlocked(PermanentDeliveryError):
    """The user blocked the bot or removed the app: messages to this conversation will never arrive."""


class ConnectorClient:
    def __init__(self, http: Callable[[], httpx.AsyncClient], tokens: TokenSource, *, max_attempts: int = 5,
                 base_delay: float = 0.5, max_delay: float = 30.0,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 jitter: Callable[[], float] = random.random, retry_429: bool = True,
                 loopback_only: bool = False) -> None:
        self._http = http
        self._tokens = tokens
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._sleep = sleep
        self._jitter = jitter
        # The outbox dispatcher paces a throttled conversation itself: for it a 429 is raised at once.
        self.retry_429 = retry_429
        # `serve --teams-local`: the connector is the Agents Playground on this machine, over plain http.
        self.loopback_only = loopback_only

    async def send(self, service_url: str, conversation_id: str, activity: dict[str, Any]) -> str | None:
        """Post a new activity to a conversation; returns the new activity's id."""
        url = f"{self._base(service_url)}v3/conversations/{quote(conversation_id, safe='')}/activities"
        return (await self._request("POST", url, activity)).get("id")

    async def reply(self, service_url: str, conversation_id: str, reply_to_id: str,
                    activity: dict[str, Any]) -> str | None:
        """Reply to an activity (in a channel this lands in the message's thread)."""
        url = (f"{self._base(service_url)}v3/conversations/{quote(conversation_id, safe='')}"
               f"/activities/{quote(reply_to_id, safe='')}")
        return (await self._request("POST", url, {**activity, "replyToId": reply_to_id})).get("id")

    def for_dispatcher(self) -> ConnectorClient:
        """The same client (HTTP, tokens) for the outbox dispatcher: one attempt, errors raised at once, since
        the dispatcher owns retries, backoff and rate pauses (retrying here too would hold the claimed row
        and a send slot, and multiply the attempts)."""
        return ConnectorClient(self._http, self._tokens, max_attempts=1, base_delay=self.base_delay,
                               max_delay=self.max_delay, sleep=self._sleep, jitter=self._jitter, retry_429=False,
                               loopback_only=self.loopback_only)

    async def create_personal_conversation(self, service_url: str, *, bot_id: str, member_id: str,
                                           tenant_id: str | None) -> str:
        """Open (or find) the 1:1 chat with a member; Teams returns the same id for an existing chat."""
        body: dict[str, Any] = {"bot": {"id": bot_id}, "members": [{"id": member_id}], "isGroup": False}
        if tenant_id:
            body["channelData"] = {"tenant": {"id": tenant_id}}
            body["tenantId"] = tenant_id
        result = await self._request("POST", f"{self._base(service_url)}v3/conversations", body)
        if not result.get("id"):
            raise DeliveryError("createConversation returned no id")
        return str(result["id"])

    async def _request(self, method: str, url: str, body: dict[str, Any]) -> dict[str, Any]:
        token = await self._tokens.token()
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        last_error: DeliveryError = DeliveryError("not attempted")
        for attempt in range(1, self.max_attempts + 1):
            try:
                response = await self._http().request(method, url, json=body, headers=headers)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                last_error = DeliveryError(f"{method} {url}: {exc!r}")  # never reached Teams: safe to retry
                retry_after = None
            except httpx.TransportError as exc:
                if method == "POST":  # Teams may have posted it already: retrying here could post it twice
                    raise DeliveryError(f"{method} {url}: {exc!r}") from exc
                last_error = DeliveryError(f"{method} {url}: {exc!r}")
                retry_after = None
            else:
                if response.status_code < 300:
                    return _json(response)
                if response.status_code == 403 and "MessageWritesBlocked" in response.text:
                    raise MessageWritesBlocked(f"{method} {url}: 403 MessageWritesBlocked")
                retry_after = _retry_after(response)
                if response.status_code not in RETRY_STATUSES:
                    error = f"{method} {url}: {response.status_code} {response.text[:300]}"
                    if 400 <= response.status_code < 500 and response.status_code not in LATER_STATUSES:
                        raise PermanentDeliveryError(error)
                    raise DeliveryError(error)
                wait = retry_after if retry_after is not None else self.base_delay
                last_error = (RateLimited(wait, f"{method} {url}: 429")
                              if response.status_code == 429
                              else DeliveryError(f"{method} {url}: {response.status_code}"))
            if attempt == self.max_attempts or (isinstance(last_error, RateLimited) and not self.retry_429):
                break
            delay = self._backoff(attempt, retry_after)
            log.info("teams connector: %s, retry %d in %.2fs", last_error, attempt, delay)
            await self._sleep(delay)
        raise last_error

    def _base(self, service_url: str) -> str:
        """The connector's base URL: https only — or, with `--teams-local`, a loopback address and nothing else,
        so the bot's messages can never leave the machine in that mode."""
        if self.loopback_only:
            from bot.teams.local import is_loopback_url

            if not is_loopback_url(service_url):
                raise PermanentDeliveryError(f"--teams-local refuses a non-loopback serviceUrl: {service_url!r}")
        elif not service_url.startswith("https://"):
            raise PermanentDeliveryError(f"refusing a non-https serviceUrl: {service_url!r}")
        return service_url if service_url.endswith("/") else service_url + "/"

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_delay)
        exponential = self.base_delay * 2 ** (attempt - 1)
        return min(self.max_delay, exponential * (0.5 + self._jitter()))


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: rare from the connector; fall back to our own backoff


def _json(response: httpx.Response) -> dict[str, Any]:
    if not response.content:
        return {}
    try:
        data = response.json()
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}
