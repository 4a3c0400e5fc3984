"""Can the database be written? What /healthz asks, cheaply, every time a probe polls it.

A database that answers `SELECT 1` may still refuse every write: an SQLite file on a full disk, a PostgreSQL
switched to read-only (`default_transaction_read_only`, a standby after a failover). The check writes one row
that never multiplies (`health_beat`, id 1, upserted):

- **PostgreSQL**: the upsert runs in a transaction that is rolled back. A read-only database refuses the
  statement itself, so nothing needs to be committed (no WAL flush, no fsync per probe, no row kept).
- **SQLite**: a rolled-back write never reaches the disk (the pages stay in memory), so it cannot notice a full
  one. The upsert is committed: it appends one page to the WAL, which fails on a full disk or a read-only file
  system; the row is overwritten every time (the WAL is recycled at checkpoints). And because the WAL can be
  rewritten in place for a while after the disk filled up, the free space of the file system that holds the
  database is read too (`statvfs`): less than `MIN_FREE_BYTES` is reported as full before the writes start to
  fail.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from storage.db import Database

MIN_FREE_BYTES = 1024 * 1024  # an SQLite database with less free disk than this is about to refuse writes
_UPSERT = text("INSERT INTO health_beat (id, beat_at) VALUES (1, :now) "
               "ON CONFLICT (id) DO UPDATE SET beat_at = excluded.beat_at")


def sqlite_disk_problem(path: Path, min_free: int = MIN_FREE_BYTES) -> str | None:
    """Why the file system holding an SQLite file cannot take writes (read-only, full), or None."""
    if not path.parent.is_dir():
        return None  # the file cannot even be opened: connecting says so
    stats = os.statvfs(path.parent)
    if stats.f_flag & os.ST_RDONLY:
        return "read-only file system"
    free = stats.f_bavail * stats.f_frsize
    if free < min_free:
        return f"disk full: {free // 1024} KiB free where the database is"
    return None


def write_problem(db: Database, now: datetime) -> str | None:
    """Why the database cannot be written now, in one line, or None when a write goes through.
    Raises what the driver raises when the database does not answer at all (the caller says "unavailable")."""
    if db.dialect == "sqlite":
        path = db.engine.url.database
        if path and path != ":memory:":
            problem = sqlite_disk_problem(Path(path).resolve())
            if problem:
                return problem
    with db.engine.connect() as conn:
        try:
            conn.execute(_UPSERT, {"now": now})
            if db.dialect == "sqlite":
                conn.commit()  # only a committed write reaches the disk
            else:
                conn.rollback()  # the statement was accepted: the database takes writes; keep nothing
        except DBAPIError as exc:
            if exc.connection_invalidated:
                raise  # not an answer at all
            conn.rollback()
            return f"cannot write: {_first_line(exc)}"
    return None


def _first_line(exc: DBAPIError) -> str:
    message = str(exc.orig or exc).strip()
    return message.splitlines()[0][:200] if message else type(exc.orig or exc).__name__
