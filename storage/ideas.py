"""Ideas: capture, read, move through stages, withdraw, vote, comment (the export is storage/exports.py).

Every function takes the caller's `Session` (one transaction); none commits by itself, so a stage change
and the author's notification in the outbox land together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, func, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.db import Prepared, as_loaded, insert_for
from storage.exports import ExportRow, export_ideas  # noqa: F401 - the export's old home, kept importable
from storage.models import (
    Comment,
    Idea,
    IdeaMessage,
    Organisation,
    Person,
    ProcessedEvent,
    StageChange,
    Vote,
)
from storage.search import SimilarIdea, index_similar, search_idea_ids, similar_hints
from storage.text import clean_text


@dataclass(slots=True)
class NewIdea:
    title: str
    text: str
    source: str
    problem: str | None = None
    benefit: str | None = None
    unit: str | None = None
    anonymous: bool = False
    source_link: str | None = None
    source_channel: str | None = None
    source_message_ref: str | None = None
    original_author: str | None = None
    dedup_key: str | None = None
    group_id: int | None = None
    nudge_id: int | None = None
    challenge_id: int | None = None
    spread_from_id: int | None = None
    feedback_due: date | None = None  # the promised date of first feedback
    owner_id: int | None = None  # the responsible coach


def _lock_org(session: Session, org_id: int) -> Organisation:
    """Serialise captures per organisation (PostgreSQL row lock; SQLite holds the write lock already).

    FOR NO KEY UPDATE, not FOR UPDATE: inserting a person or an idea takes a KEY SHARE lock on the
    organisation row, and upgrading from that to FOR UPDATE deadlocks two concurrent captures.
    """
    org = session.exec(select(Organisation).where(Organisation.id == org_id).with_for_update(key_share=True)).one()
    return org


# Compiled once (`Prepared`): a capture is the hottest write, and building an ORM statement, or SQLAlchemy's
# per-execution work, costs more than running it (bench/core_bench.py).
_NEXT_NUMBER = Prepared(text("UPDATE organisation SET next_idea_number = next_idea_number + 1 WHERE id = :org "
                             "RETURNING next_idea_number"))
_IDEAS = Idea.__table__  # type: ignore[attr-defined]
_LATER = ("id", "first_feedback_at", "withdrawn_at")  # the key, and what happens to an idea after its capture
_INSERT_IDEA = Prepared(_IDEAS.insert().returning(_IDEAS.c.id),
                        column_keys=[column.key for column in _IDEAS.c if column.key not in _LATER])
_INSERT_STAGE_CHANGE = Prepared(StageChange.__table__.insert(), column_keys=[  # type: ignore[attr-defined]
    "idea_id", "actor_id", "from_stage", "to_stage", "comment", "actor_role", "created_at"])


def capture_idea(session: Session, org: Organisation, author: Person, new: NewIdea, *, now: datetime,
                 decide: Callable[[NewIdea], None] | None = None) -> tuple[Idea, bool]:
    """Store the idea with the organisation's next number. Returns (idea, created).

    With a `dedup_key` seen before, the earlier idea comes back and nothing is stored. The numbering UPDATE
    takes the organisation's row lock (FOR NO KEY UPDATE, as `_lock_org`), so only the dedup check needs the
    lock taken before it.
    """
    assert org.id is not None
    if new.dedup_key:
        _lock_org(session, org.id)
        existing = session.exec(select(Idea).where(Idea.org_id == org.id, Idea.dedup_key == new.dedup_key)).first()
        if existing is not None:
            return existing, False
    if decide is not None:  # what the caller decides about a new idea (its promise, its coach), before it is written
        decide(new)
    number = _NEXT_NUMBER.rows(session, {"org": org.id})[0][0] - 1
    values = dict(
        org_id=org.id, number=number, title=clean_text(new.title), text=clean_text(new.text),
        problem=clean_text(new.problem) or None, benefit=clean_text(new.benefit) or None,
        unit=clean_text(new.unit) or None, anonymous=new.anonymous, author_id=author.id, source=new.source,
        source_link=new.source_link, source_channel=new.source_channel, source_message_ref=new.source_message_ref,
        original_author=new.original_author, dedup_key=new.dedup_key, group_id=new.group_id,
        nudge_id=new.nudge_id, challenge_id=new.challenge_id, spread_from_id=new.spread_from_id, stage="new",
        feedback_due=new.feedback_due, owner_id=new.owner_id, created_at=now, updated_at=now,
    )
    # A Core INSERT, then the row handed to the session as loaded: the ORM's unit of work would cost a
    # capture more than the INSERT itself.
    idea = as_loaded(session, Idea, {"id": _INSERT_IDEA.rows(session, values)[0][0],
                                     "first_feedback_at": None, "withdrawn_at": None, **values})
    _INSERT_STAGE_CHANGE.rows(session, {"idea_id": idea.id, "actor_id": author.id, "from_stage": None,
                                        "to_stage": "new", "comment": None, "actor_role": "employee",
                                        "created_at": now})
    index_similar(session, idea, new=True)
    return idea, True


def update_details(session: Session, idea: Idea, *, now: datetime, **fields: str | bool | None) -> Idea:
    for name, value in fields.items():
        if name == "anonymous":
            idea.anonymous = bool(value)
        elif name in ("title", "text", "problem", "benefit", "unit") and value is not None:
            cleaned = clean_text(str(value))
            if name in ("title", "text") and not cleaned:
                continue
            setattr(idea, name, cleaned or None)
    idea.updated_at = now
    session.add(idea)
    session.flush()
    if "title" in fields:
        index_similar(session, idea)
    return idea


def get_idea(session: Session, org_id: int, number: int, *, include_withdrawn: bool = False) -> Idea | None:
    query = select(Idea).where(Idea.org_id == org_id, Idea.number == number)
    if not include_withdrawn:
        query = query.where(col(Idea.withdrawn_at).is_(None))
    return session.exec(query).first()


_BY_IDS = select(Idea).where(col(Idea.id).in_(bindparam("ids", expanding=True)))


def ideas_by_ids(session: Session, ids: Sequence[int]) -> list[Idea]:
    if not ids:
        return []
    rows = {i.id: i for i in session.exec(_BY_IDS, params={"ids": list(ids)}).all()}
    return [rows[i] for i in ids if i in rows]


def ideas_by_author(session: Session, author: Person, *, limit: int = 50) -> list[Idea]:
    query = (select(Idea).where(Idea.author_id == author.id, col(Idea.withdrawn_at).is_(None))
             .order_by(col(Idea.number).desc()).limit(limit))
    return list(session.exec(query).all())


def recent_ideas(session: Session, org_id: int, *, limit: int = 50) -> list[Idea]:
    query = (select(Idea).where(Idea.org_id == org_id, col(Idea.withdrawn_at).is_(None))
             .order_by(col(Idea.number).desc()).limit(limit))
    return list(session.exec(query).all())


def ideas_waiting_for_feedback(session: Session, org_id: int, *, limit: int = 50) -> list[Idea]:
    """Ideas no coach has answered yet (still Inkommen, no first feedback), oldest first."""
    query = (select(Idea).where(Idea.org_id == org_id, col(Idea.withdrawn_at).is_(None), Idea.stage == "new",
                                col(Idea.first_feedback_at).is_(None))
             .order_by(col(Idea.created_at)).limit(limit))
    return list(session.exec(query).all())


def search_ideas(session: Session, org_id: int, query: str, *, limit: int = 20) -> list[Idea]:
    return ideas_by_ids(session, search_idea_ids(session, org_id, query, limit=limit))


def similar_ideas(session: Session, idea: Idea, *, limit: int = 3) -> list[SimilarIdea]:
    """Ideas a Swedish reader would call the same as `idea`, most alike first (none is fine): their number,
    title and stage, as a capture's confirmation lists them, from one query."""
    return similar_hints(session, idea.org_id, idea.title, limit=limit, exclude_id=idea.id)


def change_stage(session: Session, idea: Idea, actor: Person | None, to_stage: str,
                 comment: str | None = None, *, now: datetime, actor_role: str | None = None) -> StageChange:
    """Move the idea; `actor_role` is the role the change was made in (kept for the diarium's decision)."""
    change = StageChange(idea_id=idea.id, actor_id=actor.id if actor else None, from_stage=idea.stage,
                         to_stage=to_stage, comment=clean_text(comment) or None, actor_role=actor_role,
                         created_at=now)
    idea.stage = to_stage
    idea.updated_at = now
    if idea.first_feedback_at is None:
        idea.first_feedback_at = now
    session.add(idea)
    session.add(change)
    session.flush()
    return change


def set_owner(session: Session, idea: Idea, owner: Person, *, now: datetime) -> None:
    """Make `owner` the idea's responsible coach. Not first feedback: taking an idea on does not answer its
    author (docs/figures.md); a stage change, a coach's comment or question does."""
    idea.owner_id = owner.id
    idea.updated_at = now
    session.add(idea)
    session.flush()


def withdraw_idea(session: Session, idea: Idea, *, now: datetime) -> None:
    idea.withdrawn_at = now
    idea.updated_at = idea.withdrawn_at
    session.add(idea)
    session.flush()


def stage_history(session: Session, idea: Idea) -> list[tuple[StageChange, Person | None]]:
    query = (select(StageChange, Person).join(Person, col(Person.id) == StageChange.actor_id, isouter=True)
             .where(StageChange.idea_id == idea.id).order_by(col(StageChange.created_at), col(StageChange.id)))
    return [(c, p) for c, p in session.exec(query).all()]


def add_vote(session: Session, idea: Idea, person: Person, *, now: datetime) -> bool:
    """One vote per person and idea: False when they had voted already."""
    if session.exec(select(Vote).where(Vote.idea_id == idea.id, Vote.person_id == person.id)).first():
        return False
    try:
        with session.begin_nested():
            session.add(Vote(idea_id=idea.id, person_id=person.id, created_at=now))
    except IntegrityError:
        return False
    return True


def remove_vote(session: Session, idea: Idea, person: Person) -> bool:
    """Take a vote back (an un-like, a removed :+1:); False when there was none."""
    vote = session.exec(select(Vote).where(Vote.idea_id == idea.id, Vote.person_id == person.id)).first()
    if vote is None:
        return False
    session.delete(vote)
    session.flush()
    return True


def vote_count(session: Session, idea_ids: Iterable[int]) -> dict[int, int]:
    ids = list(idea_ids)
    if not ids:
        return {}
    query = select(Vote.idea_id, func.count()).where(col(Vote.idea_id).in_(ids)).group_by(Vote.idea_id)
    return {idea_id: n for idea_id, n in session.exec(query).all()}


def add_comment(session: Session, idea: Idea, person: Person, text: str, *, now: datetime,
                dedup_key: str | None = None) -> Comment | None:
    if dedup_key and session.exec(select(Comment).where(Comment.idea_id == idea.id,
                                                        Comment.dedup_key == dedup_key)).first():
        return None
    comment = Comment(idea_id=idea.id, person_id=person.id, text=clean_text(text), dedup_key=dedup_key, created_at=now)
    session.add(comment)
    session.flush()
    return comment


def comments_for(session: Session, idea: Idea) -> list[tuple[Comment, Person]]:
    query = (select(Comment, Person).join(Person, col(Person.id) == Comment.person_id)
             .where(Comment.idea_id == idea.id).order_by(col(Comment.created_at)))
    return [(c, p) for c, p in session.exec(query).all()]


def link_message(session: Session, idea: Idea, platform: str, channel: str, message_ref: str, *, now: datetime
                 ) -> None:
    """Remember that a platform message shows the idea (idempotent, safe against a concurrent link)."""
    session.execute(insert_for(session, IdeaMessage).values(
        idea_id=idea.id, platform=platform, channel=channel, message_ref=message_ref, created_at=now,
    ).on_conflict_do_nothing())


def idea_for_message(session: Session, platform: str, channel: str, message_ref: str) -> Idea | None:
    query = (select(Idea).join(IdeaMessage, col(IdeaMessage.idea_id) == Idea.id)
             .where(IdeaMessage.platform == platform, IdeaMessage.channel == channel,
                    IdeaMessage.message_ref == message_ref, col(Idea.withdrawn_at).is_(None)))
    return session.exec(query).first()


def first_time(session: Session, key: str, *, now: datetime) -> bool:
    """Record an inbound event key; False when it was recorded before (a retry)."""
    if session.get(ProcessedEvent, key) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(ProcessedEvent(key=key[:250], created_at=now))
    except IntegrityError:
        return False
    return True
