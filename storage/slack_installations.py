"""Slack workspaces that installed the app through OAuth, their (encrypted) bot tokens, and install states.

`key` is what a request is authorised by: the team id, or for an org-wide Enterprise Grid install (which
arrives without a team) the enterprise id. Removing an installation pauses the workspace's outbox rows in the
same transaction; a new installation resumes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, select

from storage import outbox
from storage.db import insert_for
from storage.models import SlackInstallation, SlackOAuthState, as_utc
from storage.secrets import SecretBox


@dataclass(slots=True)
class InstallationData:
    team_id: str | None
    enterprise_id: str | None
    bot_token: str  # plain: encrypted here before it is written
    is_enterprise_install: bool = False
    team_name: str | None = None
    enterprise_name: str | None = None
    app_id: str | None = None
    bot_id: str | None = None
    bot_user_id: str | None = None
    bot_scopes: str = ""
    installer_user_id: str | None = None

    @property
    def key(self) -> str:
        return installation_key(self.enterprise_id, self.team_id, self.is_enterprise_install)


def installation_key(enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None) -> str:
    if (is_enterprise_install or not team_id) and enterprise_id:
        return enterprise_id
    return team_id or enterprise_id or ""


def save_installation(session: Session, box: SecretBox, data: InstallationData, *, now: datetime) -> SlackInstallation:
    """Insert or replace the workspace's installation (a reinstall brings a new token) and resume its messages.
    Raises NoSecretKey without IDESLUSS_SECRET_KEY: a token is never stored in the clear."""
    token = box.encrypt(data.bot_token)
    values = {
        "key": data.key, "team_id": data.team_id, "team_name": data.team_name, "enterprise_id": data.enterprise_id,
        "enterprise_name": data.enterprise_name, "is_enterprise_install": data.is_enterprise_install,
        "app_id": data.app_id, "bot_id": data.bot_id, "bot_user_id": data.bot_user_id,
        "bot_scopes": data.bot_scopes or "", "bot_token": token, "installer_user_id": data.installer_user_id,
        "installed_at": now, "updated_at": now,
    }
    changes = {k: v for k, v in values.items() if k not in ("key", "installed_at")}
    session.execute(insert_for(session, SlackInstallation).values(**values)
                    .on_conflict_do_update(index_elements=["key"], set_=changes))
    outbox.resume_workspace(session, "slack", data.key, now=now)
    if data.team_id and data.team_id != data.key:
        outbox.resume_workspace(session, "slack", data.team_id, now=now)
    row = session.exec(select(SlackInstallation).where(SlackInstallation.key == data.key)).one()
    return row


def find_installation(session: Session, *, enterprise_id: str | None, team_id: str | None,
                      is_enterprise_install: bool | None = False) -> SlackInstallation | None:
    """The installation that authorises a request from this team (or, failing that, its Grid organisation)."""
    keys = [installation_key(enterprise_id, team_id, is_enterprise_install)]
    if enterprise_id and enterprise_id not in keys:
        keys.append(enterprise_id)  # a workspace of an org-wide install
    for key in keys:
        row = session.exec(select(SlackInstallation).where(SlackInstallation.key == key)).first()
        if row is not None:
            return row
    return None


def find_by_workspace(session: Session, workspace: str | None) -> SlackInstallation | None:
    """The installation for an outbox row's workspace (a team id, or an enterprise id). A workspace of an
    Enterprise Grid installed org-wide has no installation of its own: then the Grid's, if there is exactly one
    org-wide installation. Without a workspace, the only installation there is, if there is exactly one."""
    if workspace:
        row = session.exec(select(SlackInstallation).where(SlackInstallation.key == workspace)).first()
        if row is None:
            row = session.exec(select(SlackInstallation).where(SlackInstallation.team_id == workspace)).first()
        if row is None:
            grids = session.exec(select(SlackInstallation).where(col(SlackInstallation.is_enterprise_install)
                                                                  .is_(True)).limit(2)).all()
            row = grids[0] if len(grids) == 1 else None
        return row
    rows = session.exec(select(SlackInstallation).limit(2)).all()
    return rows[0] if len(rows) == 1 else None


def remove_installation(session: Session, *, enterprise_id: str | None, team_id: str | None, reason: str,
                        now: datetime) -> int:
    """Forget the workspace's token (uninstalled, or its bot token revoked) and pause its messages. Returns how many
    waiting messages were paused."""
    key = installation_key(enterprise_id, team_id, None)
    session.execute(delete(SlackInstallation).where(col(SlackInstallation.key) == key))
    paused = outbox.pause_workspace(session, "slack", key, reason=reason, now=now)
    if team_id and team_id != key:
        paused += outbox.pause_workspace(session, "slack", team_id, reason=reason, now=now)
    return paused


def all_installations(session: Session) -> list[SlackInstallation]:
    return list(session.exec(select(SlackInstallation).order_by(col(SlackInstallation.installed_at))).all())


def rotate_tokens(session: Session, box: SecretBox) -> int:
    """Encrypt every stored token with the newest key (after a key rotation)."""
    rows = all_installations(session)
    for row in rows:
        row.bot_token = box.rotate(row.bot_token)
        session.add(row)
    session.flush()
    return len(rows)


# -- OAuth states ----------------------------------------------------------------------------------------


def issue_state(session: Session, state: str, *, now: datetime) -> None:
    session.add(SlackOAuthState(state=state, created_at=now))
    session.flush()


def consume_state(session: Session, state: str, *, now: datetime, max_age: timedelta) -> bool:
    """True once for a state issued within `max_age`; the state is gone afterwards (and old ones with it)."""
    session.execute(delete(SlackOAuthState).where(col(SlackOAuthState.created_at) < now - max_age - max_age))
    row = session.get(SlackOAuthState, state)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return as_utc(row.created_at) >= now - max_age

