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


def export_ideas(session: Session, *, org_key: str | None = None, since: datetime | None = None,
                 with_identities: bool = False, include_withdrawn: bool = False) -> list[ExportRow]:
    """Ideas oldest first per organisation (live ones unless `include_withdrawn`), created or changed `since`.

    Three queries whatever the number of ideas: the ideas with their authors and votes, and the decisions.
    """
    vote_sub = select(Vote.idea_id, func.count().label("votes")).group_by(Vote.idea_id).subquery()
    query = (select(Idea, Person, Organisation, vote_sub.c.votes)
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
    decisions = _decisions(session, [idea.id for idea, *_ in found])
    rows = []
    for idea, person, org, votes in found:
        hidden = idea.anonymous and not with_identities
        named = not hidden and not person.erased
        decision = decisions.get(idea.id)
        rows.append(ExportRow(
            id=idea.id, number=idea.number, title=idea.title, text=idea.text, problem=idea.problem,
            benefit=idea.benefit, unit=idea.unit, stage=idea.stage, anonymous=idea.anonymous,
            author=person.ref if named else None, source=idea.source,
            source_link=None if hidden else idea.source_link, organisation=org.key, votes=votes or 0,
            created_at=as_utc(idea.created_at), updated_at=as_utc(idea.updated_at),
            author_name=(person.display_name or None) if named else None,
            author_erased=person.erased and not hidden, received_at=as_utc(idea.created_at),
            decision_stage=decision.to_stage if decision else None,
            decision_reason=decision.comment if decision else None,
            decided_at=as_utc(decision.created_at) if decision else None,
            decided_by_role=decision.actor_role if decision else None,
            withdrawn_at=as_utc(idea.withdrawn_at) if idea.withdrawn_at else None,
        ))
    return rows


def _decisions(session: Session, idea_ids: list[int]) -> dict[int, StageChange]:
    """idea id -> the last stage change a person made (not the capture itself), for many ideas at once."""
    if not idea_ids:
        return {}
    made = aliased(StageChange)
    result: dict[int, StageChange] = {}
    for start in range(0, len(idea_ids), 5000):  # bounded IN lists, however many ideas an export holds
        chunk = idea_ids[start:start + 5000]
        latest = (select(func.max(made.id)).where(made.from_stage.is_not(None), made.idea_id.in_(chunk))
                  .group_by(made.idea_id))
        query = select(StageChange).where(col(StageChange.id).in_(latest))
        for change in session.exec(query).all():
            result[change.idea_id] = change
    return result
