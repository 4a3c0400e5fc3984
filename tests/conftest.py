"""Shared fixtures: a real, migrated database per test (SQLite by default, PostgreSQL when
IDESLUSS_TEST_DATABASE_URL is set) and the core on top of it. Nothing of our own is mocked."""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

from bot.config import Settings
from bot.core import Actor, Core
from bot.core.clock import ManualClock
from bot.core.replies import Reply
from storage.db import Database

if TYPE_CHECKING:
    from bot.shell import Console

PG_URL = os.environ.get("IDESLUSS_TEST_DATABASE_URL")


@contextmanager
def own_postgres_database(prefix: str) -> Iterator[str]:
    """A PostgreSQL database of the caller's own next to IDESLUSS_TEST_DATABASE_URL's, with no schema at all (a
    new release's first deploy, or a migration run from an old revision); dropped afterwards. Skips without it."""
    import uuid

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from storage.db import normalise_url

    if not PG_URL:
        pytest.skip("PostgreSQL only (IDESLUSS_TEST_DATABASE_URL)")
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    server = create_engine(normalise_url(PG_URL), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(normalise_url(PG_URL)).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        server.dispose()
@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database with no schema at all, on SQLite and (skipped without it) on PostgreSQL: for
    migrations run step by step."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    with own_postgres_database("idesluss_migrate") as url:
        yield url


# Every test starts at this moment (a Monday morning in Stockholm, ISO week 2026-W10), whatever today is.
START = datetime(2026, 3, 2, 9, 30, tzinfo=ZoneInfo("Europe/Stockholm"))


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    db.dispose()  # the last connection to close checkpoints the WAL into the file
    assert not Path(f"{path}-wal").exists()
    return path


@pytest.fixture(scope="session")
def _pg_database() -> Iterator[Database | None]:
    if not PG_URL:
        yield None
        return
    db = Database(PG_URL)
    # Start from an empty schema: a database left behind by an earlier run may hold an older revision.
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    db.upgrade()
    yield db
    db.dispose()


def _truncate_all(db: Database) -> None:
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    extra = [name for name in _extra_tables(db) if name not in {t.name for t in SQLModel.metadata.sorted_tables}]
    if extra:
        tables += ", " + ", ".join(f'"{t}"' for t in extra)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def _extra_tables(db: Database) -> list[str]:
    from sqlalchemy import inspect

    return [t for t in inspect(db.engine).get_table_names() if t != "alembic_version"]


@pytest.fixture
def database_url(tmp_path: Path, _sqlite_template: Path, _pg_database: Database | None) -> str:
    """A URL to an empty, migrated database of this test's own."""
    if _pg_database is not None:
        _truncate_all(_pg_database)
        return _pg_database.url
    path = tmp_path / "idesluss.db"
    shutil.copyfile(_sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, organisation="testkommun", default_locale="sv")


@pytest.fixture
def clock() -> ManualClock:
    """The one clock of the test: storage, core, dispatcher and scheduler all read it."""
    return ManualClock(START)


@pytest.fixture
def core(db: Database, settings: Settings, clock: ManualClock) -> Core:
    return Core(db, settings, clock)


def serving(settings: Settings, clock: ManualClock, db: Database, **kwargs: object):  # type: ignore[no-untyped-def]
    """The composition root's runtime for a web app under test: the same wiring as `idesluss serve`."""
    from bot.app import build_runtime

    return build_runtime(settings, clock, serve=True, db=db, **kwargs)  # type: ignore[arg-type]


def typed(console: Console, line: str) -> str:
    """One line typed at the console (by whoever is at the keyboard, as `idesluss shell` reads it); returns
    what the console printed for it, deliveries included."""
    assert isinstance(console.out, io.StringIO)
    before = len(console.out.getvalue())
    console.line(line)
    return console.out.getvalue()[before:]


class ShellUser:
    """A person at the shell's console: the errbot lesson, the console is the fake.

    A thin wrapper over `bot.shell.Console`, the class `idesluss shell` drives line by line: each method
    first makes this person the one at the keyboard (`:as`), then does what the verb does. Several people
    share one console (the `anna`, `bertil`, `coach` fixtures), so a delivery to Anna is Anna's to press.
    """

    def __init__(self, core: Core, name: str, lang: str = "sv", *, console: Console | None = None) -> None:
        from bot.shell import Console

        self.core = core
        self.name = name
        self.lang = lang
        self.console = console or Console(core, name, lang, out=io.StringIO())

    @property
    def actor(self) -> Actor:
        """Who this person is to the core (the console's actor for them, without switching to them)."""
        return Actor(platform="shell", user_id=self.name, display_name=self.name, locale=self.lang)

    def _here(self) -> Console:
        if self.console.name != self.name:
            switched = self.console.switch(self.name, self.lang)
            assert self.console.name == self.name, switched.text
        return self.console

    def say(self, text: str) -> Reply:
        """A message to the bot (`/idé …`, or an answer to a guided question)."""
        return self._here().say(text)

    def text(self, text: str) -> str:
        """`say`, as the console prints it (numbered buttons, the shell's verbs under the help)."""
        from bot.shell import render

        return render(self.say(text), console=True)

    def press(self, number: int, ref: str | None = None, *, option: int | None = None) -> Reply:
        """`:N` (button N of the latest message to this person), `:N REF`, or `:N.M` (option M of choice N)."""
        return self._here().press(number, ref, option=option)

    def react(self, ref: str | int, *, added: bool = True) -> Reply:
        """`:react REF +1` (or `-1` with added=False); REF an idea number or a delivery label like "m3"."""
        return self._here().react(str(ref), added=added)

    def thread(self, ref: str | int, text: str) -> Reply:
        """`:thread REF text`."""
        return self._here().thread(str(ref), text)

    def fill_form(self, values: dict[str, object]) -> Reply:
        """Answer the open form (opened by a button) and submit it."""
        return self._here().fill_form(values)

    def enter(self, line: str) -> str:
        """One line typed by this person exactly as `idesluss shell` reads it; returns what it printed."""
        return typed(self._here(), line)

    @property
    def last(self) -> Reply | None:
        """The latest message the console showed this person (what `:1` presses)."""
        shown = self.console.transcript.last(self.name)
        return shown.reply if shown else None

    def as_(self, name: str, lang: str | None = None) -> ShellUser:
        """Another person at the same console (`:as NAME`)."""
        return ShellUser(self.core, name, lang or self.lang, console=self.console)


@pytest.fixture
def out() -> io.StringIO:
    """Everything the shell's console printed, deliveries included, in order."""
    return io.StringIO()


@pytest.fixture
def console(core: Core, out: io.StringIO) -> Console:
    """The console the people fixtures share. It delivers nothing by itself, so a test can look at what the
    outbox holds; ask for `shell` as well to have it delivered after each step, as `idesluss shell` does."""
    from bot.shell import Console

    return Console(core, "anna", out=out)


@pytest.fixture
def shell(console: Console, settings: Settings, db: Database, clock: ManualClock, out: io.StringIO) -> Console:
    """The console as `idesluss shell` runs it, wired to a runtime from the composition root exactly as the
    command wires it: after each step the outbox's messages to shell users go out through the shell's sender
    (printed to `out`, labelled [m1], [m2] …) and `:nudge GROUP` sends a group's question."""
    from bot.app import build_runtime
    from bot.cli.running import console_wiring

    wiring = console_wiring(build_runtime(settings, clock, db=db, out=out))
    console.deliver, console.transcript, console.send_nudge = (wiring["deliver"], wiring["transcript"],
                                                               wiring["send_nudge"])
    return console


@pytest.fixture
def anna(core: Core, console: Console) -> ShellUser:
    return ShellUser(core, "anna", console=console)


@pytest.fixture
def bertil(core: Core, console: Console) -> ShellUser:
    return ShellUser(core, "bertil", console=console)


@pytest.fixture
def coach(core: Core, console: Console, db: Database, clock: ManualClock) -> ShellUser:
    from storage.people import get_or_create_org, get_or_create_person, grant_role

    now = clock.now()
    with db.session() as session:
        org = get_or_create_org(session, "local", now=now)
        cecilia = get_or_create_person(session, org, "shell", "cecilia", display_name="cecilia", now=now)
        grant_role(session, cecilia, "coach", now=now)
    return ShellUser(core, "cecilia", console=console)
