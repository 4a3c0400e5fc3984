"""What every command needs: the settings, the one clock, the runtime, and people and groups named on the line."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, NoReturn

import typer
from sqlmodel import Session

from bot.config import Settings, get_settings
from bot.core.clock import Clock, SystemClock

if TYPE_CHECKING:
    from bot.app import Runtime
    from storage.db import Database
    from storage.models import Organisation, Person, PilotGroup


def fail(message: str) -> NoReturn:
    """One clear line on stderr and exit status 2: never a traceback for something the operator typed."""
    typer.echo(message, err=True)
    raise typer.Exit(2)


def settings() -> Settings:
    return get_settings()


def clock() -> Clock:
    return SystemClock()


def database(config: Settings | None = None) -> Database:
    from bot.app import SchemaOutOfDate, open_database

    try:
        return open_database(config or settings())
    except SchemaOutOfDate as exc:
        fail(str(exc))


def runtime(config: Settings | None = None, at: Clock | None = None, **kwargs: object) -> Runtime:
    """The composition root's runtime for a command that sends (its senders, no inbound routes)."""
    from bot.app import SchemaOutOfDate, build_runtime

    try:
        return build_runtime(config or settings(), at or clock(), **kwargs)  # type: ignore[arg-type]
    except SchemaOutOfDate as exc:
        fail(str(exc))


def organisation(session: Session, config: Settings, platform: str, now: object) -> Organisation:
    """The organisation of a platform while nothing is connected: the shell's `local`, else IDESLUSS_ORGANISATION."""
    from bot.core.service import org_key_for
    from storage.people import get_or_create_org

    return get_or_create_org(session, org_key_for(platform, config), now=now)  # type: ignore[arg-type]


def org_by_key(session: Session, key: str | None, config: Settings, now: object, platform: str = "") -> Organisation:
    """The organisation `--org KEY` names. Without --org: the default (IDESLUSS_ORGANISATION, or the shell's
    `local`), created on first use as it always was; a key given must be known (`idesluss orgs add`)."""
    from storage.orgs import find_org

    if key is None or key in (config.organisation, "local"):
        return organisation(session, config, "shell" if key == "local" else platform, now)
    found = find_org(session, key)
    if found is None:
        fail(f"There is no organisation {key!r}: add it with `idesluss orgs add {key} --name …` "
             "(see `idesluss orgs list`).")
    return found


def person(session: Session, ref: str, config: Settings, now: object, org: Organisation | None = None) -> Person:
    """PERSON as written on the command line (slack:U…, teams:<aad object id>, shell:<name>). A person the bot
    has not met yet is put in `org` (default: the platform's default organisation) until they first write: then
    they belong to the organisation of their workspace."""
    from storage.people import UnknownPersonRef, get_or_create_person, get_person, parse_person_ref

    try:
        platform, user_id = parse_person_ref(ref)
    except UnknownPersonRef:
        fail(f"Unknown person {ref!r}: write slack:U…, teams:<aad object id> or shell:<name>.")
    known = get_person(session, platform, user_id)
    if known is not None:
        return known
    home = org if org is not None and platform != "shell" else organisation(session, config, platform, now)
    return get_or_create_person(session, home, platform, user_id, now=now)  # type: ignore[arg-type]


def existing_person(session: Session, ref: str) -> Person | None:
    """PERSON as written on the command line, if the bot knows them (never creates one: an export or an
    erasure of someone unknown must not leave a new row behind)."""
    from storage.people import UnknownPersonRef, get_person, parse_person_ref

    try:
        platform, user_id = parse_person_ref(ref)
    except UnknownPersonRef:
        fail(f"Unknown person {ref!r}: write slack:U…, teams:<aad object id> or shell:<name>.")
    return get_person(session, platform, user_id)


def operator() -> str:
    """Who runs this command (the OS account and host), for the audit trail: operators are not bot users."""
    import getpass
    import socket

    try:
        user = getpass.getuser()
    except Exception:  # no login name (a container without a passwd entry)
        user = "unknown"
    return f"{user}@{socket.gethostname()}"[:200]


def moment(value: str | None, option: str, config: Settings | None = None) -> datetime | None:
    """A date (local midnight in IDESLUSS_TIMEZONE) or an ISO time, as given after `option`."""
    from zoneinfo import ZoneInfo

    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        fail(f"{option} is a date or an ISO time, e.g. 2026-03-01 or 2026-03-01T08:00+01:00, not {value!r}.")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo((config or settings()).timezone))
    return parsed


def group(session: Session, name: str, org: str | None = None) -> PilotGroup:
    """The pilot group NAME; with several organisations holding one of that name, `--org KEY` says which."""
    from sqlmodel import select

    from storage.groups import get_group
    from storage.models import PilotGroup
    from storage.orgs import find_org

    if org is not None:
        owner = find_org(session, org)
        found = get_group(session, owner.id, name) if owner is not None else None
        if found is None:
            fail(f"No group called {name!r} in {org!r}: see `idesluss groups list`.")
        return found
    matches = session.exec(select(PilotGroup).where(PilotGroup.name == name)).all()
    if not matches:
        fail(f"No group called {name!r}: see `idesluss groups list`.")
    if len(matches) > 1:
        fail(f"Several organisations have a group called {name!r}: say which with --org KEY.")
    return matches[0]


def audit(session: Session, action: str, *, now: object, org_id: int | None, subject_id: int | None = None,
          detail: dict[str, str | int | bool | None] | None = None) -> None:
    """An operator's act at the command line that changes who may do what across organisations (a connection,
    a partnership), recorded in the audit trail in the act's own transaction."""
    from storage import audit as trail

    trail.record(session, action=action, now=now, via=trail.CLI, operator=operator(), org_id=org_id,  # type: ignore[arg-type]
                 subject_id=subject_id, detail=detail)
