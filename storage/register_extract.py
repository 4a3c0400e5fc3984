"""Everything the bot holds about one person, as one document (GDPR article 15, "registerutdrag").

Every table that references a person is read here; storage/erasure.py removes the same things. When a table
gains a person column, both modules change together (tests/test_records.py checks every person foreign key
is covered).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from storage import audit
from storage.models import (
    Adoption,
    Challenge,
    Comment,
    ConversationRef,
    DigestLog,
    FeedbackQuestion,
    GroupMember,
    GuidedCapture,
    Idea,
    NameConsent,
    Nudge,
    NudgeDelivery,
    NudgeEngagement,
    Organisation,
    OutboxMessage,
    Person,
    PilotGroup,
    Role,
    SpreadOffer,
    StageChange,
    UnitCoach,
    Vote,
    as_utc,
)

# The person columns of every table, as covered by this extract and by the erasure.
PERSON_COLUMNS = {
    "idea": ("author_id", "owner_id"), "stage_change": ("actor_id",), "vote": ("person_id",),
    "comment": ("person_id",), "role": ("person_id",), "guided_capture": ("person_id",),
    "group_member": ("person_id",), "nudge_delivery": ("person_id",), "nudge_engagement": ("person_id",),
    "digest_log": ("person_id",), "name_consent": ("person_id",),
    "unit_coach": ("person_id",), "pilot_group": ("coach_id",), "feedback_question": ("asked_by", "author_id"),
    # Kept as the organisation's records on erasure (they then name "Tidigare medarbetare"):
    "challenge": ("owner_id",), "spread_offer": ("coach_id",), "adoption": ("person_id",),
}


def _time(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value is not None else None


def message_kind(key: str) -> str:
    """What an outbox message was, from its key: stage, consent, digest, nudge:dm, nudge:reminder, …"""
    parts = key.split(":")
    if parts[0] == "nudge" and len(parts) > 2:
        return f"nudge:{parts[2]}"
    return parts[0]


def person_data(session: Session, person: Person) -> dict[str, Any]:
    """The register extract. Messages to the person are listed by time and kind, not their whole text."""
    pid = person.id
    org = session.get(Organisation, person.org_id)
    numbers = {i.id: i.number for i in session.exec(select(Idea).where(Idea.org_id == person.org_id)).all()}
    groups = {g.id: g.name for g in session.exec(select(PilotGroup)).all()}
    ideas = session.exec(select(Idea).where(Idea.author_id == pid).order_by(col(Idea.number))).all()
    return {
        "person": {
            "id": pid, "ref": person.ref, "platform": person.platform, "user_id": person.user_id,
            "workspace": person.workspace, "display_name": person.display_name, "locale": person.locale,
            "timezone": person.timezone, "organisation": org.key if org else None,
            "unreachable": person.unreachable, "erased_at": _time(person.erased_at),
            "created_at": _time(person.created_at),
        },
        "ideas": [{
            "number": i.number, "title": i.title, "text": i.text, "problem": i.problem, "benefit": i.benefit,
            "unit": i.unit, "stage": i.stage, "anonymous": i.anonymous, "source": i.source,
            "source_link": i.source_link, "original_author": i.original_author,
            "created_at": _time(i.created_at), "updated_at": _time(i.updated_at),
            "withdrawn_at": _time(i.withdrawn_at),
        } for i in ideas],
        "ideas_saved_from_their_messages": [
            {"number": i.number, "title": i.title}
            for i in session.exec(select(Idea).where(Idea.original_author == person.ref)).all()],
        "ideas_they_are_responsible_for": [
            {"number": i.number, "title": i.title}
            for i in session.exec(select(Idea).where(Idea.owner_id == pid).order_by(col(Idea.number))).all()],
        "comments": [{"idea": numbers.get(c.idea_id), "text": c.text, "created_at": _time(c.created_at)}
                     for c in session.exec(select(Comment).where(Comment.person_id == pid)
                                           .order_by(col(Comment.created_at))).all()],
        "votes": [{"idea": numbers.get(v.idea_id), "created_at": _time(v.created_at)}
                  for v in session.exec(select(Vote).where(Vote.person_id == pid)).all()],
        "stage_changes": [{
            "idea": numbers.get(c.idea_id), "from_stage": c.from_stage, "to_stage": c.to_stage,
            "comment": c.comment, "role": c.actor_role, "created_at": _time(c.created_at)}
            for c in session.exec(select(StageChange).where(StageChange.actor_id == pid,
                                                            col(StageChange.from_stage).is_not(None))
                                  .order_by(col(StageChange.created_at))).all()],
        "roles": [{"role": r.role, "group": groups.get(r.group_id) if r.group_id else None,
                   "created_at": _time(r.created_at)}
                  for r in session.exec(select(Role).where(Role.person_id == pid)).all()],
        "group_memberships": [{"group": groups.get(m.group_id), "created_at": _time(m.created_at)}
                              for m in session.exec(select(GroupMember).where(GroupMember.person_id == pid)).all()],
        "nudges": _nudges(session, pid, groups),
        "snoozes": {"paused_until": _time(person.nudges_paused_until), "opted_out": person.nudges_opt_out},
        "guided_capture": _guided(session, pid),
        "name_consents": [{"idea": numbers.get(c.idea_id), "answer": c.answer, "asked_at": _time(c.asked_at),
                           "answered_at": _time(c.answered_at)}
                          for c in session.exec(select(NameConsent).where(NameConsent.person_id == pid)).all()],
        "coach_of_units": [u.unit for u in session.exec(select(UnitCoach).where(UnitCoach.person_id == pid)).all()],
        "coach_of_pilot_groups": [g.name for g in session.exec(select(PilotGroup).where(PilotGroup.coach_id == pid))
                                  .all()],
        "questions_asked_by_them": [{"idea": numbers.get(q.idea_id), "text": q.text, "created_at": _time(q.created_at)}
                                    for q in session.exec(select(FeedbackQuestion)
                                                          .where(FeedbackQuestion.asked_by == pid)).all()],
        "questions_to_them": [{"idea": numbers.get(q.idea_id), "text": q.text, "created_at": _time(q.created_at),
                               "answered_at": _time(q.answered_at)}
                              for q in session.exec(select(FeedbackQuestion)
                                                    .where(FeedbackQuestion.author_id == pid)).all()],
        "challenges_they_posed": [{"title": c.title, "created_at": _time(c.created_at)}
                                  for c in session.exec(select(Challenge).where(Challenge.owner_id == pid)).all()],
        "spreading_offers_they_made": [{"idea": numbers.get(o.idea_id), "created_at": _time(o.created_at)}
                                       for o in session.exec(select(SpreadOffer).where(SpreadOffer.coach_id == pid))
                                       .all()],
        "adoptions_they_made": [{"idea": a.origin_idea_id, "created_at": _time(a.created_at)}
                                for a in session.exec(select(Adoption).where(Adoption.person_id == pid)).all()],
        "digests": [{"week": d.week, "covered_until": _time(d.covered_until), "created_at": _time(d.created_at)}
                    for d in session.exec(select(DigestLog).where(DigestLog.person_id == pid)).all()],
        "messages_sent_to_them": [{
            "kind": message_kind(m.key), "state": m.state, "created_at": _time(m.created_at),
            "sent_at": _time(m.sent_at)}
            for m in session.exec(select(OutboxMessage).where(
                OutboxMessage.platform == person.platform, OutboxMessage.recipient == person.user_id,
                OutboxMessage.recipient_kind == "user").order_by(col(OutboxMessage.created_at))).all()],
        "conversation_references": [{
            "platform": r.platform, "conversation_id": r.conversation_id, "type": r.conversation_type,
            "tenant_id": r.tenant_id, "updated_at": _time(r.updated_at)}
            for r in _conversation_refs(session, person)],
        "audit": [{"at": _time(e.at), "action": e.action, "via": e.via, "by_them": e.actor_id == pid,
                   "idea": numbers.get(e.idea_id) if e.idea_id else None}
                  for e in audit.about_person(session, pid)],
    }


def _conversation_refs(session: Session, person: Person) -> list[ConversationRef]:
    if person.platform != "teams":
        return []  # Slack and the shell need none: a Slack DM is addressed by the user id itself
    return list(session.exec(select(ConversationRef).where(ConversationRef.platform == "teams",
                                                           ConversationRef.user_id == person.user_id)).all())


def _nudges(session: Session, pid: int, groups: dict[int, str]) -> dict[str, list[dict[str, Any]]]:
    deliveries = session.exec(select(NudgeDelivery, Nudge).join(Nudge, col(Nudge.id) == NudgeDelivery.nudge_id)
                              .where(NudgeDelivery.person_id == pid)).all()
    engagement = session.exec(select(NudgeEngagement, Nudge).join(Nudge, col(Nudge.id) == NudgeEngagement.nudge_id)
                              .where(NudgeEngagement.person_id == pid)).all()
    return {
        "received": [{"group": groups.get(n.group_id), "week": n.week, "kind": d.kind, "platform": d.platform,
                      "created_at": _time(d.created_at)} for d, n in deliveries],
        "engagement": [{"group": groups.get(n.group_id), "week": n.week, "kind": e.kind,
                        "created_at": _time(e.created_at)} for e, n in engagement],
    }


def _guided(session: Session, pid: int) -> dict[str, Any] | None:
    row = session.get(GuidedCapture, pid)
    if row is None:
        return None
    return {"step": row.step, "answers_so_far": row.data, "updated_at": _time(row.updated_at)}
