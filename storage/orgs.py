"""Organisations in one deployment: their connections (Slack workspace / Grid organisation / Teams tenant) and
partnerships. Which organisation a request belongs to is decided in the core (bot/core/orgs.py) from these rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from storage.db import Prepared, as_loaded, insert_for
from storage.models import Idea, Organisation, OrgConnection, OrgPartner, Person, Role

SLACK_TEAM, SLACK_ENTERPRISE, TEAMS_TENANT = "slack_team", "slack_enterprise", "teams_tenant"
KINDS = (SLACK_TEAM, SLACK_ENTERPRISE, TEAMS_TENANT)
# Keys are what people type in `aneby#12` and on the command line: lower-case letters (å, ä, ö too), digits, - _.
KEY = re.compile(r"^[^\W_][\w-]{0,99}$")
_NAME_SUFFIXES = (" kommun", " kommunen", " stad", " region", " municipality")


class ConnectedElsewhere(ValueError):
    """The workspace or tenant is connected to another organisation already."""

    def __init__(self, org: Organisation) -> None:
        super().__init__(org.key)
        self.org = org


def valid_key(key: str) -> bool:
    return bool(KEY.match(key)) and key == key.lower()


def find_org(session: Session, key: str) -> Organisation | None:
    return session.exec(select(Organisation).where(Organisation.key == key)).first()


def find_org_by_word(session: Session, word: str) -> Organisation | None:
    """An organisation as a person writes it: its key (`aneby`), its name (`Aneby kommun`) or its label
    (`Aneby`), any case."""
    word = word.strip().casefold()
    if not word:
        return None
    for org in all_orgs(session):
        if word in (org.key.casefold(), (org.name or "").casefold(), label(org).casefold()):
            return org
    return None


def all_orgs(session: Session) -> list[Organisation]:
    return list(session.exec(select(Organisation).order_by(col(Organisation.id))).all())


def orgs_by_ids(session: Session, ids: Iterable[int]) -> dict[int, Organisation]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {o.id: o for o in session.exec(select(Organisation).where(col(Organisation.id).in_(wanted))).all()}


def label(org: Organisation) -> str:
    """How an idea's organisation is shown beside its number: "Aneby" in "Aneby #12" (the name without
    "kommun", else the key)."""
    name = (org.name or "").strip() or org.key
    for suffix in _NAME_SUFFIXES:
        if name.casefold().endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)].strip()
    return name


# -- connections -------------------------------------------------------------------------------------------


def any_connection(session: Session) -> bool:
    """Whether any workspace or tenant is connected at all: until one is, everything is one organisation."""
    return session.exec(select(OrgConnection.id).limit(1)).first() is not None


def resolve_org(session: Session, candidates: Iterable[tuple[str, str | None]], default_key: str
                ) -> tuple[Organisation | None, bool]:
    """(organisation, connected) for a request, in one query (every request asks): the first candidate (kind,
    external id) that is connected, else — only while nothing at all is connected — the organisation
    `default_key` (None when it does not exist yet). `connected` says whether any connection exists.

    Two indexed branches in a UNION ALL (the connection by its unique (kind, external_id); the default
    organisation by its key), each carrying whether anything is connected: the cost does not grow with the
    number of organisations."""
    wanted = [(kind, ext) for kind, ext in candidates if ext]
    order = {pair: n for n, pair in enumerate(wanted)}
    statement = _resolve_sql(len(wanted))
    params: dict[str, object] = {"default": default_key}
    for n, (kind, ext) in enumerate(wanted):
        params[f"kind{n}"], params[f"ext{n}"] = kind, ext
    rows = statement.rows(session, params)
    n = len(Organisation.__table__.c)  # type: ignore[attr-defined]
    connected = [row for row in rows if row[n] is not None]  # the organisation's columns, kind, external_id
    if connected:
        connected.sort(key=lambda row: order.get((row[n], row[n + 1]), len(order)))
        return as_loaded(session, Organisation, connected[0]), True
    if not rows:  # the default organisation is not created yet: is anything connected at all?
        return None, any_connection(session)
    return (None, True) if rows[0][n + 2] else (as_loaded(session, Organisation, rows[0]), False)


@lru_cache(maxsize=8)
def _resolve_sql(n_candidates: int) -> Prepared:
    """Compiled once per number of candidates; tables, not models (a statement naming a model runs through the
    ORM's execution path), its rows made the organisation by `as_loaded`."""
    from sqlalchemy import bindparam, null, true, union_all

    orgs, links = Organisation.__table__, OrgConnection.__table__  # type: ignore[attr-defined]
    anything = select(links.c.id).exists().label("anything")
    branches = [select(orgs, null().label("kind"), null().label("external_id"), anything)
                .where(orgs.c.key == bindparam("default"))]
    if n_candidates:
        matches = or_(*[(links.c.kind == bindparam(f"kind{n}")) & (links.c.external_id == bindparam(f"ext{n}"))
                        for n in range(n_candidates)])
        branches.append(select(orgs, links.c.kind, links.c.external_id, true().label("anything"))
                        .join(links, links.c.org_id == orgs.c.id).where(matches))
    return Prepared(union_all(*branches))


def connected_org(session: Session, kind: str, external_id: str | None) -> Organisation | None:
    if not external_id:
        return None
    query = (select(Organisation).join(OrgConnection, col(OrgConnection.org_id) == Organisation.id)
             .where(OrgConnection.kind == kind, OrgConnection.external_id == external_id))
    return session.exec(query).first()


def connect(session: Session, org: Organisation, kind: str, external_id: str, *, now: datetime,
            move: bool = False) -> bool:
    """Connect a workspace/tenant to `org`. False when it was already; ConnectedElsewhere unless `move`."""
    if kind not in KINDS:
        raise ValueError(kind)
    existing = session.exec(select(OrgConnection).where(OrgConnection.kind == kind,
                                                        OrgConnection.external_id == external_id)).first()
    if existing is not None:
        if existing.org_id == org.id:
            return False
        if not move:
            raise ConnectedElsewhere(session.get(Organisation, existing.org_id))  # type: ignore[arg-type]
        existing.org_id = org.id  # type: ignore[assignment]
        session.add(existing)
        session.flush()
        return True
    session.execute(insert_for(session, OrgConnection).values(org_id=org.id, kind=kind, external_id=external_id,
                                                              created_at=now).on_conflict_do_nothing())
    session.flush()
    return True


def disconnect(session: Session, org: Organisation, kind: str, external_id: str) -> bool:
    row = session.exec(select(OrgConnection).where(OrgConnection.kind == kind, OrgConnection.external_id ==
                                                   external_id, OrgConnection.org_id == org.id)).first()
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def connections(session: Session, org_id: int | None = None) -> list[OrgConnection]:
    query = select(OrgConnection).order_by(col(OrgConnection.org_id), col(OrgConnection.kind),
                                           col(OrgConnection.external_id))
    if org_id is not None:
        query = query.where(OrgConnection.org_id == org_id)
    return list(session.exec(query).all())


def first_external_id(session: Session, org_id: int, kind: str) -> str | None:
    """The organisation's first connected workspace/tenant of a kind: where its channel posts go."""
    query = (select(OrgConnection.external_id).where(OrgConnection.org_id == org_id, OrgConnection.kind == kind)
             .order_by(col(OrgConnection.id)).limit(1))
    return session.exec(query).first()


def unconnected_workspaces(session: Session) -> list[tuple[str, str, str]]:
    """(organisation key, platform, workspace) of people the bot knows from workspaces or tenants that no
    connection names: what stops being served once the first connection is made."""
    known = {(c.kind, c.external_id) for c in connections(session)}
    query = (select(Organisation.key, Person.platform, Person.workspace)
             .join(Organisation, col(Organisation.id) == Person.org_id)
             .where(col(Person.workspace).is_not(None), col(Person.platform).in_(["slack", "teams"]))
             .distinct())
    found = []
    for key, platform, workspace in session.exec(query).all():
        kinds = (SLACK_TEAM, SLACK_ENTERPRISE) if platform == "slack" else (TEAMS_TENANT,)
        if not any((kind, workspace) in known for kind in kinds):
            found.append((key, platform, workspace))
    return sorted(found)


# -- partners ----------------------------------------------------------------------------------------------


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def partner(session: Session, a: Organisation, b: Organisation, *, now: datetime) -> bool:
    """Make two organisations partners; False when they were already."""
    if a.id == b.id:
        raise ValueError("an organisation is not its own partner")
    low, high = _pair(a.id, b.id)  # type: ignore[arg-type]
    inserted = session.execute(insert_for(session, OrgPartner).values(org_id=low, partner_id=high, created_at=now)
                               .on_conflict_do_nothing().returning(OrgPartner.id)).scalar_one_or_none()
    return inserted is not None


def unpartner(session: Session, a: Organisation, b: Organisation) -> bool:
    low, high = _pair(a.id, b.id)  # type: ignore[arg-type]
    row = session.exec(select(OrgPartner).where(OrgPartner.org_id == low, OrgPartner.partner_id == high)).first()
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def partner_ids(session: Session, org_id: int) -> set[int]:
    rows = session.exec(select(OrgPartner.org_id, OrgPartner.partner_id)
                        .where(or_(OrgPartner.org_id == org_id, OrgPartner.partner_id == org_id))).all()
    return {b if a == org_id else a for a, b in rows}


def partner_pairs(session: Session) -> set[tuple[int, int]]:
    """Every partnership, as (lower id, higher id)."""
    return {(a, b) for a, b in session.exec(select(OrgPartner.org_id, OrgPartner.partner_id)).all()}


def are_partners(session: Session, a_id: int, b_id: int) -> bool:
    low, high = _pair(a_id, b_id)
    return session.exec(select(OrgPartner.id).where(OrgPartner.org_id == low, OrgPartner.partner_id == high)
                        ).first() is not None


# -- roles across organisations ---------------------------------------------------------------------------------


def role_org_ids(session: Session, person: Person, roles: Iterable[str]) -> set[int]:
    """The organisations in which the person holds any of `roles` (one query)."""
    if person.id is None:
        return set()
    query = select(Role.org_id).where(Role.person_id == person.id, col(Role.role).in_(list(roles))).distinct()
    return set(session.exec(query).all())


def people_with_roles(session: Session, org_id: int, roles: Iterable[str]) -> list[Person]:
    """Everyone who holds one of `roles` in the organisation (its own people and shared ones), by id."""
    query = (select(Person).join(Role, col(Role.person_id) == Person.id)
             .where(Role.org_id == org_id, col(Role.role).in_(list(roles))).distinct().order_by(col(Person.id)))
    return list(session.exec(query).all())


def people_of(session: Session, org_id: int) -> list[Person]:
    """Every person the bot knows in the organisation (those it has met, or that were named on the command line)."""
    return list(session.exec(select(Person).where(Person.org_id == org_id).order_by(col(Person.id))).all())


def idea_counts(session: Session) -> dict[int, int]:
    rows = session.exec(select(Idea.org_id, func.count()).where(col(Idea.withdrawn_at).is_(None))
                        .group_by(Idea.org_id)).all()
    return {org_id: n for org_id, n in rows}
