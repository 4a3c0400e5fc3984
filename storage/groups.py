"""Pilot groups: members, schedule, channel and their own prompts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, col, delete, select

from storage.models import GroupMember, GroupPrompt, Person, PilotGroup
from storage.text import clean_text


class GroupExists(ValueError):
    """A group with that name exists in the organisation already."""


def get_group(session: Session, org_id: int, name: str) -> PilotGroup | None:
    return session.exec(select(PilotGroup).where(PilotGroup.org_id == org_id, PilotGroup.name == name)).first()


def find_group(session: Session, name: str) -> PilotGroup | None:
    """A group by name in any organisation (the command line knows names, not organisations)."""
    return session.exec(select(PilotGroup).where(PilotGroup.name == name).order_by(col(PilotGroup.id))).first()


def create_group(session: Session, org_id: int, name: str, *, schedule_day: str = "mon", schedule_time: str = "09:00",
                 timezone: str = "Europe/Stockholm", slack_channel: str | None = None,
                 teams_conversation: str | None = None, dm_members: bool = False, now: datetime) -> PilotGroup:
    name = clean_text(name)
    if get_group(session, org_id, name) is not None:
        raise GroupExists(name)
    group = PilotGroup(org_id=org_id, name=name, schedule_day=schedule_day, schedule_time=schedule_time,
                       timezone=timezone, slack_channel=slack_channel or None,
                       teams_conversation=teams_conversation or None, dm_members=dm_members, created_at=now)
    session.add(group)
    session.flush()
    return group


def all_groups(session: Session, org_id: int | None = None) -> list[PilotGroup]:
    query = select(PilotGroup).order_by(col(PilotGroup.org_id), col(PilotGroup.name))
    if org_id is not None:
        query = query.where(PilotGroup.org_id == org_id)
    return list(session.exec(query).all())


def add_members(session: Session, group: PilotGroup, people: Iterable[Person], *, now: datetime) -> int:
    """Add people not yet in the group; returns how many were new."""
    present = set(session.exec(select(GroupMember.person_id).where(GroupMember.group_id == group.id)).all())
    added = 0
    for person in people:
        if person.id not in present:
            session.add(GroupMember(group_id=group.id, person_id=person.id, created_at=now))
            present.add(person.id)
            added += 1
    session.flush()
    return added


def remove_members(session: Session, group: PilotGroup, people: Iterable[Person]) -> int:
    ids = [p.id for p in people]
    if not ids:
        return 0
    result = session.execute(delete(GroupMember).where(col(GroupMember.group_id) == group.id,
                                                       col(GroupMember.person_id).in_(ids)))
    return int(result.rowcount or 0)


def members(session: Session, group_id: int) -> list[Person]:
    query = (select(Person).join(GroupMember, col(GroupMember.person_id) == Person.id)
             .where(GroupMember.group_id == group_id).order_by(col(Person.id)))
    return list(session.exec(query).all())


def member_counts(session: Session) -> dict[int, int]:
    from sqlalchemy import func

    rows = session.exec(select(GroupMember.group_id, func.count()).group_by(GroupMember.group_id)).all()
    return {group_id: n for group_id, n in rows}


def group_ids(session: Session, org_id: int) -> set[int]:
    """The ids of the organisation's pilot groups."""
    return set(session.exec(select(PilotGroup.id).where(PilotGroup.org_id == org_id)).all())


def groups_holding(author_groups: Iterable[int], nudge_group: int | None, own: set[int]) -> set[int]:
    """The organisation's groups an idea counts in: its author's (from `memberships`) and its nudge's, when that
    is one of the organisation's own groups (`own`)."""
    held = set(author_groups)
    if nudge_group in own:
        held.add(nudge_group)  # type: ignore[arg-type]
    return held


def memberships(session: Session, org_id: int) -> dict[int, set[int]]:
    """person id -> the ids of their groups, for a whole organisation in one query."""
    query = (select(GroupMember.person_id, GroupMember.group_id)
             .join(PilotGroup, col(PilotGroup.id) == GroupMember.group_id).where(PilotGroup.org_id == org_id))
    result: dict[int, set[int]] = {}
    for person_id, group_id in session.exec(query).all():
        result.setdefault(person_id, set()).add(group_id)
    return result


def add_prompt(session: Session, group: PilotGroup, text: str, *, now: datetime) -> GroupPrompt:
    prompt = GroupPrompt(group_id=group.id, text=clean_text(text)[:500], created_at=now)
    session.add(prompt)
    session.flush()
    return prompt


def prompts(session: Session, group_id: int) -> list[str]:
    query = select(GroupPrompt.text).where(GroupPrompt.group_id == group_id).order_by(col(GroupPrompt.id))
    return list(session.exec(query).all())
