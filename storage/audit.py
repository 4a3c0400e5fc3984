"""The audit trail: every act that changes who may see or do what, or that reveals identities.

Append-only. `record` inserts, `entries` reads; there is no update or delete here, and the database refuses
both (triggers, migration 0005_records). Callers name people by their internal person id (`actor_id`,
`subject_id`) and put codes and counts in `detail`, never a name or a platform id: then erasing a person
rewrites nothing here, and the trail shows them as "Tidigare medarbetare" from then on.

Other features record their own acts through `record(session, action=…, now=…)`, in the same transaction
as the act itself, so an act and its audit row land together or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.models import AuditEntry

# The acts recorded today. Other branches add their own names (any short dotted string is accepted).
ROLE_GRANT = "role.grant"
ROLE_REVOKE = "role.revoke"
STAGE_CHANGE = "idea.stage"
OWNER_CHANGE = "idea.owner"  # "Ta ansvar": the responsible coach may reveal an anonymous author
IDENTITY_REVEAL = "identity.reveal"
NAME_CONSENT = "idea.name_consent"
IDEAS_EXPORT = "ideas.export"
PERSON_EXPORT = "person.export"
PERSON_ERASE = "person.erase"
RETENTION_RUN = "retention.run"
ORG_SETTING = "org.setting"

CLI, SCHEDULER = "cli", "scheduler"

DetailValue = str | int | float | bool | None | list[str] | list[int]


class UnsafeDetail(ValueError):
    """`detail` may only hold codes, numbers and flags (names belong nowhere in the trail)."""


def _detail_json(detail: Mapping[str, DetailValue] | None) -> str:
    for key, value in (detail or {}).items():
        values = value if isinstance(value, list) else [value]
        if not all(v is None or isinstance(v, str | int | float | bool) for v in values):
            raise UnsafeDetail(key)
    return json.dumps(dict(detail or {}), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def record(session: Session, *, action: str, now: datetime, via: str, org_id: int | None = None,
           actor_id: int | None = None, subject_id: int | None = None, idea_id: int | None = None,
           operator: str | None = None, detail: Mapping[str, DetailValue] | None = None) -> AuditEntry:
    """Append one entry in the caller's transaction."""
    entry = AuditEntry(at=now, org_id=org_id, action=action[:50], actor_id=actor_id, via=via[:20],
                       operator=(operator or None) and operator[:200], subject_id=subject_id, idea_id=idea_id,
                       detail=_detail_json(detail))
    session.add(entry)
    session.flush()
    return entry


def entries(session: Session, *, since: datetime | None = None, org_id: int | None = None,
            actions: tuple[str, ...] = (), limit: int | None = None) -> list[AuditEntry]:
    """The trail, oldest first (optionally from `since`, for one organisation, for some actions)."""
    query = select(AuditEntry).order_by(col(AuditEntry.at), col(AuditEntry.id))
    if since is not None:
        query = query.where(col(AuditEntry.at) >= since)
    if org_id is not None:
        query = query.where(AuditEntry.org_id == org_id)
    if actions:
        query = query.where(col(AuditEntry.action).in_(actions))
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query).all())


def about_person(session: Session, person_id: int) -> list[AuditEntry]:
    """Entries where the person acted or was acted upon (for their register extract)."""
    query = (select(AuditEntry).where((AuditEntry.actor_id == person_id) | (AuditEntry.subject_id == person_id))
             .order_by(col(AuditEntry.at), col(AuditEntry.id)))
    return list(session.exec(query).all())


def last_at(session: Session, action: str) -> datetime | None:
    """When `action` was last recorded (the scheduler asks when retention last ran)."""
    return session.exec(select(func.max(AuditEntry.at)).where(AuditEntry.action == action)).one()


def detail_of(entry: AuditEntry) -> dict[str, DetailValue]:
    try:
        data = json.loads(entry.detail or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
