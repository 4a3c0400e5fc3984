"""/healthz tells a database that cannot be written from one that is fine: 503 with the reason, 200 when fine.

Each failure is real: PostgreSQL switched to read-only with `default_transaction_read_only` (as after a failover
to a standby), SQLite on a small tmpfs filled to the last byte and then remounted read-only (mounting needs root,
which CI has; elsewhere those tests skip, saying so), a database that does not answer at all.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.core import Actor
from bot.web.app import create_app
from storage.db import Database, normalise_url
from tests.conftest import PG_URL, serving
from tests.slack.conftest import AppServer
from tests.unavailable import unavailable_database_url

ANNA = Actor(platform="shell", user_id="anna", display_name="Anna")


def health(server: AppServer) -> httpx.Response:
    return httpx.get(f"{server.url}/healthz", timeout=10)


def beats(db: Database) -> int:
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM health_beat")).scalar_one()


def test_a_healthy_database_is_200_and_the_probes_keep_at_most_one_row(database_url, db, clock):
    with AppServer(create_app(serving(Settings(database_url=database_url), clock, db))) as server:
        answers = [health(server) for _ in range(5)]

    assert [a.status_code for a in answers] == [200] * 5
    assert answers[0].json() == {"status": "ok", "database": "ok", "slack": "off"}
    assert beats(db) == (1 if db.dialect == "sqlite" else 0)  # SQLite overwrites one row; PostgreSQL keeps none


def test_a_database_that_does_not_answer_is_503_unavailable(tmp_path, clock):
    url = unavailable_database_url(tmp_path)
    with AppServer(create_app(serving(Settings(database_url=url), clock, Database(url)))) as server:
        answer = health(server)

    assert answer.status_code == 503
    assert answer.json()["database"] == "unavailable"
    assert answer.json()["reason"].startswith("no answer")
    assert "127.0.0.1" not in answer.text  # what the driver said (hosts, ports) stays in the log


# -- PostgreSQL read-only ----------------------------------------------------------------------------------------

@contextlib.contextmanager
def read_only(database_url: str) -> Iterator[None]:
    """The whole database read-only for new sessions, and back in any case."""
    name = make_url(normalise_url(database_url)).database
    admin = create_engine(normalise_url(database_url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
        yield
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql("SET SESSION default_transaction_read_only = off")
            conn.exec_driver_sql(f'ALTER DATABASE "{name}" RESET default_transaction_read_only')
        admin.dispose()


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL only (IDESLUSS_TEST_DATABASE_URL)")
def test_a_read_only_postgresql_is_503_unwritable_and_fine_again_after(database_url, db, clock, core):
    with AppServer(create_app(serving(Settings(database_url=database_url), clock, db))) as server:
        assert health(server).status_code == 200
        try:
            with read_only(database_url):
                db.engine.dispose()  # the sessions start again, as after a failover: now read-only
                answer = health(server)
                refused = core.handle_command(ANNA, "Cykelställ med tak vid resecentrum")
        finally:
            db.engine.dispose()  # no session of the read-only time survives into the next test
        after = health(server)

    assert answer.status_code == 503
    assert answer.json()["database"] == "unwritable"
    assert "read-only" in answer.json()["reason"]
    assert refused.text.startswith("Idén kunde inte sparas just nu")  # what the probe said: writes do fail
    assert after.status_code == 200


# -- SQLite on a disk that fills up -------------------------------------------------------------------------------

@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB tmpfs of this test's own (root only: CI runs as root)."""
    if PG_URL:
        pytest.skip("SQLite only")
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path) -> None:
    """Write until the file system says no (ENOSPC): not a byte left."""
    with (disk / "filler").open("wb", buffering=0) as out, contextlib.suppress(OSError):
        while out.write(b"\0" * 4096):
            pass


def test_sqlite_on_a_full_disk_is_503_unwritable_and_fine_again_once_there_is_room(
        small_disk: Path, database_url: str, clock):
    shutil.copyfile(make_url(database_url).database, small_disk / "idesluss.db")
    url = f"sqlite:///{small_disk / 'idesluss.db'}"
    db = Database(url)
    runtime = serving(Settings(database_url=url), clock, db)
    try:
        with AppServer(create_app(runtime)) as server:
            before = health(server)
            fill(small_disk)
            full = health(server)
            refused = runtime.core.handle_command(ANNA, "Snöröjning på gångvägar")
            (small_disk / "filler").unlink()
            after = health(server)
    finally:
        db.dispose()

    assert before.status_code == 200
    assert full.status_code == 503
    assert full.json()["database"] == "unwritable"
    assert full.json()["reason"].startswith("disk full")
    assert refused.text.startswith("Idén kunde inte sparas just nu")  # the disk really takes no idea
    assert after.status_code == 200


def test_sqlite_on_a_read_only_file_system_is_503_unwritable(small_disk: Path, database_url: str, clock):
    shutil.copyfile(make_url(database_url).database, small_disk / "idesluss.db")
    url = f"sqlite:///{small_disk / 'idesluss.db'}"
    db = Database(url)
    try:
        with AppServer(create_app(serving(Settings(database_url=url), clock, db))) as server:
            assert health(server).status_code == 200
            db.engine.dispose()  # a busy file system cannot be remounted: close the files, as a restart would
            subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
            answer = health(server)
    finally:
        db.dispose()

    assert answer.status_code == 503
    assert answer.json() == {"status": "unavailable", "database": "unwritable", "slack": "off",
                             "reason": "read-only file system"}
