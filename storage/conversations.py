"""Conversation references: where the bot can reach a conversation or a person later (proactive messages).

Teams lets a bot message someone only through a conversation it has seen (its `serviceUrl` and id), or by
creating a 1:1 chat with the person's channel account id ("29:…"). Every verified activity refreshes
these rows. A person seen only in a channel gets a `member` row (`conversation_id` = "member:<user id>")
that holds what creating their 1:1 chat needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from storage.db import insert_for
from storage.models import ConversationRef, Person

PERSONAL = "personal"
MEMBER = "member"


@dataclass(slots=True)
class RefData:
    conversation_id: str
    service_url: str
    conversation_type: str | None = None
    tenant_id: str | None = None
    bot_id: str | None = None
    user_id: str | None = None
    member_id: str | None = None


def member_key(user_id: str) -> str:
    return f"{MEMBER}:{user_id}"


def save_ref(session: Session, ref: RefData, *, now: datetime, platform: str = "teams") -> None:
    """Insert or refresh the reference (one statement, so concurrent requests cannot collide)."""
    values = {
        "platform": platform, "conversation_id": ref.conversation_id, "conversation_type": ref.conversation_type,
        "service_url": ref.service_url, "tenant_id": ref.tenant_id, "bot_id": ref.bot_id,
        "user_id": ref.user_id, "member_id": ref.member_id, "updated_at": now,
    }
    changes = {k: v for k, v in values.items() if k not in ("platform", "conversation_id") and v is not None}
    stmt = insert_for(session, ConversationRef).values(**values).on_conflict_do_update(
        index_elements=["platform", "conversation_id"], set_=changes)
    session.execute(stmt)


def get_ref(session: Session, conversation_id: str, platform: str = "teams") -> ConversationRef | None:
    query = select(ConversationRef).where(ConversationRef.platform == platform,
                                          ConversationRef.conversation_id == conversation_id)
    return session.exec(query).first()


def personal_ref(session: Session, user_id: str, platform: str = "teams") -> ConversationRef | None:
    """The person's 1:1 chat with the bot, if the bot has seen it."""
    query = (select(ConversationRef)
             .where(ConversationRef.platform == platform, ConversationRef.user_id == user_id,
                    ConversationRef.conversation_type == PERSONAL)
             .order_by(col(ConversationRef.updated_at).desc()))
    return session.exec(query).first()


def member_ref(session: Session, user_id: str, platform: str = "teams") -> ConversationRef | None:
    """Any reference that names the person's channel account: enough to create their 1:1 chat."""
    query = (select(ConversationRef)
             .where(ConversationRef.platform == platform, ConversationRef.user_id == user_id,
                    col(ConversationRef.member_id).is_not(None))
             .order_by(col(ConversationRef.updated_at).desc()))
    return session.exec(query).first()


def set_unreachable(session: Session, platform: str, user_id: str, unreachable: bool = True) -> bool:
    """Remember that the platform refuses (or accepts again) messages to this person. True if changed."""
    person = session.exec(select(Person).where(Person.platform == platform, Person.user_id == user_id)).first()
    if person is None or person.unreachable == unreachable:
        return False
    person.unreachable = unreachable
    session.add(person)
    session.flush()
    return True
