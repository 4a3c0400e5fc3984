"""Teams in several tenants: one single-tenant Azure Bot registration per tenant, each with its own msal app.

Microsoft no longer creates multi-tenant bots, so a deployment serving several municipalities holds several
registrations: the one in the environment (TEAMS_APP_ID, TEAMS_APP_PASSWORD, TEAMS_TENANT_ID) and those an operator
stored with `idesluss orgs connect KEY --teams-tenant … --teams-app-id …` (secret or certificate, encrypted).

Inbound, a token is accepted only when its audience is one of these app ids (then checked completely against that
registration: bot.teams.auth) and the activity's tenant is that registration's tenant. Outbound, each tenant's
messages get their token from its own registration's authority. Registrations added while the bot runs are found
on the first activity for them (the database is read again at most every RELOAD_SECONDS).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt
from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings
from bot.teams.auth import AuthError, BotFrameworkAuthenticator, OpenIdKeySet, tenant_issuers
from bot.teams.connector import ConnectorClient
from bot.teams.references import tenant_of
from bot.teams.tokens import BotTokenProvider
from storage.db import Database
from storage.secrets import SecretBox
from storage.teams_registrations import Credentials, all_registrations, credentials

log = logging.getLogger(__name__)
RELOAD_SECONDS = 30.0


class TenantMismatch(AuthError):
    """A genuine token for one registration, on an activity from another tenant (403)."""

    status_code = 403


@dataclass(slots=True)
class Registration:
    app_id: str
    tenant_id: str | None  # None only for the environment's registration without TEAMS_TENANT_ID
    tokens: BotTokenProvider
    connector: ConnectorClient
    authenticator: BotFrameworkAuthenticator
    dispatcher_connector: ConnectorClient = field(init=False)

    def __post_init__(self) -> None:
        self.dispatcher_connector = self.connector.for_dispatcher()

    @property
    def bot_id(self) -> str:
        return f"28:{self.app_id}"


class Registrations:
    """Every registration this deployment answers as, by app id and by tenant."""

    def __init__(self, settings: Settings, http: Callable[[], Any], keys: OpenIdKeySet, *, db: Database | None = None,
                 box: SecretBox | None = None, connector_options: dict[str, object] | None = None,
                 clock: Callable[[], float] = time.monotonic, reload_seconds: float = RELOAD_SECONDS) -> None:
        self.settings = settings
        self.http = http
        self.keys = keys
        self.db = db
        self.box = box
        self.connector_options = dict(connector_options or {})
        self.clock = clock
        self.reload_seconds = reload_seconds
        self._by_app: dict[str, Registration] = {}
        self._loaded_at: float | None = None
        self._lock = threading.Lock()  # the web app and the dispatcher may run on different event loops
        self.environment: Registration | None = None
        if settings.teams_app_id and settings.teams_app_password:
            self.environment = self._build(Credentials(settings.teams_app_id, settings.teams_tenant_id or "",
                                                       secret=settings.teams_app_password),
                                           authority=settings.teams_authority_url)
            self._by_app[self.environment.app_id] = self.environment
        self.load()

    def _build(self, cred: Credentials, *, authority: str) -> Registration:
        secret: str | dict[str, str] = cred.secret or ""
        if cred.private_key:
            secret = {"private_key": cred.private_key, "thumbprint": cred.thumbprint or ""}
        tokens = BotTokenProvider(cred.app_id, secret, authority, self.settings.teams_token_scope)
        connector = ConnectorClient(self.http, tokens, **self.connector_options)  # type: ignore[arg-type]
        authenticator = BotFrameworkAuthenticator(cred.app_id, self.keys,
                                                  issuers=tenant_issuers(cred.tenant_id or None))
        return Registration(cred.app_id, cred.tenant_id or None, tokens, connector, authenticator)

    def load(self) -> None:
        """Read the database's registrations (blocking); an unchanged one keeps its msal app and token cache."""
        self._loaded_at = self.clock()
        if self.db is None:
            return
        try:
            with self.db.session() as session:
                rows = all_registrations(session)
        except SQLAlchemyError as exc:  # the database is down: keep what we have, read it again later
            log.warning("teams: could not read the stored registrations (%s); trying again in %.0f s",
                        type(exc).__name__, self.reload_seconds)
            return
        if rows and (self.box is None or not self.box.configured):
            raise SystemExit("The database holds Teams registrations whose secrets are encrypted: set "
                             "IDESLUSS_SECRET_KEY (the key they were stored with).")
        host = self.settings.teams_authority_host.rstrip("/")
        found: dict[str, Registration] = {}
        for row in rows:
            current = self._by_app.get(row.app_id)
            if current is not None and current.tenant_id == row.tenant_id and current is not self.environment:
                found[row.app_id] = current
                continue
            assert self.box is not None
            found[row.app_id] = self._build(credentials(self.box, row), authority=f"{host}/{row.tenant_id}")
        if self.environment is not None:
            found.setdefault(self.environment.app_id, self.environment)
        self._by_app = found

    def _reload(self) -> None:
        with self._lock:
            if self._loaded_at is None or self.clock() - self._loaded_at >= self.reload_seconds:
                self.load()

    async def _reload_if_due(self) -> None:
        if self._loaded_at is not None and self.clock() - self._loaded_at < self.reload_seconds:
            return
        await asyncio.to_thread(self._reload)

    def all(self) -> list[Registration]:
        return list(self._by_app.values())

    async def by_app(self, app_id: str) -> Registration | None:
        found = self._by_app.get(app_id)
        if found is None:
            await self._reload_if_due()  # an operator may have added it since
            found = self._by_app.get(app_id)
        return found

    async def by_tenant(self, tenant_id: str | None) -> Registration | None:
        """The registration that speaks for the tenant; without a tenant (or an unknown one), the environment's."""
        if tenant_id:
            for registration in self._by_app.values():
                if registration.tenant_id == tenant_id:
                    return registration
            await self._reload_if_due()
            for registration in self._by_app.values():
                if registration.tenant_id == tenant_id:
                    return registration
        return self.environment or (self.all()[0] if len(self._by_app) == 1 else None)


class TeamsAuthenticator:
    """Picks the registration by the token's audience, validates the token completely against it, then requires
    the activity's tenant to be that registration's. Returns the registration the activity is for."""

    def __init__(self, registrations: Registrations) -> None:
        self.registrations = registrations

    async def authenticate(self, authorization: str | None, activity: dict[str, Any], *,
                           peer: str | None = None) -> Registration:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError("missing bearer token")
        try:  # only to choose whom to check against: the full check below verifies the audience again
            unverified = jwt.decode(token.strip(), options={"verify_signature": False})
        except jwt.InvalidTokenError as exc:
            raise AuthError("malformed token") from exc
        audiences = unverified.get("aud")
        audiences = audiences if isinstance(audiences, list) else [audiences]
        registration = None
        for audience in audiences:
            if isinstance(audience, str):
                registration = await self.registrations.by_app(audience)
                if registration is not None:
                    break
        if registration is None:
            raise AuthError("the token's audience is none of the configured app ids")
        await registration.authenticator.authenticate(authorization, activity)
        tenant = tenant_of(activity)
        if registration.tenant_id and tenant and tenant != registration.tenant_id:
            raise TenantMismatch(f"a token for app {registration.app_id} (tenant {registration.tenant_id}) "
                                 f"on an activity from tenant {tenant}")
        return registration
