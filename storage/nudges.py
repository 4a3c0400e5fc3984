"""Nudges: the weekly prompt a pilot group got, where it went, and who engaged with it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, func, update
from sqlmodel import Session, col, select

from storage.db import Prepared, as_loaded, insert_for
from storage.models import GroupMember, Idea, Nudge, NudgeDelivery, NudgeEngagement, Person

ANSWERED, REPLIED, REACTED, SKIPPED = "answered", "replied", "reacted", "skipped"
ENGAGEMENTS = (ANSWERED, REPLIED, REACTED, SKIPPED)


def get_or_create_nudge(session: Session, *, group_id: int, org_id: int, local_date: str, week: str,
                        prompt_sv: str, prompt_en: str, manual: bool, now: datetime) -> Nudge:
    """The group's nudge of that local day; a second call (rerun, second replica) returns the same row."""
    key = f"{group_id}:{local_date}"
    session.execute(insert_for(session, Nudge).values(
        key=key, group_id=group_id, org_id=org_id, week=week, local_date=local_date, prompt_sv=prompt_sv,
        prompt_en=prompt_en, manual=manual, created_at=now).on_conflict_do_nothing(index_elements=["key"]))
    return session.exec(select(Nudge).where(Nudge.key == key)).one()


def add_delivery(session: Session, nudge: Nudge, *, outbox_key: str, kind: str, platform: str,
                 person_id: int | None, now: datetime) -> None:
    session.execute(insert_for(session, NudgeDelivery).values(
        nudge_id=nudge.id, outbox_key=outbox_key, kind=kind, person_id=person_id, platform=platform,
        created_at=now).on_conflict_do_nothing(index_elements=["outbox_key"]))


def record_sent(session: Session, outbox_key: str, message_ref: str | None) -> None:
    """The dispatcher tells us the platform's id of a sent nudge: reactions and replies on it find it."""
    if message_ref:
        session.execute(update(NudgeDelivery).where(col(NudgeDelivery.outbox_key) == outbox_key)
                        .values(message_ref=message_ref))


def nudge_for_message(session: Session, platform: str, message_ref: str) -> Nudge | None:
    query = (select(Nudge).join(NudgeDelivery, col(NudgeDelivery.nudge_id) == Nudge.id)
             .where(NudgeDelivery.platform == platform, NudgeDelivery.message_ref == message_ref))
    return session.exec(query).first()


def record_engagement(session: Session, nudge_id: int, person_id: int, kind: str, *, now: datetime) -> bool:
    """Remember that the person engaged with the nudge; True the first time for this kind."""
    if kind not in ENGAGEMENTS:
        raise ValueError(kind)
    inserted = session.execute(insert_for(session, NudgeEngagement).values(
        nudge_id=nudge_id, person_id=person_id, kind=kind, created_at=now)
        .on_conflict_do_nothing(index_elements=["nudge_id", "person_id", "kind"])
        .returning(NudgeEngagement.id)).scalar_one_or_none()
    return inserted is not None


def latest_nudge_for_member(session: Session, person_id: int, week: str) -> Nudge | None:
    """The newest nudge this week to any of the person's groups: an `idé …` now answers it."""
    rows = _LATEST_NUDGE.rows(session, {"person": person_id, "week": week})
    return as_loaded(session, Nudge, rows[0]) if rows else None


# Compiled once (`Prepared`), its row made the nudge by `as_loaded`: every capture asks, and mostly finds none
# (bench/core_bench.py).
# (Tables, not models: a statement naming a model runs through the ORM's execution path.)
_NUDGES, _MEMBERS = Nudge.__table__, GroupMember.__table__  # type: ignore[attr-defined]
_LATEST_NUDGE = Prepared(select(_NUDGES).join(_MEMBERS, _MEMBERS.c.group_id == _NUDGES.c.group_id)
                         .where(_MEMBERS.c.person_id == bindparam("person"), _NUDGES.c.week == bindparam("week"))
                         .order_by(_NUDGES.c.created_at.desc(), _NUDGES.c.id.desc()).limit(1))


def nudges_without_reminder(session: Session, *, created_before: datetime) -> list[Nudge]:
    query = (select(Nudge).where(col(Nudge.reminded_at).is_(None), col(Nudge.created_at) <= created_before)
             .order_by(col(Nudge.id)))
    return list(session.exec(query).all())


def silent_dm_recipients(session: Session, nudge: Nudge) -> list[Person]:
    """Members who got the nudge as a DM and neither answered, replied, reacted nor skipped."""
    engaged = select(NudgeEngagement.person_id).where(NudgeEngagement.nudge_id == nudge.id)
    query = (select(Person).join(NudgeDelivery, col(NudgeDelivery.person_id) == Person.id)
             .where(NudgeDelivery.nudge_id == nudge.id, NudgeDelivery.kind == "dm",
                    col(Person.id).not_in(engaged)).order_by(col(Person.id)))
    return list(session.exec(query).all())


def mark_reminded(session: Session, nudge: Nudge, now: datetime) -> bool:
    """Claim the nudge's one reminder round; False when another process did it already."""
    result = session.execute(update(Nudge).where(col(Nudge.id) == nudge.id, col(Nudge.reminded_at).is_(None))
                             .values(reminded_at=now))
    return bool(result.rowcount)


def stats_by_group(session: Session, org_id: int, weeks: Sequence[str]) -> dict[int, tuple[int, int]]:
    """group id -> (messages sent, ideas answering them) for nudges of the given ISO weeks. Two queries."""
    if not weeks:
        return {}
    sent = session.exec(
        select(Nudge.group_id, func.count(col(NudgeDelivery.id)))
        .join(NudgeDelivery, col(NudgeDelivery.nudge_id) == Nudge.id)
        .where(Nudge.org_id == org_id, col(Nudge.week).in_(list(weeks)), NudgeDelivery.kind != "reminder")
        .group_by(Nudge.group_id)).all()
    answered = session.exec(
        select(Nudge.group_id, func.count(col(Idea.id))).join(Idea, col(Idea.nudge_id) == Nudge.id)
        .where(Nudge.org_id == org_id, col(Nudge.week).in_(list(weeks)), col(Idea.withdrawn_at).is_(None))
        .group_by(Nudge.group_id)).all()
    result = {group_id: (n, 0) for group_id, n in sent}
    for group_id, n in answered:
        result[group_id] = (result.get(group_id, (0, 0))[0], n)
    return result
