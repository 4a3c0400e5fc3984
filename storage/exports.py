"""The ideas as records for a registry or diarium: one row per idea with its decision.

Identities follow the anonymity rules: an anonymous idea's author (and the link to the message it came
from, which names its writer) is left out unless the caller asks for identities — an audited act, see
`idesluss ideas export --with-identities`. An erased author is flagged, never named.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from storage.models import Idea, Organisation, Person, StageChange, Vote, as_utc


@dataclass(slots=True)
class ExportRow:
    id: int
    number: int
    title: str
    text: str
    problem: str | None
    benefit: str | None
    unit: str | None
    stage: str
    anonymous: bool
    author: str | None  # person ref (slack:U…); None when anonymous (without identities) or erased
    source: str
    source_link: str | None
    organisation: str
    votes: int
    created_at: datetime
    updated_at: datetime
    author_name: str | None = None  # display name, under the same rules as `author`
    author_erased: bool = False  # the author was erased: shown as "Tidigare medarbetare"
    received_at: datetime | None = None  # when the idea reached the municipality (the bot stored it)
    decision_stage: str | None = None  # the last stage a person moved the idea to
    decision_reason: str | None = None  # what they wrote with it (always given when declined)
    decided_at: datetime | None = None
    decided_by_role: str | None = None  # coach, admin, manager (never a name: the role decides)
    withdrawn_at: datetime | None = None


# Light tuples, not ORM objects: an export of 100,000 ideas spends its time on the rows, not on instances.
_COLUMNS = (Idea.id, Idea.number, Idea.title, Idea.text, Idea.problem, Idea.benefit, Idea.unit, Idea.stage,
            Idea.anonymous, Idea.source, Idea.source_link, Idea.created_at, Idea.updated_at, Idea.withdrawn_at,
            Person.platform, Person.user_id, Person.display_name, Person.erased_at, Organisation.key)


def export_ideas(session: Session, *, org_key: str | None = None, since: datetime | None = None,
                 with_identities: bool = False, include_withdrawn: bool = False) -> list[ExportRow]:
    """Ideas oldest first per organisation (live ones unless `include_withdrawn`), created or changed `since`.

    A fixed number of queries whatever the number of ideas: the ideas with their authors and votes, and the
    decisions (in chunks of 5,000 ideas).
    """
    vote_sub = select(Vote.idea_id, func.count().label("votes")).group_by(Vote.idea_id).subquery()
    query = (select(*_COLUMNS, vote_sub.c.votes)
             .join(Person, col(Person.id) == Idea.author_id)
             .join(Organisation, col(Organisation.id) == Idea.org_id)
             .join(vote_sub, vote_sub.c.idea_id == Idea.id, isouter=True)
             .order_by(col(Idea.org_id), col(Idea.number)))
    if not include_withdrawn:
        query = query.where(col(Idea.withdrawn_at).is_(None))
    if org_key:
        query = query.where(Organisation.key == org_key)
    if since is not None:
        query = query.where(or_(col(Idea.created_at) >= since, col(Idea.updated_at) >= since))
    found = session.exec(query).all()
    decisions = _decisions(session, [r[0] for r in found])
    rows = []
    for (idea_id, number, title, text, problem, benefit, unit, stage, anonymous, source, source_link, created_at,
         updated_at, withdrawn_at, platform, user_id, display_name, erased_at, org, votes) in found:
        hidden = anonymous and not with_identities
        named = not hidden and erased_at is None
        to_stage, reason, decided_at, role = decisions.get(idea_id, (None, None, None, None))
        rows.append(ExportRow(
            id=idea_id, number=number, title=title, text=text, problem=problem, benefit=benefit, unit=unit,
            stage=stage, anonymous=anonymous, author=f"{platform}:{user_id}" if named else None, source=source,
            source_link=None if hidden else source_link, organisation=org, votes=votes or 0,
            created_at=as_utc(created_at), updated_at=as_utc(updated_at),
            author_name=(display_name or None) if named else None,
            author_erased=erased_at is not None and not hidden, received_at=as_utc(created_at),
            decision_stage=to_stage, decision_reason=reason, decided_at=as_utc(decided_at) if decided_at else None,
            decided_by_role=role, withdrawn_at=as_utc(withdrawn_at) if withdrawn_at else None,
        ))
    return rows


def _decisions(session: Session, idea_ids: list[int]) -> dict[int, tuple[str, str | None, datetime, str | None]]:
    """idea id -> (stage, reason, when, role) of the last stage change a person made (not the capture itself)."""
    if not idea_ids:
        return {}
    made = aliased(StageChange)
    result: dict[int, tuple[str, str | None, datetime, str | None]] = {}
    for start in range(0, len(idea_ids), 5000):  # bounded IN lists, however many ideas an export holds
        chunk = idea_ids[start:start + 5000]
        latest = (select(func.max(made.id)).where(made.from_stage.is_not(None), made.idea_id.in_(chunk))
                  .group_by(made.idea_id))
        query = (select(StageChange.idea_id, StageChange.to_stage, StageChange.comment, StageChange.created_at,
                        StageChange.actor_role).where(col(StageChange.id).in_(latest)))
        for idea_id, to_stage, comment, created_at, role in session.exec(query).all():
            result[idea_id] = (to_stage, comment, created_at, role)
    return result
