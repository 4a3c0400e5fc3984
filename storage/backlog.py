"""The backlog counts the database keeps (`IdeaBacklog`, triggers of migration 0014_idea_backlog): counted again
from the ideas and the memberships, to check them or to set them right after data was written with the triggers
off (a `pg_restore --disable-triggers`, a hand-edited SQLite file). `idesluss db recount`.

The count here is the triggers' independent twin: ideas grouped per (organisation, author, nudge group), then
spread over scopes in Python through the memberships, as storage.digests spreads its counts."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import case, delete, func, insert, text
from sqlmodel import Session, col, select

from storage.groups import groups_holding, memberships
from storage.models import Idea, IdeaBacklog, PilotGroup

Counts = dict[tuple[int, int], tuple[int, int]]  # (org, pilot group or 0 for the organisation) -> (unanswered, waiting)


def counted(session: Session) -> Counts:
    """What the ideas and memberships give, scopes with nothing left out."""
    group_key = func.coalesce(Idea.group_id, 0)
    query = (select(Idea.org_id, Idea.author_id, group_key,
                    func.sum(case((col(Idea.feedback_due).is_not(None), 1), else_=0)),
                    func.sum(case((Idea.stage == "new", 1), else_=0)))
             .where(col(Idea.withdrawn_at).is_(None), col(Idea.first_feedback_at).is_(None))
             .group_by(Idea.org_id, Idea.author_id, group_key))
    own: dict[int, set[int]] = defaultdict(set)
    for group_id, org_id in session.exec(select(PilotGroup.id, PilotGroup.org_id)).all():
        own[org_id].add(group_id)
    groups_of = {org_id: memberships(session, org_id) for org_id in own}
    totals: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for org_id, author_id, group_id, unanswered, waiting in session.connection().execute(query).all():
        for scope in {0} | groups_holding(groups_of.get(org_id, {}).get(author_id, ()), group_id, own[org_id]):
            totals[(org_id, scope)][0] += int(unanswered)
            totals[(org_id, scope)][1] += int(waiting)
    return {key: (u, w) for key, (u, w) in totals.items() if u or w}


def kept(session: Session) -> Counts:
    """What the table holds, scopes that fell to zero left out."""
    rows = session.connection().execute(select(IdeaBacklog.org_id, IdeaBacklog.group_key, IdeaBacklog.unanswered,
                                               IdeaBacklog.waiting)).all()
    return {(o, g): (u, w) for o, g, u, w in rows if u or w}


def recount(session: Session) -> int:
    """Count the backlog again; how many (organisation, scope) rows were wrong.

    Writers of ideas and memberships wait meanwhile (PostgreSQL: SHARE locks; SQLite's write transaction
    already holds the database), so no trigger falls between the count and the rewrite."""
    if session.connection().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE idea, group_member IN SHARE MODE"))
    now, right = kept(session), counted(session)
    wrong = sum(1 for key in now.keys() | right.keys() if now.get(key) != right.get(key))
    if wrong:
        session.execute(delete(IdeaBacklog))
        rows = [{"org_id": o, "group_key": g, "unanswered": u, "waiting": w} for (o, g), (u, w) in right.items()]
        if rows:
            session.execute(insert(IdeaBacklog), rows)
    return wrong
