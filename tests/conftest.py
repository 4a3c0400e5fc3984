"""Shared fixtures: a real, migrated database per test (SQLite by default, PostgreSQL when
IDESLUSS_TEST_DATABASE_URL is set) and the core on top of it. Nothing of our own is mocked."""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

from bot.config import Settings
from bot.core import Actor, Core
from bot.core.clock import ManualClock
from bot.core.replies import Reply
from storage.db import Database

PG_URL = os.environ.get("IDESLUSS_TEST_DATABASE_URL")
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


class ShellUser:
    """A person talking to the core through the shell's path: the errbot lesson, the console is the fake."""

    def __init__(self, core: Core, name: str, lang: str = "sv") -> None:
        self.core = core
        self.actor = Actor(platform="shell", user_id=name, display_name=name, locale=lang)

    def say(self, text: str) -> Reply:
        return self.core.handle_message(self.actor, text)

    def text(self, text: str) -> str:
        from bot.shell import render

        return render(self.say(text))


@pytest.fixture
def anna(core: Core) -> ShellUser:
    return ShellUser(core, "anna")


@pytest.fixture
def bertil(core: Core) -> ShellUser:
    return ShellUser(core, "bertil")


@pytest.fixture
def coach(core: Core, db: Database, clock: ManualClock) -> ShellUser:
    from storage.people import get_or_create_org, get_or_create_person, grant_role

    now = clock.now()
    with db.session() as session:
        org = get_or_create_org(session, "local", now=now)
        cecilia = get_or_create_person(session, org, "shell", "cecilia", display_name="cecilia", now=now)
        grant_role(session, cecilia, "coach", now=now)
    return ShellUser(core, "cecilia")


@pytest.fixture
def out() -> io.StringIO:
    return io.StringIO()
