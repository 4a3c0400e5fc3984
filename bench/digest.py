"""Digest benchmark: building the weekly digests of 1,000 managers over 10,000 and 100,000 ideas.

Run:  python bench/digest.py [--managers 1000] [--ideas 10000 100000] [--scale-managers 10000]
                             [--repeat 5] [--growth rate|history] [--database-url postgresql://…/digests_bench]

For each idea count a fresh database gets 5,000 authors, 50 pilot groups (half the authors are members),
ideas spread over two years (40 % still Inkommen without feedback; each with the promise of first feedback
in 10 working days, as capture stores it; stage changes; votes on 10 %), and the managers: 30 % for the
whole organisation, 70 % scoped to one group. `--growth history` spreads them instead at the smallest
count's rate over as many years as the count takes (20 years for 100,000): the stored ideas and the backlog
grow tenfold, a week's and a quarter's ideas do not. `build_digests` then builds and enqueues every digest,
as the Monday job does, at a fixed moment.

Baseline, measured in the same run on the same data: the build as it was before issue 12
(bench/digest_legacy.py), which fetched every waiting idea, new idea and stage change of the period to count
them. Each figure is the best of `--repeat` builds after an untimed warm-up, the median in brackets (the
outbox and digest log are emptied between builds, so every build enqueues every digest; on SQLite the idea
counts take turns, so a shared machine's load falls on all alike). The new build's time is also split: the
digest's own queries (storage.digests), the headline figures (bot.core.figures), the spreading line, and the
writes (one outbox row and one digest-log row per manager). `--scale-managers` repeats the largest idea count
with that many managers (time against managers).
"""

from __future__ import annotations

import argparse
import functools
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import delete, event, insert, text  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

import scheduler.digests as digests  # noqa: E402
from bench import digest_legacy  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.core.calendar import add_working_days  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import (  # noqa: E402
    DigestLog,
    GroupMember,
    Idea,
    Organisation,
    OutboxMessage,
    Person,
    PilotGroup,
    Role,
    StageChange,
    Vote,
)

STAGES = ["new"] * 4 + ["in_review", "needs_info", "pilot", "implemented", "parked", "declined"]
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # a Monday morning: the digest's moment
AUTHORS = 5000


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


def populate(db: Database, ideas: int, people_for_managers: int, seed: int = 5, years: float = 2.0) -> None:
    rng = random.Random(seed)
    promise = functools.cache(lambda day: add_working_days(day, 10))  # as capture promises (10 working days)
    now = NOW
    with db.engine.begin() as conn:
        conn.execute(insert(Organisation), [{"id": 1, "key": "bench", "name": "Bench", "next_idea_number": ideas + 1,
                                             "first_feedback_days": 10, "created_at": now}])
        conn.execute(insert(Person), [{"id": n, "org_id": 1, "platform": "slack", "user_id": f"U{n:06d}",
                                       "workspace": "T1", "display_name": f"Person {n}", "locale": "sv-SE",
                                       "unreachable": False, "nudges_opt_out": False, "created_at": now}
                                      for n in range(1, AUTHORS + people_for_managers + 1)])
        conn.execute(insert(PilotGroup), [{"id": g, "org_id": 1, "name": f"Grupp {g}", "schedule_day": "mon",
                                           "schedule_time": "09:00", "timezone": "Europe/Stockholm",
                                           "dm_members": False, "created_at": now} for g in range(1, 51)])
        conn.execute(insert(GroupMember), [{"group_id": rng.randint(1, 50), "person_id": n, "created_at": now}
                                           for n in range(1, AUTHORS + 1) if n % 2 == 0])
        rows, changes, votes = [], [], []
        for n in range(1, ideas + 1):
            created = now - timedelta(days=rng.uniform(0, 365 * years))
            stage = rng.choice(STAGES)
            rows.append({"id": n, "org_id": 1, "number": n, "title": f"Idé {n} om något bättre",
                         "text": f"Beskrivning av idé {n}", "stage": stage, "anonymous": rng.random() < 0.1,
                         "author_id": rng.randint(1, AUTHORS), "source": "slack",
                         "group_id": rng.randint(1, 50) if rng.random() < 0.05 else None,
                         "first_feedback_at": None if stage == "new" else created + timedelta(days=3),
                         "feedback_due": promise(created.date()),
                         "created_at": created, "updated_at": created})
            if stage != "new":
                changes.append({"idea_id": n, "from_stage": "new", "to_stage": stage,
                                "created_at": created + timedelta(days=3)})
            if rng.random() < 0.1:
                voters = rng.sample(range(1, AUTHORS + 1), 3)
                votes += [{"idea_id": n, "person_id": v, "created_at": created + timedelta(days=rng.uniform(0, 5))}
                          for v in voters]
        for start in range(0, len(rows), 5000):
            conn.execute(insert(Idea), rows[start:start + 5000])
        conn.execute(insert(StageChange), changes)
        conn.execute(insert(Vote), votes)
    if db.dialect == "postgresql":  # statistics and visibility map, as autovacuum keeps them (minutes late here)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))


def set_managers(db: Database, managers: int) -> None:
    """`managers` managers (30 % for the whole organisation, 70 % one group each), no digest sent yet."""
    with db.engine.begin() as conn:
        conn.execute(delete(Role))
        conn.execute(insert(Role), [{"person_id": AUTHORS + m, "role": "manager", "org_id": 1,
                                     "group_id": None if m <= managers * 3 // 10 else (m % 50) + 1,
                                     "created_at": NOW} for m in range(1, managers + 1)])


def forget_digests(db: Database) -> None:
    with db.engine.begin() as conn:
        conn.execute(delete(OutboxMessage))
        conn.execute(delete(DigestLog))


class Phases:
    """Wall time spent inside a few functions of the new build (wrapped for the run only)."""

    TARGETS = [(digests.store, "digest_data", "digest queries"), (digests, "headlines", "headline figures"),
               (digests, "compute", "headline figures"), (digests.spreading, "figures", "spreading"),
               (digests.outbox, "enqueue_many", "writes"), (digests.store, "log_digests", "writes")]

    def __init__(self) -> None:
        self.spent: Counter[str] = Counter()
        self._saved: list[tuple[object, str, Callable[..., object]]] = []

    def __enter__(self) -> Phases:
        for module, name, label in self.TARGETS:
            original = getattr(module, name)
            self._saved.append((module, name, original))
            setattr(module, name, self._timed(original, label))
        return self

    def _timed(self, fn: Callable[..., object], label: str) -> Callable[..., object]:
        def timed(*args: object, **kwargs: object) -> object:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.spent[label] += time.perf_counter() - started
        return timed

    def __exit__(self, *exc: object) -> None:
        for module, name, original in self._saved:
            setattr(module, name, original)


def build(db: Database, url: str, builder: Callable[..., digests.DigestRun], managers: int,
          phases: Phases | None = None) -> tuple[float, int]:
    forget_digests(db)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", count)
    settings = Settings(database_url=url, organisation="bench")
    started = time.perf_counter()
    if phases is not None:
        with phases:
            run = builder(db, settings, now=NOW)
    else:
        run = builder(db, settings, now=NOW)
    elapsed = time.perf_counter() - started
    event.remove(db.engine, "before_cursor_execute", count)
    assert run.enqueued == managers, run
    return elapsed, len(statements)


@dataclass
class Case:
    ideas: int
    managers: int
    legacy: bool  # also time the old build (the baseline)
    new: list[float] = field(default_factory=list)
    old: list[float] = field(default_factory=list)
    splits: list[Counter[str]] = field(default_factory=list)
    queries: int = 0

    def round(self, db: Database, url: str, *, timed: bool = True) -> None:
        set_managers(db, self.managers)
        phases = Phases()
        elapsed, self.queries = build(db, url, digests.build_digests, self.managers, phases)
        if timed:
            self.new.append(elapsed)
            self.splits.append(phases.spent)
        if self.legacy:
            elapsed, _ = build(db, url, digest_legacy.build_digests, self.managers)
            if timed:
                self.old.append(elapsed)

    def best(self) -> tuple[float, float | None, Counter[str]]:
        fastest = min(range(len(self.new)), key=self.new.__getitem__)
        return self.new[fastest], min(self.old) if self.old else None, self.splits[fastest]


def run_cases(cases: list[Case], url: str, repeat: int, growth: str = "rate") -> None:
    """SQLite: one file per idea count, every round builds each case in turn (a shared machine's load falls on
    all of them alike). PostgreSQL: one scratch database, so the idea counts one after the other."""
    people = max(c.managers for c in cases)
    counts = sorted({c.ideas for c in cases})

    def years(n: int) -> float:  # rate: every count over two years; history: the smallest's rate, for longer
        return 2.0 if growth == "rate" else 2.0 * n / counts[0]
    if url.startswith("sqlite"):
        base = url.removesuffix(".db")
        dbs = {n: fresh(f"{base}-{n}.db") for n in counts}
        for n, db in dbs.items():
            populate(db, n, people, years=years(n))
        for case in cases:  # warm-up, not timed: compiled statements, page cache
            case.round(dbs[case.ideas], dbs[case.ideas].url, timed=False)
        for _ in range(repeat):
            for case in cases:
                case.round(dbs[case.ideas], dbs[case.ideas].url)
        for db in dbs.values():
            db.dispose()
        return
    for n in counts:
        db = fresh(url)
        populate(db, n, people, years=years(n))
        for case in (c for c in cases if c.ideas == n):
            case.round(db, url, timed=False)
            for _ in range(repeat):
                case.round(db, url)
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--managers", type=int, default=1000)
    parser.add_argument("--ideas", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--scale-managers", type=int, default=10_000,
                        help="also build this many managers' digests over the largest idea count (0: skip)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--growth", choices=["rate", "history"], default="rate",
                        help="rate: every idea count over the same two years (10x the ideas, 10x a week's); "
                             "history: the smallest count's rate, kept up for longer (10x the ideas, 10x the years)")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/digest.db"
    cases = [Case(n, args.managers, legacy=True) for n in args.ideas]
    scaled = Case(max(args.ideas), args.scale_managers, legacy=False) if args.scale_managers else None
    run_cases([*cases, *([scaled] if scaled else [])], url, args.repeat, args.growth)
    name = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    growth = ("every count over two years" if args.growth == "rate"
              else f"{args.ideas[0]:,} ideas every two years, for as many years as each count takes")
    print(f"{name}, {growth}: {args.managers:,} managers (30 % whole organisation, 70 % one of 50 groups); best of "
          f"{args.repeat} builds (median in brackets); baseline: the pre-issue-12 build (bench/digest_legacy.py), "
          "same run, same data")
    print()
    print("| Ideas | build all digests | vs smallest | queries | baseline (old build) | baseline vs smallest "
          "| old / new |")
    print("|---|---|---|---|---|---|---|")
    base_new, base_old, _ = cases[0].best()
    for c in cases:
        new, old, _ = c.best()
        assert old is not None and base_old is not None
        print(f"| {c.ideas:,} | {new:.2f} s ({statistics.median(c.new):.2f} s) | {new / base_new:.2f}× "
              f"| {c.queries:,} | {old:.2f} s ({statistics.median(c.old):.2f} s) | {old / base_old:.2f}× "
              f"| {old / new:.1f}× |")
    print()
    labels = ["digest queries", "headline figures", "spreading", "writes"]
    print("| Ideas | managers | " + " | ".join(labels) + " | the rest (render, JSON) |")
    print("|---|---|" + "---|" * (len(labels) + 1))
    for c in [*cases, *([scaled] if scaled else [])]:
        new, _, split = c.best()
        rest = new - sum(split.values())
        print(f"| {c.ideas:,} | {c.managers:,} | " + " | ".join(f"{split[k]:.3f} s" for k in labels)
              + f" | {rest:.3f} s |")
    if scaled:
        top, _, _ = cases[-1].best()
        big, _, _ = scaled.best()
        print()
        print(f"Managers ×{scaled.managers / cases[-1].managers:.0f} at {scaled.ideas:,} ideas: {top:.2f} s → "
              f"{big:.2f} s ({big / top:.2f}×), {cases[-1].queries:,} → {scaled.queries:,} queries")


if __name__ == "__main__":
    main()
