"""`idesluss roles grant|revoke|list`: who is a coach, a manager (of the organisation or a group), an admin — in
their own organisation, or with `--org KEY` in a partner organisation (a shared coach)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from sqlmodel import Session

from bot.cli import common
from storage import audit
from storage.models import Person

roles_app = typer.Typer(help="Roles: coach, manager, admin.", no_args_is_help=True)
GroupOption = Annotated[str | None, typer.Option("--group", help="Scope a manager to this pilot group "
                                                                 "(without it: the whole organisation).")]
OrgOption = Annotated[str | None, typer.Option("--org", help="The organisation the role is held in (default: the "
                                                             "person's own). A partner's: a shared coach.")]


def register(app: typer.Typer) -> None:
    app.add_typer(roles_app, name="roles")


def _check_role(role: str) -> None:
    from storage.people import ROLES

    if role not in ROLES:
        common.fail(f"Unknown role {role!r}: choose one of {', '.join(ROLES)}.")


def _group_id(session: Session, name: str | None, org_id: int) -> int | None:
    if name is None:
        return None
    from storage.groups import get_group

    group = get_group(session, org_id, name)
    if group is None:
        common.fail(f"There is no pilot group {name!r}: create it with `idesluss groups create`.")
    return group.id


def _audit(session: Session, action: str, who: Person, role: str, group_id: int | None, now: datetime, *,
           org_id: int) -> None:
    """Audited in the organisation the role is held in (a partner's, for a shared coach)."""
    audit.record(session, action=action, now=now, via=audit.CLI, operator=common.operator(), org_id=org_id,
                 subject_id=who.id, detail={"role": role, "group_id": group_id, "shared": org_id != who.org_id})


def _where(session: Session, settings, who, org_key: str | None, now):  # type: ignore[no-untyped-def]
    """The organisation of the role: the person's own, or `--org`, which must then be a partner of theirs."""
    from storage.models import Organisation
    from storage.orgs import are_partners

    if org_key is None:
        return session.get(Organisation, who.org_id)
    org = common.org_by_key(session, org_key, settings, now, who.platform)
    if org.id != who.org_id and not are_partners(session, org.id, who.org_id):
        home = session.get(Organisation, who.org_id)
        common.fail(f"{who.ref} belongs to {home.key!r}, which is not a partner of {org.key!r}: "
                    f"`idesluss orgs partner {home.key} {org.key}` first.")
    return org


@roles_app.command("grant")
def roles_grant(person: str, role: str, group: GroupOption = None, org: OrgOption = None) -> None:
    """Give PERSON (slack:U…, teams:<id>, shell:<name>) the ROLE coach, manager or admin."""
    from storage.people import grant_role

    _check_role(role)
    settings, now = common.settings(), common.clock().now()
    db = common.database(settings)
    with db.session() as session:
        target = common.org_by_key(session, org, settings, now) if org else None
        who = common.person(session, person, settings, now, org=target)
        where = _where(session, settings, who, org, now)
        group_id = _group_id(session, group, where.id)
        added = grant_role(session, who, role, group_id, now=now, org_id=where.id)
        if added:
            _audit(session, audit.ROLE_GRANT, who, role, group_id, now, org_id=where.id)
    scope = f" for the group {group}" if group else ""
    scope += f" in {where.key}" if org else ""
    typer.echo(f"{person} is {role}{scope}." if added else f"{person} was already {role}{scope}.")


@roles_app.command("revoke")
def roles_revoke(person: str, role: str, group: GroupOption = None, org: OrgOption = None) -> None:
    """Take ROLE away from PERSON."""
    from storage.models import Organisation
    from storage.people import revoke_role

    _check_role(role)
    settings, now = common.settings(), common.clock().now()
    db = common.database(settings)
    with db.session() as session:
        who = common.person(session, person, settings, now)
        where = common.org_by_key(session, org, settings, now, who.platform) if org else \
            session.get(Organisation, who.org_id)
        group_id = _group_id(session, group, where.id)
        removed = revoke_role(session, who, role, group_id, org_id=where.id)
        if removed:
            _audit(session, audit.ROLE_REVOKE, who, role, group_id, now, org_id=where.id)
    typer.echo(f"{person} is no longer {role}." if removed else f"{person} did not have the role {role}.")


@roles_app.command("list")
def roles_list() -> None:
    """Everyone with a role."""
    from storage.groups import all_groups
    from storage.orgs import partner_pairs
    from storage.people import list_roles

    db = common.database()
    with db.session() as session:
        groups = {g.id: g.name for g in all_groups(session)}
        pairs = partner_pairs(session)
        for who, role, org in list_roles(session):
            scope = f"\tgroup {groups[role.group_id]}" if role.group_id in groups else ""
            # A role in another organisation counts only while the two are partners (it is kept, so that
            # partnering again restores it): say so rather than list it as if it worked.
            lapsed = (who.org_id != org.id and tuple(sorted((who.org_id, org.id))) not in pairs)
            typer.echo(f"{who.ref}\t{role.role}{scope}\torg {org.key}"
                       + ("\tcounts for nothing: not a partner of the person's organisation" if lapsed else ""))
