"""Digest builds on database files kept between runs: two commits compared on the very same data.

Run:  python bench/digest_pair.py DIR [--repeat 15]

On first use DIR gets three SQLite files with bench/digest.py's data and its 1,000 managers: 10,000 ideas
over two years, 100,000 over twenty (`--growth history`: the backlog tenfold, a quarter's ideas not) and
100,000 over two (`--growth rate`: a quarter's ideas tenfold too). Every round then builds and enqueues every
digest once on each file in turn (so a shared machine's load falls on all alike) and the script prints each
file's best and median build, its ratio to the 10,000-idea file's best, and the best build's split.

To compare two commits, run it from a worktree of each against the same DIR, one after the other, and again
(the files are filled by whichever runs first; a newer tree upgrades them in place, which an older one does not
mind: building digests only writes the outbox and the digest log). A build on the same files removes the
largest noise of bench/digest.py, which fills fresh databases for every run.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from alembic.util import CommandError  # noqa: E402

import scheduler.digests as digests  # noqa: E402
from bench.digest import Phases, build, fresh, populate, set_managers  # noqa: E402
from storage.db import Database  # noqa: E402

FILES = [("rate-10000", 10_000, 2.0), ("history-100000", 100_000, 20.0), ("rate-100000", 100_000, 2.0)]
MANAGERS = 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    dbs: dict[str, Database] = {}
    for name, ideas, years in FILES:
        path = args.dir / f"{name}.db"
        if not path.exists():
            db = fresh(f"sqlite:///{path}")
            populate(db, ideas, MANAGERS, years=years)
            set_managers(db, MANAGERS)
        else:
            db = Database(f"sqlite:///{path}")
            # Filled by an older tree: upgraded. By a newer one: left as it is (its extra tables do not matter).
            with contextlib.suppress(CommandError):
                db.upgrade()
        dbs[name] = db
    for db in dbs.values():  # warm-up, not timed
        build(db, db.url, digests.build_digests, MANAGERS)
    results: dict[str, list[tuple[float, dict[str, float]]]] = {name: [] for name in dbs}
    for _ in range(args.repeat):
        for name, db in dbs.items():
            phases = Phases()
            elapsed, _ = build(db, db.url, digests.build_digests, MANAGERS, phases)
            results[name].append((elapsed, dict(phases.spent)))
    base = min(t for t, _ in results[FILES[0][0]])
    labels = ["digest queries", "headline figures", "spreading", "writes"]
    print(f"{Path(__file__).resolve().parents[1]}: {MANAGERS:,} managers, best of {args.repeat} builds")
    print()
    print("| data | best | median | best vs 10,000 | " + " | ".join(labels) + " |")
    print("|---|---|---|---|" + "---|" * len(labels))
    for name, runs in results.items():
        best, split = min(runs, key=lambda run: run[0])
        print(f"| {name} | {best:.3f} s | {statistics.median(t for t, _ in runs):.3f} s | {best / base:.2f}× | "
              + " | ".join(f"{split.get(k, 0.0):.3f} s" for k in labels) + " |")
    for db in dbs.values():
        db.dispose()


if __name__ == "__main__":
    main()
