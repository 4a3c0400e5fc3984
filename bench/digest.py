"""Digest benchmark: building the weekly digests of 1,000 managers over 10,000 and 100,000 ideas.

Run:  python bench/digest.py [--managers 1000] [--ideas 10000 100000] [--database-url postgresql://…/test_bench]

For each idea count a fresh database gets people, 50 pilot groups, ideas spread over two years (stage
changes, votes, ideas waiting for first feedback), and 1,000 managers (300 for the whole organisation,
700 scoped to a group). `build_digests` then builds and enqueues every digest, as the scheduler does on
Monday morning. Queries are counted with a SQLAlchemy `before_cursor_execute` listener: the figure to
watch is queries per manager, which must not grow with the number of ideas (the baseline is the smaller
run in the same invocation).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, insert, text  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.core.clock import SystemClock  # noqa: E402
from scheduler.digests import build_digests  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import (  # noqa: E402
    GroupMember,
    Idea,
    Organisation,
    Person,
    PilotGroup,
    Role,
    StageChange,
    Vote,
)

STAGES = ["new"] * 4 + ["in_review", "needs_info", "pilot", "implemented", "parked", "declined"]


def fresh(url: str) -> Database:
    db = Database(url)
    db.upgrade()
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))
    return db


def populate(db: Database, ideas: int, managers: int, seed: int = 5) -> None:
    rng = random.Random(seed)
    now = SystemClock().now()
    authors = 5000
    with db.engine.begin() as conn:
        conn.execute(insert(Organisation), [{"id": 1, "key": "bench", "name": "Bench", "next_idea_number": ideas + 1,
                                             "first_feedback_days": 10, "created_at": now}])
        conn.execute(insert(Person), [{"id": n, "org_id": 1, "platform": "slack", "user_id": f"U{n:06d}",
                                       "workspace": "T1", "display_name": f"Person {n}", "locale": "sv-SE",
                                       "unreachable": False, "nudges_opt_out": False, "created_at": now}
                                      for n in range(1, authors + managers + 1)])
        conn.execute(insert(PilotGroup), [{"id": g, "org_id": 1, "name": f"Grupp {g}", "schedule_day": "mon",
                                           "schedule_time": "09:00", "timezone": "Europe/Stockholm",
                                           "dm_members": False, "created_at": now} for g in range(1, 51)])
        conn.execute(insert(GroupMember), [{"group_id": rng.randint(1, 50), "person_id": n, "created_at": now}
                                           for n in range(1, authors + 1) if n % 2 == 0])
        conn.execute(insert(Role), [{"person_id": authors + m, "role": "manager",
                                     "group_id": None if m <= managers * 3 // 10 else (m % 50) + 1,
                                     "created_at": now} for m in range(1, managers + 1)])
        rows, changes, votes = [], [], []
        for n in range(1, ideas + 1):
            created = now - timedelta(days=rng.uniform(0, 730))
            stage = rng.choice(STAGES)
            rows.append({"id": n, "org_id": 1, "number": n, "title": f"Idé {n} om något bättre",
                         "text": f"Beskrivning av idé {n}", "stage": stage, "anonymous": rng.random() < 0.1,
                         "author_id": rng.randint(1, authors), "source": "slack",
                         "group_id": rng.randint(1, 50) if rng.random() < 0.05 else None,
                         "first_feedback_at": None if stage == "new" else created + timedelta(days=3),
                         "created_at": created, "updated_at": created})
            if stage != "new":
                changes.append({"idea_id": n, "from_stage": "new", "to_stage": stage,
                                "created_at": created + timedelta(days=3)})
            if rng.random() < 0.1:
                voters = rng.sample(range(1, authors + 1), 3)
                votes += [{"idea_id": n, "person_id": v, "created_at": created + timedelta(days=rng.uniform(0, 5))}
                          for v in voters]
        for start in range(0, len(rows), 5000):
            conn.execute(insert(Idea), rows[start:start + 5000])
        conn.execute(insert(StageChange), changes)
        conn.execute(insert(Vote), votes)


def measure(url: str, ideas: int, managers: int) -> dict[str, float]:
    db = fresh(url)
    started = time.perf_counter()
    populate(db, ideas, managers)
    filled = time.perf_counter() - started
    statements: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    settings = Settings(database_url=url, organisation="bench")
    started = time.perf_counter()
    run = build_digests(db, settings, now=SystemClock().now())
    elapsed = time.perf_counter() - started
    db.dispose()
    assert run.enqueued == managers, run
    return {"ideas": ideas, "fill": filled, "time": elapsed, "queries": len(statements),
            "per_manager": len(statements) / managers, "managers": managers}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--managers", type=int, default=1000)
    parser.add_argument("--ideas", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/digest.db"
    results = [measure(url, n, args.managers) for n in args.ideas]
    base = results[0]
    print(f"{args.managers} managers (30% whole organisation, 70% one of 50 groups), "
          f"{'PostgreSQL' if url.startswith('postgres') else 'SQLite'}")
    print("| Ideas | build all digests | per manager | queries | queries per manager | vs smallest |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['ideas']:,} | {r['time']:.2f} s | {r['time'] / r['managers'] * 1000:.1f} ms | {r['queries']} "
              f"| {r['per_manager']:.2f} | {r['per_manager'] / base['per_manager']:.2f}× queries, "
              f"{r['time'] / base['time']:.2f}× time |")


if __name__ == "__main__":
    main()
