"""`idesluss roles grant|revoke|list`: who is a coach, a manager (of the organisation or a group), an admin."""

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


def _audit(session: Session, action: str, who: Person, role: str, group_id: int | None, now: datetime) -> None:
    audit.record(session, action=action, now=now, via=audit.CLI, operator=common.operator(), org_id=who.org_id,
                 subject_id=who.id, detail={"role": role, "group_id": group_id})


@roles_app.command("grant")
def roles_grant(person: str, role: str, group: GroupOption = None) -> None:
    """Give PERSON (slack:U…, teams:<id>, shell:<name>) the ROLE coach, manager or admin."""
    from storage.people import grant_role

    _check_role(role)
    settings, now = common.settings(), common.clock().now()
    db = common.database(settings)
    with db.session() as session:
        who = common.person(session, person, settings, now)
        group_id = _group_id(session, group, who.org_id)
        added = grant_role(session, who, role, group_id, now=now)
        if added:
            _audit(session, audit.ROLE_GRANT, who, role, group_id, now)
    scope = f" for the group {group}" if group else ""
    typer.echo(f"{person} is {role}{scope}." if added else f"{person} was already {role}{scope}.")


@roles_app.command("revoke")
def roles_revoke(person: str, role: str, group: GroupOption = None) -> None:
    """Take ROLE away from PERSON."""
    from storage.people import revoke_role

    _check_role(role)
    settings, now = common.settings(), common.clock().now()
    db = common.database(settings)
    with db.session() as session:
        who = common.person(session, person, settings, now)
        group_id = _group_id(session, group, who.org_id)
        removed = revoke_role(session, who, role, group_id)
        if removed:
            _audit(session, audit.ROLE_REVOKE, who, role, group_id, now)
    typer.echo(f"{person} is no longer {role}." if removed else f"{person} did not have the role {role}.")


@roles_app.command("list")
def roles_list() -> None:
    """Everyone with a role."""
    from storage.groups import all_groups
    from storage.people import list_roles

    db = common.database()
    with db.session() as session:
        groups = {g.id: g.name for g in all_groups(session)}
        for who, role in list_roles(session):
            scope = f"\tgroup {groups[role.group_id]}" if role.group_id in groups else ""
            typer.echo(f"{who.ref}\t{role.role}{scope}")
