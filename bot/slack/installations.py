"""Bolt's OAuth stores, backed by the bot's database: installations (encrypted bot tokens) and install states.

Bolt runs the whole flow (`/slack/install`, `/slack/oauth_redirect`, `oauth.v2.access`) and authorises every
request by its team through `DatabaseInstallationStore`; its token revocation listeners (`app_uninstalled`,
`tokens_revoked`) call the deletes below, which forget the token and pause the workspace's outbox rows in one
transaction. The storage calls are synchronous (SQLModel): they run in worker threads.

Only a workspace that a connection names may install (`idesluss orgs connect KEY --slack-team T…` first): the
install link of a distributed app works for anyone, and without this gate a stranger's workspace would join the
default organisation while nothing is connected. A refused workspace leaves nothing stored.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_bolt.error import BoltError
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from bot.core.clock import Clock
from bot.core.context import Actor
from storage import slack_installations as store
from storage.db import Database
from storage.models import SlackInstallation, as_utc
from storage.secrets import NoSecretKey, SecretBox

log = logging.getLogger("idesluss.slack")
STATE_SECONDS = 600


class WorkspaceNotConnected(BoltError):
    """The installing workspace belongs to no organisation (and connections exist): nothing is stored."""

    def __init__(self, team_id: str | None, enterprise_id: str | None) -> None:
        super().__init__(f"workspace {team_id or enterprise_id} is connected to no organisation")
        self.team_id = team_id
        self.enterprise_id = enterprise_id


class SecretKeyMissing(BoltError):
    """IDESLUSS_SECRET_KEY is not set: a token is never stored in the clear."""


def _bot(row: SlackInstallation, token: str) -> Bot:
    return Bot(app_id=row.app_id, enterprise_id=row.enterprise_id, enterprise_name=row.enterprise_name,
               team_id=row.team_id, team_name=row.team_name, bot_token=token, bot_id=row.bot_id or "",
               bot_user_id=row.bot_user_id or "", bot_scopes=row.bot_scopes,
               is_enterprise_install=row.is_enterprise_install, installed_at=as_utc(row.installed_at).timestamp())


class DatabaseInstallationStore(AsyncInstallationStore):
    """Installations in the `slack_installation` table, one per workspace (or org-wide Grid install)."""

    def __init__(self, db: Database, box: SecretBox, clock: Clock, *, serves: Callable[[Actor], bool]) -> None:
        self.db = db
        self.box = box
        self.clock = clock
        self.serves = serves  # the core's rule: is the workspace connected to an organisation?
        self._logger = log

    @property
    def logger(self) -> logging.Logger:
        return self._logger

    # -- saving --------------------------------------------------------------------------------------------

    def _save(self, data: store.InstallationData) -> None:
        actor = Actor("slack", data.installer_user_id or "installer", data.team_id or data.enterprise_id,
                      enterprise=data.enterprise_id)
        if not self.serves(actor):
            raise WorkspaceNotConnected(data.team_id, data.enterprise_id)
        try:
            with self.db.session() as session:
                store.save_installation(session, self.box, data, now=self.clock.now())
        except NoSecretKey as exc:
            raise SecretKeyMissing(str(exc)) from exc
        log.info("slack: installed in %s (%s)", data.key, data.team_name or data.enterprise_name or "")

    async def async_save(self, installation: Installation) -> None:
        if not installation.bot_token:
            raise BoltError("the installation has no bot token (the app asks for bot scopes only)")
        await asyncio.to_thread(self._save, store.InstallationData(
            team_id=installation.team_id, enterprise_id=installation.enterprise_id,
            bot_token=installation.bot_token, is_enterprise_install=bool(installation.is_enterprise_install),
            team_name=installation.team_name, enterprise_name=installation.enterprise_name,
            app_id=installation.app_id, bot_id=installation.bot_id, bot_user_id=installation.bot_user_id,
            bot_scopes=",".join(installation.bot_scopes or []), installer_user_id=installation.user_id))

    async def async_save_bot(self, bot: Bot) -> None:
        await asyncio.to_thread(self._save, store.InstallationData(
            team_id=bot.team_id, enterprise_id=bot.enterprise_id, bot_token=bot.bot_token,
            is_enterprise_install=bool(bot.is_enterprise_install), team_name=bot.team_name,
            enterprise_name=bot.enterprise_name, app_id=bot.app_id, bot_id=bot.bot_id, bot_user_id=bot.bot_user_id,
            bot_scopes=",".join(bot.bot_scopes or [])))

    # -- finding -----------------------------------------------------------------------------------------------

    def _find(self, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None
              ) -> tuple[SlackInstallation, str] | None:
        with self.db.session() as session:
            row = store.find_installation(session, enterprise_id=enterprise_id, team_id=team_id,
                                          is_enterprise_install=is_enterprise_install)
        return (row, self.box.decrypt(row.bot_token)) if row is not None else None

    async def async_find_bot(self, *, enterprise_id: str | None, team_id: str | None,
                             is_enterprise_install: bool | None = False) -> Bot | None:
        found = await asyncio.to_thread(self._find, enterprise_id, team_id, is_enterprise_install)
        return _bot(*found) if found else None

    async def async_find_installation(self, *, enterprise_id: str | None, team_id: str | None,
                                      user_id: str | None = None, is_enterprise_install: bool | None = False
                                      ) -> Installation | None:
        if user_id is not None:
            return None  # the app holds no user tokens
        found = await asyncio.to_thread(self._find, enterprise_id, team_id, is_enterprise_install)
        if not found:
            return None
        row, token = found
        return Installation(app_id=row.app_id, enterprise_id=row.enterprise_id, enterprise_name=row.enterprise_name,
                            team_id=row.team_id, team_name=row.team_name, bot_token=token, bot_id=row.bot_id,
                            bot_user_id=row.bot_user_id, bot_scopes=row.bot_scopes, user_id=row.installer_user_id or "",
                            is_enterprise_install=row.is_enterprise_install,
                            installed_at=as_utc(row.installed_at).timestamp())

    # -- forgetting (Bolt's app_uninstalled / tokens_revoked listeners) ------------------------------------------

    def _remove(self, enterprise_id: str | None, team_id: str | None, reason: str) -> None:
        with self.db.session() as session:
            paused = store.remove_installation(session, enterprise_id=enterprise_id, team_id=team_id, reason=reason,
                                               now=self.clock.now())
        log.warning("slack: %s for %s: token removed, %d waiting messages paused until it is installed again",
                    reason, team_id or enterprise_id, paused)

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await asyncio.to_thread(self._remove, enterprise_id, team_id, "tokens_revoked")

    async def async_delete_installation(self, *, enterprise_id: str | None, team_id: str | None,
                                        user_id: str | None = None) -> None:
        if user_id is None:  # a user's own token (none are stored) is revoked: the bot keeps its token
            await asyncio.to_thread(self._remove, enterprise_id, team_id, "app_uninstalled")

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await asyncio.to_thread(self._remove, enterprise_id, team_id, "app_uninstalled")


class DatabaseStateStore(AsyncOAuthStateStore):
    """OAuth `state` values in the database: issued by /slack/install, valid once for ten minutes, on the one
    clock (so several replicas agree and a test's clock decides expiry)."""

    def __init__(self, db: Database, clock: Clock, expiration_seconds: int = STATE_SECONDS) -> None:
        self.db = db
        self.clock = clock
        self.expiration = timedelta(seconds=expiration_seconds)
        self._logger = log

    @property
    def logger(self) -> logging.Logger:
        return self._logger

    def _issue(self) -> str:
        state = secrets.token_urlsafe(32)
        with self.db.session() as session:
            store.issue_state(session, state, now=self.clock.now())
        return state

    def _consume(self, state: str) -> bool:
        with self.db.session() as session:
            return store.consume_state(session, state[:100], now=self.clock.now(), max_age=self.expiration)

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        return await asyncio.to_thread(self._issue)

    async def async_consume(self, state: str) -> bool:
        return await asyncio.to_thread(self._consume, state or "")


class WorkspaceTokens:
    """The outbox sender's token for a row's workspace: the installation's (decrypted), or None."""

    def __init__(self, db: Database, box: SecretBox) -> None:
        self.db = db
        self.box = box

    def _token(self, workspace: str | None) -> str | None:
        with self.db.session() as session:
            row = store.find_by_workspace(session, workspace)
        return self.box.decrypt(row.bot_token) if row is not None else None

    async def __call__(self, workspace: str | None) -> str | None:
        return await asyncio.to_thread(self._token, workspace)
