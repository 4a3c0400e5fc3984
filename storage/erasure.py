"""Erasing a person (GDPR article 17): what identifies them goes, the organisation's records stay.

Removed: platform id, display name, locale, time zone, workspace, conversation references, votes, nudge
engagement and deliveries' link to them, snoozes, a guided capture in progress, roles, group memberships,
digest bookkeeping, name consents, messages still waiting to be sent to them, and inbound-event keys that
carry their platform id. Messages already sent to them keep their metadata (time, kind) and lose their
text. Their name is replaced by "Tidigare medarbetare" in stored messages to others (a manager's digest).
Their ideas and comments stay as records; the person row stays too, scrubbed, so ideas, comments, stage
changes and audit entries keep pointing at "Tidigare medarbetare" without any of them being rewritten.

Running it again on an erased person changes nothing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, update
from sqlmodel import Session, col, select

from storage.models import (
    Comment,
    ConversationRef,
    DigestLog,
    FeedbackQuestion,
    GroupMember,
    GuidedCapture,
    Idea,
    IdeaMessage,
    NameConsent,
    NudgeDelivery,
    NudgeEngagement,
    Organisation,
    OutboxMessage,
    Person,
    PilotGroup,
    ProcessedEvent,
    Role,
    UnitCoach,
    Vote,
)
from storage.outbox import DEAD, SENT

# How an erased person is named, by language: in stored messages to others, and (through bot.core.records_text)
# in every reply, export and audit listing.
FORMER = {"sv": "Tidigare medarbetare", "en": "Former employee"}


@dataclass(slots=True)
class ErasureReport:
    votes: int = 0
    nudge_engagement: int = 0
    nudge_deliveries: int = 0
    guided_captures: int = 0
    roles: int = 0
    group_memberships: int = 0
    digest_logs: int = 0
    name_consents: int = 0
    coach_assignments: int = 0  # units and pilot groups whose new ideas went to them
    pending_messages: int = 0
    sent_messages_emptied: int = 0
    messages_to_others_rewritten: int = 0
    conversation_references: int = 0
    processed_events: int = 0
    message_links: int = 0
    source_links: int = 0
    saved_from_their_messages: int = 0
    ideas_kept: int = 0
    comments_kept: int = 0
    already_erased: bool = False

    def counts(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "already_erased"}


def erased_user_id(person: Person) -> str:
    """The platform id an erased person is left with: their internal id, which names no one."""
    return f"erased-{person.id}"


def _like(value: str) -> str:
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _scrubbed(value: Any, pattern: re.Pattern[str], former: str) -> Any:
    if isinstance(value, str):
        return pattern.sub(former, value)
    if isinstance(value, list):
        return [_scrubbed(v, pattern, former) for v in value]
    if isinstance(value, dict):
        return {k: _scrubbed(v, pattern, former) for k, v in value.items()}
    return value


def erase_person(session: Session, person: Person, *, now: datetime) -> ErasureReport:
    """Remove what identifies `person` in the caller's transaction (see the module docstring)."""
    report = ErasureReport()
    pid = person.id
    report.ideas_kept = len(session.exec(select(Idea.id).where(Idea.author_id == pid)).all())
    report.comments_kept = len(session.exec(select(Comment.id).where(Comment.person_id == pid)).all())
    report.comments_kept += len(session.exec(select(FeedbackQuestion.id).where(
        or_(col(FeedbackQuestion.asked_by) == pid, col(FeedbackQuestion.author_id) == pid))).all())
    if person.erased:
        report.already_erased = True
        return report
    old_ref, old_user_id, old_name = person.ref, person.user_id, person.display_name
    new_user_id = erased_user_id(person)
    new_ref = f"{person.platform}:{new_user_id}"

    def gone(model: type, *where: Any) -> int:
        return int(session.execute(delete(model).where(*where)).rowcount or 0)

    report.votes = gone(Vote, col(Vote.person_id) == pid)
    report.nudge_engagement = gone(NudgeEngagement, col(NudgeEngagement.person_id) == pid)
    report.guided_captures = gone(GuidedCapture, col(GuidedCapture.person_id) == pid)
    report.roles = gone(Role, col(Role.person_id) == pid)
    report.group_memberships = gone(GroupMember, col(GroupMember.person_id) == pid)
    report.digest_logs = gone(DigestLog, col(DigestLog.person_id) == pid)
    report.name_consents = gone(NameConsent, col(NameConsent.person_id) == pid)
    # As a coach: new ideas of a unit or a pilot group no longer go to them. Their questions to authors (and the
    # questions put to them) stay, like comments, as the organisation's records by "Tidigare medarbetare".
    report.coach_assignments = gone(UnitCoach, col(UnitCoach.person_id) == pid) + int(session.execute(
        update(PilotGroup).where(col(PilotGroup.coach_id) == pid).values(coach_id=None)).rowcount or 0)
    session.execute(update(Organisation).where(col(Organisation.last_assigned_coach_id) == pid)
                    .values(last_assigned_coach_id=None))

    # Nudges they got still count in the group's figures, but no longer say to whom.
    for delivery in session.exec(select(NudgeDelivery).where(NudgeDelivery.person_id == pid)).all():
        delivery.person_id = None
        delivery.outbox_key = delivery.outbox_key.replace(old_ref, new_ref)
        session.add(delivery)
        report.nudge_deliveries += 1

    report.message_links = _unlink_their_messages(session, person)

    to_them = (col(OutboxMessage.platform) == person.platform, col(OutboxMessage.recipient) == old_user_id,
               col(OutboxMessage.recipient_kind) == "user")
    report.pending_messages = gone(OutboxMessage, *to_them, col(OutboxMessage.state).not_in([SENT, DEAD]))
    for row in session.exec(select(OutboxMessage).where(*to_them)).all():
        row.recipient, row.workspace, row.thread = new_user_id, None, None
        row.key, row.payload, row.last_error = row.key.replace(old_ref, new_ref), "{}", None
        session.add(row)
        report.sent_messages_emptied += 1
    report.messages_to_others_rewritten = _rewrite_mentions(session, old_ref, old_user_id, old_name)

    if person.platform == "teams":
        report.conversation_references = gone(ConversationRef, col(ConversationRef.platform) == "teams",
                                              col(ConversationRef.user_id) == old_user_id)
    report.processed_events = gone(ProcessedEvent, col(ProcessedEvent.key).like(_like(f":{old_user_id}:"),
                                                                                escape="\\"))

    # Their ideas keep what they said, not where they said it: a permalink shows the writer's name.
    report.source_links = int(session.execute(
        update(Idea).where(col(Idea.author_id) == pid,
                           or_(col(Idea.source_link).is_not(None), col(Idea.source_channel).is_not(None)))
        .values(source_link=None, source_channel=None, source_message_ref=None)).rowcount or 0)
    report.saved_from_their_messages = int(session.execute(
        update(Idea).where(col(Idea.original_author) == old_ref).values(original_author=None)).rowcount or 0)

    person.user_id, person.workspace, person.display_name = new_user_id, None, None
    person.locale, person.timezone, person.nudges_paused_until = None, None, None
    person.nudges_opt_out, person.unreachable, person.erased_at = False, True, now
    session.add(person)
    session.flush()
    return report


def _unlink_their_messages(session: Session, person: Person) -> int:
    """Links from platform messages that are theirs (their own message an idea came from, the bot's messages in
    their DM or personal chat) to ideas: a channel id and timestamp of a DM lead back to the person."""
    pid = person.id
    removed = 0
    for idea in session.exec(select(Idea).where(Idea.author_id == pid, col(Idea.source_channel).is_not(None))).all():
        removed += int(session.execute(delete(IdeaMessage).where(
            col(IdeaMessage.idea_id) == idea.id, col(IdeaMessage.channel) == idea.source_channel)).rowcount or 0)
    sent_ids = [m for m in session.exec(select(OutboxMessage.message_id).where(
        OutboxMessage.platform == person.platform, OutboxMessage.recipient == person.user_id,
        OutboxMessage.recipient_kind == "user", col(OutboxMessage.message_id).is_not(None))).all() if m]
    for start in range(0, len(sent_ids), 500):
        removed += int(session.execute(delete(IdeaMessage).where(
            col(IdeaMessage.platform) == person.platform,
            col(IdeaMessage.message_ref).in_(sent_ids[start:start + 500]))).rowcount or 0)
    if person.platform == "teams":
        personal = select(ConversationRef.conversation_id).where(ConversationRef.platform == "teams",
                                                                 ConversationRef.user_id == person.user_id)
        removed += int(session.execute(delete(IdeaMessage).where(
            col(IdeaMessage.platform) == "teams", col(IdeaMessage.channel).in_(personal))).rowcount or 0)
    return removed


def _rewrite_mentions(session: Session, old_ref: str, old_user_id: str, old_name: str | None) -> int:
    """Stored messages to others that name the person (a digest line "– Anna Andersson") say "Tidigare
    medarbetare" instead. Only rows whose text contains the name or id are read (a LIKE, not a full scan in
    Python); the replacement is done on whole words in the parsed message, so the JSON stays valid."""
    needles = [n for n in (old_name, old_ref, old_user_id) if n and len(n) >= 2]
    if not needles:
        return 0
    pattern = re.compile("|".join(rf"(?<!\w){re.escape(n)}(?!\w)" for n in sorted(needles, key=len, reverse=True)))
    candidates = session.exec(select(OutboxMessage).where(
        or_(*(col(OutboxMessage.payload).like(_like(n), escape="\\") for n in needles)))).all()
    rewritten = 0
    for row in candidates:
        try:
            payload = json.loads(row.payload)
        except ValueError:
            continue
        locale = payload.get("locale") if isinstance(payload, dict) else None
        scrubbed = _scrubbed(payload, pattern, FORMER.get(str(locale), FORMER["sv"]))
        if scrubbed != payload:
            row.payload = json.dumps(scrubbed, ensure_ascii=False)
            session.add(row)
            rewritten += 1
    return rewritten
