"""Feedback benchmark: `idesluss stats` and the ladder's daily run over 10,000 and 100,000 ideas, 6,000 people.

Run:  python bench/feedback.py [--ideas 10000 100000] [--people 6000] [--database-url postgresql://…/test_bench]

For each idea count a fresh database gets 6,000 people (30 coaches, 3 administrators, 50 managers of whom 20
are scoped to one of 50 pilot groups), ideas spread over two years with promises (ten working days), first
feedback for most of them, decisions, and the ladder's rungs already taken for ideas long overdue (as a
sluice that has run for two years would have). Then, at a fixed Wednesday morning:

- `stats`: bot.core.figures.compute for the organisation over the default 90 days and over the year so far
  (what `idesluss stats` and `/idé statistik` run), median of 5 runs, and its queries (SQLAlchemy
  `before_cursor_execute`);
- the baseline, in the same run: the same in-time rate and median computed the simple way, by fetching every
  idea of the two windows and counting working days idea by idea in Python;
- the ladder: scheduler.feedback.remind once (the morning's run) and again (a rerun takes nothing), with its
  queries and the messages it enqueued.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, insert, text  # noqa: E402
from sqlmodel import SQLModel, col, select  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.core.calendar import add_working_days, working_days_between  # noqa: E402
from bot.core.figures import compute, parse_period  # noqa: E402
from scheduler.feedback import remind  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.figures import Scope  # noqa: E402
from storage.models import (  # noqa: E402
    FeedbackStep,
    GroupMember,
    Idea,
    Organisation,
    Person,
    PilotGroup,
    Role,
    StageChange,
)

TZ = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 11, 18, 9, 0, tzinfo=TZ)  # a Wednesday morning
STAGES = ["in_review"] * 3 + ["needs_info", "pilot", "implemented", "implemented", "spread", "parked", "declined"]


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


def populate(db: Database, ideas: int, people: int, seed: int = 9) -> None:
    rng = random.Random(seed)
    created_now = NOW.astimezone(ZoneInfo("UTC"))
    with db.engine.begin() as conn:
        conn.execute(insert(Organisation), [{"id": 1, "key": "bench", "name": "Bench", "next_idea_number": ideas + 1,
                                             "first_feedback_days": 10, "tell_author_when_overdue": True,
                                             "created_at": created_now}])
        conn.execute(insert(Person), [{"id": n, "org_id": 1, "platform": "slack", "user_id": f"U{n:06d}",
                                       "workspace": "T1", "display_name": f"Person {n}", "locale": "sv-SE",
                                       "unreachable": False, "nudges_opt_out": False, "created_at": created_now}
                                      for n in range(1, people + 1)])
        conn.execute(insert(PilotGroup), [{"id": g, "org_id": 1, "name": f"Grupp {g}", "schedule_day": "mon",
                                           "schedule_time": "09:00", "timezone": "Europe/Stockholm",
                                           "dm_members": False, "created_at": created_now} for g in range(1, 51)])
        conn.execute(insert(GroupMember), [{"group_id": rng.randint(1, 50), "person_id": n, "created_at": created_now}
                                           for n in range(1, people + 1) if n % 3 == 0])
        roles = [{"person_id": n, "role": "coach", "group_id": None, "created_at": created_now} for n in range(1, 31)]
        roles += [{"person_id": n, "role": "admin", "group_id": None, "created_at": created_now} for n in range(31, 34)]
        roles += [{"person_id": 100 + m, "role": "manager", "group_id": None if m < 30 else m % 50 + 1,
                   "created_at": created_now} for m in range(50)]
        conn.execute(insert(Role), roles)
        due_of: dict = {}
        rows, changes, steps = [], [], []
        for n in range(1, ideas + 1):
            # More ideas lately (the sluice grows), a steady trickle two years back.
            created = NOW - timedelta(days=730 * rng.random() ** 1.6, minutes=rng.randint(0, 600))
            day = created.date()
            due = due_of.setdefault(day, add_working_days(day, 10))
            answered = None
            stage = "new"
            if day < NOW.date() and rng.random() < 0.8:  # four in five answered, after six days on average
                answered = min(created + timedelta(days=rng.expovariate(1 / 6), hours=1), NOW - timedelta(minutes=5))
                stage = rng.choice(STAGES)
            rows.append({"id": n, "org_id": 1, "number": n, "title": f"Idé {n}", "text": f"Beskrivning {n}",
                         "stage": stage, "anonymous": False, "author_id": rng.randint(34, people), "source": "slack",
                         "owner_id": rng.randint(1, 30) if rng.random() < 0.7 else None,
                         "group_id": rng.randint(1, 50) if rng.random() < 0.1 else None,
                         "first_feedback_at": answered, "feedback_due": due, "created_at": created,
                         "updated_at": created})
            if answered is not None:
                changes.append({"idea_id": n, "from_stage": "new", "to_stage": stage, "created_at": answered})
            elif due < NOW.date() - timedelta(days=14):  # long overdue: the ladder is done with it
                steps += [{"idea_id": n, "step": s, "recipients": 1, "created_at": created_now} for s in (1, 2, 3, 4)]
        for start in range(0, len(rows), 5000):
            conn.execute(insert(Idea), rows[start:start + 5000])
        for start in range(0, len(changes), 5000):
            conn.execute(insert(StageChange), changes[start:start + 5000])
        for start in range(0, len(steps), 5000):
            conn.execute(insert(FeedbackStep), steps[start:start + 5000])
    if db.dialect == "postgresql":  # the table statistics autovacuum keeps for a running bot (SQLite keeps none)
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))


class Queries:
    def __init__(self, db: Database) -> None:
        self.count = 0
        event.listen(db.engine, "before_cursor_execute", self._seen)

    def _seen(self, *args: object) -> None:
        self.count += 1


def timed(fn, rounds: int = 5) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def baseline(db: Database, period_text: str) -> float:
    """In-time rate and median the simple way: every idea of both windows fetched, working days per idea."""
    period = parse_period(period_text, NOW, "Europe/Stockholm")
    w = period.windows
    with db.session() as session:
        rows = session.exec(select(Idea.created_at, Idea.first_feedback_at, Idea.feedback_due)
                            .where(Idea.org_id == 1, col(Idea.withdrawn_at).is_(None),
                                   col(Idea.created_at) >= w.previous_start, col(Idea.created_at) < w.until)).all()
    today, spent, kept, decided = NOW.date(), [], 0, 0
    for created, answered, due in rows:
        created_day = created.replace(tzinfo=ZoneInfo("UTC")).astimezone(TZ).date() if created.tzinfo is None \
            else created.astimezone(TZ).date()
        answered_day = None
        if answered is not None:
            answered = answered.replace(tzinfo=ZoneInfo("UTC")) if answered.tzinfo is None else answered
            answered_day = answered.astimezone(TZ).date()
            spent.append(working_days_between(created_day, answered_day))
        if answered_day is not None or due < today:
            decided += 1
            kept += answered_day is not None and answered_day <= due
    statistics.median(spent or [0])
    return kept / max(decided, 1)


def measure(url: str, ideas: int, people: int) -> dict[str, float]:
    db = fresh(url)
    started = time.perf_counter()
    populate(db, ideas, people)
    filled = time.perf_counter() - started
    settings = Settings(database_url=url, organisation="bench")
    queries = Queries(db)
    result: dict[str, float] = {"ideas": ideas, "fill": filled}
    for label in ("90d", "år"):
        period = parse_period(label, NOW, "Europe/Stockholm")

        def stats(period=period) -> None:  # type: ignore[no-untyped-def]
            with db.session() as session:
                org = session.get(Organisation, 1)
                compute(session, org, Scope(1), period, timezone="Europe/Stockholm", now=NOW)

        before = queries.count
        stats()
        result[f"stats_{label}_queries"] = queries.count - before
        result[f"stats_{label}"] = timed(stats)
        result[f"baseline_{label}"] = timed(lambda label=label: baseline(db, label))
    before = queries.count
    started = time.perf_counter()
    run = remind(db, settings, now=NOW)
    result["ladder"] = time.perf_counter() - started
    result["ladder_queries"] = queries.count - before
    result["ladder_ideas"], result["ladder_messages"] = run.ideas, run.messages
    result["ladder_rungs"] = sum(run.steps.values())
    before = queries.count
    started = time.perf_counter()
    again = remind(db, settings, now=NOW)
    result["rerun"] = time.perf_counter() - started
    result["rerun_queries"] = queries.count - before
    result["rerun_messages"] = again.messages
    db.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ideas", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--people", type=int, default=6000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/feedback.db"
    results = [measure(url, n, args.people) for n in args.ideas]
    base = results[0]
    print(f"{args.people:,} people, {'PostgreSQL' if url.startswith('postgres') else 'SQLite'}, at {NOW.isoformat()}")
    print("| Ideas | stats 90 days | queries | row-by-row baseline | stats year | queries | row-by-row baseline "
          "| ladder run (ideas on it, rungs, messages) | queries | rerun | vs smallest (stats 90d, ladder) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['ideas']:,.0f} | {r['stats_90d'] * 1000:.0f} ms | {r['stats_90d_queries']:.0f} "
              f"| {r['baseline_90d'] * 1000:.0f} ms ({r['baseline_90d'] / r['stats_90d']:.1f}×) "
              f"| {r['stats_år'] * 1000:.0f} ms | {r['stats_år_queries']:.0f} "
              f"| {r['baseline_år'] * 1000:.0f} ms ({r['baseline_år'] / r['stats_år']:.1f}×) "
              f"| {r['ladder'] * 1000:.0f} ms ({r['ladder_ideas']:.0f}, {r['ladder_rungs']:.0f}, "
              f"{r['ladder_messages']:.0f}) | {r['ladder_queries']:.0f} "
              f"| {r['rerun'] * 1000:.0f} ms, {r['rerun_queries']:.0f} queries, {r['rerun_messages']:.0f} messages "
              f"| {r['stats_90d'] / base['stats_90d']:.1f}×, {r['ladder'] / base['ladder']:.1f}× |")


if __name__ == "__main__":
    main()
