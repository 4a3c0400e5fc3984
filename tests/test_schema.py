"""Schema upgrades as an operator meets them: SQLite upgrades itself; PostgreSQL, shared by replicas, is upgraded
only by `idesluss db upgrade`, which two operators may run at the same moment."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from storage.db import Database, schema_is_current
from tests.conftest import own_postgres_database


def cli(args: list[str], database_url: str) -> subprocess.Popen[str]:
    env = {**os.environ, "IDESLUSS_DATABASE_URL": database_url, "PYTHONIOENCODING": "utf-8"}
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "TEAMS_APP_ID"):
        env.pop(name, None)
    return subprocess.Popen([sys.executable, "-m", "bot.cli", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)


@pytest.fixture
def empty_postgres() -> Iterator[str]:
    """A PostgreSQL database of this test's own, with no schema at all (a new release's first deploy)."""
    with own_postgres_database("idesluss_schema") as url:
        yield url


def test_serve_refuses_an_out_of_date_postgresql_schema_with_one_line_naming_db_upgrade(empty_postgres):
    serve = cli(["serve", "--host", "127.0.0.1", "--port", "0", "--no-scheduler"], empty_postgres)
    _, err = serve.communicate(timeout=60)
    assert serve.returncode == 2
    assert err.strip() == "The database schema is not up to date: run `idesluss db upgrade` first."
    db = Database(empty_postgres)
    assert not schema_is_current(db.engine)  # serve did not migrate behind the operator's back
    db.dispose()


def test_two_operators_upgrading_at_once_both_succeed_and_the_schema_is_current(empty_postgres):
    upgrades = [cli(["db", "upgrade"], empty_postgres) for _ in range(2)]
    results = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in upgrades]
    assert [code for code, _ in results] == [0, 0], results
    db = Database(empty_postgres)
    assert schema_is_current(db.engine)
    db.dispose()


def test_sqlite_is_created_and_upgraded_by_the_first_command(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    listed = cli(["roles", "list"], url)
    assert listed.wait(timeout=60) == 0, listed.stderr.read() if listed.stderr else ""
    db = Database(url)
    assert schema_is_current(db.engine)
    db.dispose()
