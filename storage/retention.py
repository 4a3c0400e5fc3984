"""Retention: the queries that purge operational data and pseudonymise or delete closed ideas.

Each purge takes the cut-off moment and `dry_run` and returns how many rows it touched (or would touch), so
`idesluss retention apply --dry-run` prints exactly what a real run removes. The policy — which periods, what
happens to closed ideas — is bot/core/retention.py's.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, or_, update
from sqlmodel import Session, col, select

from storage.db import insert_for
from storage.models import (
    Comment,
    GuidedCapture,
    Idea,
    IdeaMessage,
    NameConsent,
    NudgeDelivery,
    NudgeEngagement,
    OutboxMessage,
    Person,
    ProcessedEvent,
    StageChange,
    Vote,
)
from storage.outbox import DEAD, SENT

EMPTY_PAYLOAD = "{}"
PLACEHOLDER_PLATFORM = "former"  # the person a pseudonymised idea points at: "Tidigare medarbetare"


def _count_or_delete(session: Session, model: type, *where: object, dry_run: bool) -> int:
    if dry_run:
        return int(session.exec(select(func.count()).select_from(model).where(*where)).one())
    return int(session.execute(delete(model).where(*where)).rowcount or 0)


def sent_payloads(session: Session, *, before: datetime, dry_run: bool) -> int:
    """Empty the text of messages sent (or given up on) before `before`; the row's metadata stays (who, when,
    what kind, the platform's message id), so a rerun with the same key is still a no-op."""
    where = (col(OutboxMessage.state).in_([SENT, DEAD]), col(OutboxMessage.payload) != EMPTY_PAYLOAD,
             func.coalesce(OutboxMessage.sent_at, OutboxMessage.created_at) < before)
    if dry_run:
        return int(session.exec(select(func.count()).select_from(OutboxMessage).where(*where)).one())
    return int(session.execute(update(OutboxMessage).where(*where)
                               .values(payload=EMPTY_PAYLOAD, last_error=None)).rowcount or 0)


def processed_events(session: Session, *, before: datetime, dry_run: bool) -> int:
    """Inbound event ids (Slack retries come within minutes, Teams redeliveries within hours)."""
    return _count_or_delete(session, ProcessedEvent, col(ProcessedEvent.created_at) < before, dry_run=dry_run)


def guided_captures(session: Session, *, before: datetime, dry_run: bool) -> int:
    """Guided captures nobody finished, last touched before `before`."""
    return _count_or_delete(session, GuidedCapture, col(GuidedCapture.updated_at) < before, dry_run=dry_run)


def nudge_deliveries(session: Session, *, before: datetime, dry_run: bool) -> tuple[int, int]:
    """Where nudges went and who engaged with them: (deliveries, engagements) removed."""
    deliveries = _count_or_delete(session, NudgeDelivery, col(NudgeDelivery.created_at) < before, dry_run=dry_run)
    engagement = _count_or_delete(session, NudgeEngagement, col(NudgeEngagement.created_at) < before,
                                  dry_run=dry_run)
    return deliveries, engagement


def placeholder(session: Session, org_id: int, *, now: datetime) -> Person:
    """The organisation's "Tidigare medarbetare": the author of every pseudonymised idea (a person row that
    names no one, so every query that joins an idea to its author keeps working)."""
    user_id = f"org-{org_id}"
    session.execute(insert_for(session, Person).values(
        org_id=org_id, platform=PLACEHOLDER_PLATFORM, user_id=user_id, unreachable=True, nudges_opt_out=True,
        erased_at=now, created_at=now).on_conflict_do_nothing())
    return session.exec(select(Person).where(Person.platform == PLACEHOLDER_PLATFORM,
                                             Person.user_id == user_id)).one()


def _not_pseudonymised(query):  # type: ignore[no-untyped-def]
    """Leave out ideas already pointing at a placeholder (pseudonymised by an earlier run)."""
    return query.join(Person, col(Person.id) == Idea.author_id).where(Person.platform != PLACEHOLDER_PLATFORM)


def closed_ideas(session: Session, stage: str, *, before: datetime, skip_pseudonymised: bool = False
                 ) -> list[Idea]:
    """Live ideas that have been in `stage` since before `before` (the latest move into it counts)."""
    moved = (select(StageChange.idea_id, func.max(StageChange.created_at).label("at"))
             .where(StageChange.to_stage == stage).group_by(StageChange.idea_id).subquery())
    query = (select(Idea).join(moved, moved.c.idea_id == Idea.id)
             .where(Idea.stage == stage, col(Idea.withdrawn_at).is_(None), moved.c.at < before)
             .order_by(col(Idea.org_id), col(Idea.number)))
    if skip_pseudonymised:
        query = _not_pseudonymised(query)
    return list(session.exec(query).all())


def withdrawn_ideas(session: Session, *, before: datetime, skip_pseudonymised: bool = False) -> list[Idea]:
    query = (select(Idea).where(col(Idea.withdrawn_at).is_not(None), col(Idea.withdrawn_at) < before)
             .order_by(col(Idea.org_id), col(Idea.number)))
    if skip_pseudonymised:
        query = _not_pseudonymised(query)
    return list(session.exec(query).all())


def _keyed_to(idea: Idea) -> object:
    """Outbox rows about the idea alone (its stage notices, its consent question): their recipient is its author."""
    return or_(col(OutboxMessage.key).like(f"stage:{idea.id}:%"), col(OutboxMessage.key) == f"consent:{idea.id}")


def pseudonymise_idea(session: Session, idea: Idea, former: Person) -> None:
    """Keep the record (title, text, stages, decisions with their roles), cut every link to a person."""
    session.execute(delete(Vote).where(col(Vote.idea_id) == idea.id))
    session.execute(delete(IdeaMessage).where(col(IdeaMessage.idea_id) == idea.id))
    session.execute(delete(NameConsent).where(col(NameConsent.idea_id) == idea.id))
    session.execute(delete(OutboxMessage).where(_keyed_to(idea)))
    session.execute(update(Comment).where(col(Comment.idea_id) == idea.id).values(person_id=former.id))
    session.execute(update(StageChange).where(col(StageChange.idea_id) == idea.id,
                                              col(StageChange.actor_id).is_not(None)).values(actor_id=former.id))
    idea.author_id, idea.owner_id, idea.original_author = former.id, None, None
    idea.source_link, idea.source_channel, idea.source_message_ref, idea.dedup_key = None, None, None, None
    session.add(idea)
    session.flush()


def delete_idea(session: Session, idea: Idea) -> None:
    """The idea and everything hanging from it (its search entry goes with it, by trigger)."""
    for model in (Vote, Comment, IdeaMessage, NameConsent, StageChange):
        session.execute(delete(model).where(col(model.idea_id) == idea.id))  # type: ignore[attr-defined]
    session.execute(delete(OutboxMessage).where(_keyed_to(idea)))
    session.delete(idea)
    session.flush()
