"""Organisations, people and roles."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func
from sqlmodel import Session, col, select

from storage.db import Prepared, as_loaded, insert_for
from storage.guided import note_guided
from storage.models import GuidedCapture, Organisation, Person, Role

ROLES = ("coach", "manager", "admin")


class UnknownPersonRef(ValueError):
    """A person reference that is not `platform:user id`."""


def parse_person_ref(ref: str) -> tuple[str, str]:
    """`slack:U123` -> ("slack", "U123"). Platforms: slack, teams, shell."""
    platform, sep, user_id = ref.strip().partition(":")
    platform = platform.lower()
    if not sep or not user_id or platform not in ("slack", "teams", "shell"):
        raise UnknownPersonRef(ref)
    return platform, user_id


def _insert_ignore(session: Session, row: Organisation | Person) -> None:
    """INSERT … ON CONFLICT DO NOTHING: concurrent first sightings of the same row never fail.

    The values come from the model instance, so its defaults stay the only place defaults are written.
    """
    values = row.model_dump(exclude={"id"})
    session.execute(insert_for(session, type(row)).values(**values).on_conflict_do_nothing())


# Compiled once (`Prepared`), their rows made instances by `as_loaded`: every request looks up its organisation
# and its person, and building an ORM statement, or loading its rows through the ORM, costs more than running it
# (bench/core_bench.py).
_ORGS, _PEOPLE, _GUIDED = Organisation.__table__, Person.__table__, GuidedCapture.__table__  # type: ignore[attr-defined]
_ORG_BY_KEY = Prepared(select(_ORGS).where(_ORGS.c.key == bindparam("key")))
# The person with their unfinished guided capture, if any: every command asks for both (storage/guided.py).
_PERSON = Prepared(select(_PEOPLE, *_GUIDED.c).outerjoin(_GUIDED, _GUIDED.c.person_id == _PEOPLE.c.id)
                   .where(_PEOPLE.c.platform == bindparam("platform"), _PEOPLE.c.user_id == bindparam("user")))


def get_or_create_org(session: Session, key: str, name: str | None = None, *, now: datetime) -> Organisation:
    org = find_org(session, key)
    if org is None:
        _insert_ignore(session, Organisation(key=key, name=name or key, created_at=now))
        org = find_org(session, key)
        assert org is not None
    return org


def find_org(session: Session, key: str) -> Organisation | None:
    rows = _ORG_BY_KEY.rows(session, {"key": key})
    return as_loaded(session, Organisation, rows[0]) if rows else None


def get_person(session: Session, platform: str, user_id: str) -> Person | None:
    rows = _PERSON.rows(session, {"platform": platform, "user": user_id})
    if not rows:
        return None
    row = rows[0]
    person = as_loaded(session, Person, row)
    guided_row = row[len(_PEOPLE.c):]  # person_id first: None when there is no guided capture
    guided = as_loaded(session, GuidedCapture, guided_row) if guided_row[0] is not None else None
    note_guided(session, person.id, guided)
    return person


def get_or_create_person(
    session: Session,
    org: Organisation,
    platform: str,
    user_id: str,
    *,
    workspace: str | None = None,
    display_name: str | None = None,
    locale: str | None = None,
    timezone: str | None = None,
    now: datetime,
) -> Person:
    """Find the person, filling in what the platform told us this time; create them on first sight.

    Someone named before they ever wrote (on the command line, in `/idé grupp lägg till`) gets their
    organisation's connected workspace or tenant until they write: messages to them then go out with that
    workspace's token.
    """
    person = get_person(session, platform, user_id)
    if person is None:
        if workspace is None and org.id is not None:
            workspace = _connected_workspace(session, org.id, platform)
        _insert_ignore(session, Person(org_id=org.id, platform=platform, user_id=user_id, workspace=workspace,
                                       display_name=display_name, locale=locale, timezone=timezone,
                                       created_at=now))
        person = get_person(session, platform, user_id)
        assert person is not None
        return person
    changed = False
    for attr, value in (("workspace", workspace), ("display_name", display_name), ("locale", locale),
                        ("timezone", timezone)):
        if value and getattr(person, attr) != value:
            setattr(person, attr, value)
            changed = True
    if changed:
        session.add(person)
    return person


def _connected_workspace(session: Session, org_id: int, platform: str) -> str | None:
    from storage.orgs import SLACK_TEAM, TEAMS_TENANT, first_external_id

    kind = {"slack": SLACK_TEAM, "teams": TEAMS_TENANT}.get(platform)
    return first_external_id(session, org_id, kind) if kind else None


def has_role(session: Session, person: Person, *roles: str, org_id: int | None = None) -> bool:
    """True when the person has any of `roles` (in any scope) in the organisation `org_id` — by default their
    own. One query however many roles are asked."""
    if person.id is None:
        return False
    query = select(func.count()).select_from(Role).where(Role.person_id == person.id, col(Role.role).in_(roles),
                                                          Role.org_id == (org_id or person.org_id))
    return session.exec(query).one() > 0


def roles_of(session: Session, person: Person, *, org_id: int | None = None) -> set[str]:
    """Every role the person holds in the organisation `org_id` (default: their own), in any scope (one query)."""
    if person.id is None:
        return set()
    query = select(Role.role).where(Role.person_id == person.id, Role.org_id == (org_id or person.org_id))
    return set(session.exec(query).all())


def _scoped(query, role: str, group_id: int | None, org_id: int):  # type: ignore[no-untyped-def]
    query = query.where(Role.role == role, Role.org_id == org_id)
    return query.where(col(Role.group_id).is_(None)) if group_id is None else query.where(Role.group_id == group_id)


def grant_role(session: Session, person: Person, role: str, group_id: int | None = None, *, now: datetime,
               org_id: int | None = None) -> bool:
    """Give `person` the role in the organisation `org_id` (default: their own); False if they had it already
    (NULL scopes are compared by hand)."""
    if role not in ROLES:
        raise ValueError(role)
    org_id = org_id or person.org_id
    if session.exec(_scoped(select(Role).where(Role.person_id == person.id), role, group_id, org_id)).first():
        return False
    session.add(Role(person_id=person.id, role=role, group_id=group_id, org_id=org_id, created_at=now))
    session.flush()
    return True


def revoke_role(session: Session, person: Person, role: str, group_id: int | None = None, *,
                org_id: int | None = None) -> bool:
    rows = session.exec(_scoped(select(Role).where(Role.person_id == person.id), role, group_id,
                                org_id or person.org_id)).all()
    for row in rows:
        session.delete(row)
    session.flush()
    return bool(rows)


def list_roles(session: Session) -> list[tuple[Person, Role, Organisation]]:
    query = (select(Person, Role, Organisation).join(Role, Role.person_id == Person.id)
             .join(Organisation, col(Organisation.id) == Role.org_id)
             .order_by(Person.platform, Person.user_id, Organisation.key, Role.role))
    return list(session.exec(query).all())
