"""Spreading (spridning): offers of implemented ideas, and the adoptions ("Vi vill testa") that answer them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.db import insert_for, unindexed
from storage.models import Adoption, Idea, SpreadOffer
from storage.text import clean_text


@dataclass(slots=True)
class SpreadFigures:
    """What the statistics count: ideas offered, adoptions of this organisation's ideas elsewhere, and ideas this
    organisation adopted from others (or from its own units)."""

    offered: int = 0
    adopted_elsewhere: int = 0
    adopted_here: int = 0


def create_offer(session: Session, idea: Idea, coach_id: int, *, solved: str | None, to_partners: bool,
                 now: datetime) -> SpreadOffer:
    offer = SpreadOffer(idea_id=idea.id, org_id=idea.org_id, coach_id=coach_id, solved=clean_text(solved) or None,
                        to_partners=to_partners, created_at=now)
    session.add(offer)
    session.flush()
    return offer


def get_offer(session: Session, offer_id: int) -> SpreadOffer | None:
    return session.get(SpreadOffer, offer_id)


def adoption(session: Session, origin_idea_id: int, target: str) -> Adoption | None:
    return session.exec(select(Adoption).where(Adoption.origin_idea_id == origin_idea_id,
                                               Adoption.target == target)).first()


def record_adoption(session: Session, offer: SpreadOffer, *, target: str, receiver_org_id: int, idea: Idea,
                    person_id: int, now: datetime) -> bool:
    """Remember that `idea` (in the receiver's organisation) adopts the offer's idea. False when this receiver
    had adopted it already (a second press, a concurrent one): the caller then rolls its new idea back."""
    inserted = session.execute(insert_for(session, Adoption).values(
        offer_id=offer.id, origin_idea_id=offer.idea_id, receiver_org_id=receiver_org_id, target=target,
        idea_id=idea.id, person_id=person_id, created_at=now)
        .on_conflict_do_nothing(index_elements=["origin_idea_id", "target"]).returning(Adoption.id)
    ).scalar_one_or_none()
    return inserted is not None


def adoptions_of(session: Session, origin_idea_id: int) -> list[Adoption]:
    return list(session.exec(select(Adoption).where(Adoption.origin_idea_id == origin_idea_id)
                             .order_by(col(Adoption.id))).all())


def figures(session: Session, org_id: int, *, since: datetime | None = None, until: datetime | None = None
            ) -> SpreadFigures:
    """Spreading in the period, in one query (three counts as scalar subqueries)."""

    def within(query, column):  # type: ignore[no-untyped-def]
        if since is not None:
            query = query.where(column >= since)
        if until is not None:
            query = query.where(column < until)
        return query

    offered = within(select(func.count(func.distinct(SpreadOffer.idea_id))).where(SpreadOffer.org_id == org_id),
                     col(SpreadOffer.created_at)).scalar_subquery()
    # The period's adoptions joined to their origin idea (not `origin_idea_id IN (every idea of the
    # organisation)`, which read all of them): the count grows with adoptions, not with ideas.
    elsewhere = within(select(func.count()).select_from(Adoption).join(Idea, col(Idea.id) == Adoption.origin_idea_id)
                       .where(unindexed(col(Idea.org_id)) == org_id), col(Adoption.created_at)).scalar_subquery()
    here = within(select(func.count()).select_from(Adoption).where(Adoption.receiver_org_id == org_id),
                  col(Adoption.created_at)).scalar_subquery()
    row = session.exec(select(offered, elsewhere, here)).one()
    return SpreadFigures(offered=row[0] or 0, adopted_elsewhere=row[1] or 0, adopted_here=row[2] or 0)
