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
    from bot.core.service import org_key_for
    from storage.people import get_or_create_org

    return get_or_create_org(session, org_key_for(platform, config), now=now)  # type: ignore[arg-type]


def person(session: Session, ref: str, config: Settings, now: object) -> Person:
    """PERSON as written on the command line (slack:U…, teams:<aad object id>, shell:<name>)."""
    from storage.people import UnknownPersonRef, get_or_create_person, parse_person_ref

    try:
        platform, user_id = parse_person_ref(ref)
    except UnknownPersonRef:
        fail(f"Unknown person {ref!r}: write slack:U…, teams:<aad object id> or shell:<name>.")
    org = organisation(session, config, platform, now)
    return get_or_create_person(session, org, platform, user_id, now=now)  # type: ignore[arg-type]


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


def group(session: Session, name: str) -> PilotGroup:
    from storage.groups import find_group

    found = find_group(session, name)
    if found is None:
        fail(f"No group called {name!r}: see `idesluss groups list`.")
    return found
