"""The bot's own token for the Bot Connector, from msal's client-credentials flow.

msal is synchronous (it uses requests), so every call runs in a worker thread: a slow token endpoint
must never stall the event loop that answers Teams. msal caches the token and renews it before expiry.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import msal

from bot.core.delivery import DeliveryError

DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com/"


class TokenError(DeliveryError):
    """msal could not get a token (wrong secret, tenant, or the endpoint is down): nothing can be sent.

    A DeliveryError, so the outbox tries again later (a fixed secret or a recovered endpoint helps).
    """


class BotTokenProvider:
    """The bot's token from one registration's authority. `password` is its client secret, or a dict with the
    certificate's `private_key` (PEM) and `thumbprint` (msal signs a client assertion with it)."""

    def __init__(self, app_id: str, password: str | dict[str, str], authority: str, scope: str, *,
                 http_client: Any | None = None) -> None:
        self.app_id = app_id
        self._password = password
        self.authority = authority
        self.scope = scope
        self._http_client = http_client
        self._app: msal.ConfidentialClientApplication | None = None
        self._lock = threading.Lock()

    def _client(self) -> msal.ConfidentialClientApplication:
        # Built lazily and in a worker thread: msal does tenant discovery over the network when it starts.
        with self._lock:
            if self._app is None:
                kwargs: dict[str, Any] = {}
                if not self.authority.startswith(DEFAULT_AUTHORITY_HOST):
                    # Sovereign clouds and local stand-ins are not in msal's list of known authorities.
                    kwargs.update(validate_authority=False, instance_discovery=False)
                if self._http_client is not None:
                    kwargs["http_client"] = self._http_client
                self._app = msal.ConfidentialClientApplication(
                    self.app_id, client_credential=self._password, authority=self.authority,
                    token_cache=msal.TokenCache(), **kwargs)
            return self._app

    def acquire(self) -> str:
        """Blocking: a valid access token, from msal's cache when it has one."""
        try:
            result = self._client().acquire_token_for_client(scopes=[self.scope])
        except (ValueError, OSError) as exc:  # msal raises ValueError for discovery failures
            raise TokenError(str(exc)) from exc
        token = result.get("access_token") if isinstance(result, dict) else None
        if not token:
            detail = result.get("error_description") or result.get("error") if isinstance(result, dict) else result
            raise TokenError(f"no token for {self.scope}: {detail}")
        return str(token)

    async def token(self) -> str:
        return await asyncio.to_thread(self.acquire)
