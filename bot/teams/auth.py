"""Inbound security: every activity carries a Bot Framework JWT, validated completely before anything runs.

The signing keys come from the OpenID metadata (`TEAMS_OPENID_METADATA_URL` → `jwks_uri`), cached and
refreshed at least daily and whenever an unknown `kid` shows up (Microsoft rolls keys without notice).
Besides signature, issuer, audience and lifetime, two Bot Framework specific checks matter: the token's
`serviceurl` claim must equal the activity's `serviceUrl` (else a valid token could aim the bot's own
outbound token at an attacker's URL), and the key must be endorsed for the activity's `channelId`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt

log = logging.getLogger(__name__)

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
CLOCK_SKEW_SECONDS = 300
KEY_REFRESH_SECONDS = 24 * 3600
# An unknown kid triggers a refetch, but not more often than this: forged tokens must not hammer Microsoft.
UNKNOWN_KID_REFETCH_SECONDS = 60


class AuthError(Exception):
    """The request is not from the Bot Framework channel (401)."""

    status_code = 401


class EndorsementError(AuthError):
    """A genuine key, but not endorsed for the activity's channel (403)."""

    status_code = 403


class KeysUnavailable(AuthError):
    """The signing keys could not be fetched at all (503): the channel retries, the message is not lost."""

    status_code = 503


@dataclass(slots=True)
class SigningKey:
    kid: str
    key: Any  # a cryptography public key
    endorsements: list[str] = field(default_factory=list)


def tenant_issuers(tenant_id: str | None) -> list[str]:
    """The issuers of a single-tenant bot: the Bot Framework plus the tenant's Entra issuers."""
    issuers = [BOT_FRAMEWORK_ISSUER]
    if tenant_id:
        issuers += [f"https://sts.windows.net/{tenant_id}/", f"https://login.microsoftonline.com/{tenant_id}/v2.0"]
    return issuers


class OpenIdKeySet:
    """Signing keys from OpenID metadata, cached; refreshed daily and on an unknown kid."""

    def __init__(self, metadata_url: str, http: Callable[[], httpx.AsyncClient], *,
                 refresh_seconds: float = KEY_REFRESH_SECONDS,
                 unknown_kid_refetch_seconds: float = UNKNOWN_KID_REFETCH_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.metadata_url = metadata_url
        self._http = http
        self._refresh_seconds = refresh_seconds
        self._unknown_kid_refetch_seconds = unknown_kid_refetch_seconds
        self._clock = clock
        self._keys: dict[str, SigningKey] = {}
        self._fetched_at: float | None = None
        self._retry_at = 0.0  # after a failed refresh (old keys kept): not before this
        self._lock = asyncio.Lock()
        self.fetch_count = 0
        self.attempts = 0

    async def get(self, kid: str) -> SigningKey | None:
        now = self._clock()
        age = None if self._fetched_at is None else now - self._fetched_at
        stale = age is None or age >= self._refresh_seconds
        rotated = age is not None and kid not in self._keys and age >= self._unknown_kid_refetch_seconds
        if (stale or rotated) and now >= self._retry_at:
            await self._refresh(expected_fetch=self._fetched_at)
        return self._keys.get(kid)

    async def _refresh(self, expected_fetch: float | None) -> None:
        async with self._lock:
            if self._fetched_at != expected_fetch:  # another request refreshed while we waited
                return
            client = self._http()
            self.attempts += 1
            try:
                metadata = (await client.get(self.metadata_url)).raise_for_status().json()
                jwks = (await client.get(metadata["jwks_uri"])).raise_for_status().json()
            except (httpx.HTTPError, KeyError, ValueError) as exc:
                log.warning("teams: could not fetch signing keys from %s: %s", self.metadata_url, exc)
                if not self._keys:
                    raise KeysUnavailable("signing keys unavailable") from exc
                # Keep the old keys, and do not make every request wait on a dead endpoint: try again later.
                self._retry_at = self._clock() + self._unknown_kid_refetch_seconds
                return
            keys: dict[str, SigningKey] = {}
            for entry in jwks.get("keys", []):
                if entry.get("kty") != "RSA" or not entry.get("kid"):
                    continue
                try:
                    public_key = jwt.PyJWK(entry, algorithm="RS256").key
                except jwt.PyJWKError:
                    continue
                keys[entry["kid"]] = SigningKey(entry["kid"], public_key, list(entry.get("endorsements") or []))
            self._keys = keys
            self._fetched_at = self._clock()
            self.fetch_count += 1


class BotFrameworkAuthenticator:
    """Validates `Authorization: Bearer <jwt>` against an activity; returns the claims or raises AuthError."""

    def __init__(self, app_id: str, keys: OpenIdKeySet, *, issuers: Sequence[str],
                 leeway: int = CLOCK_SKEW_SECONDS) -> None:
        self.app_id = app_id
        self.keys = keys
        self.issuers = list(issuers)
        self.leeway = leeway

    async def authenticate(self, authorization: str | None, activity: dict[str, Any], *,
                           peer: str | None = None) -> dict[str, Any]:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError("missing bearer token")
        token = token.strip()
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise AuthError("malformed token") from exc
        if header.get("alg") != "RS256":
            raise AuthError("token not signed with RS256")
        kid = header.get("kid")
        key = await self.keys.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise AuthError("unknown signing key")
        try:
            claims = jwt.decode(
                token, key.key, algorithms=["RS256"], audience=self.app_id, issuer=self.issuers,
                leeway=self.leeway, options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.InvalidTokenError as exc:
            raise AuthError(f"invalid token: {exc}") from exc
        service_url = activity.get("serviceUrl")
        if not isinstance(service_url, str) or not _same_url(claims.get("serviceurl"), service_url):
            raise AuthError("serviceurl claim does not match the activity")
        channel_id = activity.get("channelId")
        if not channel_id or channel_id not in key.endorsements:
            raise EndorsementError(f"key {kid} not endorsed for channel {channel_id!r}")
        return claims


def _same_url(claim: Any, service_url: str) -> bool:
    return isinstance(claim, str) and claim.rstrip("/") == service_url.rstrip("/")
