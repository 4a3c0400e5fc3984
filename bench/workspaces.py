"""Many workspaces at once: 20,000 messages to 100 Slack workspaces, each limited to 50 a second, sent by 1 and
by 2 dispatcher processes (`idesluss scheduler --dispatch-only`, what `idesluss scheduler --dispatchers N` and
every `idesluss scheduler` on another machine run) sharing one PostgreSQL database.

Run:  python bench/workspaces.py [--database-url postgresql://postgres@127.0.0.1:5432/dispatch_bench]
                                 [--workspaces 100] [--per-workspace 200] [--limit 50] [--processes 1 2]

The stand-in (tests/scheduler/limited_standin.py, a process of its own, real HTTP on port 0) keeps a **sliding
one-second window per workspace** (the workspace is the DM channel's prefix, `W042-…`): a chat.postMessage is
accepted while fewer than `--limit` were accepted for that workspace in the second before it, else 429 with
`Retry-After: 1`. The dispatchers run with the default configuration (starting rate 10/s, ceiling 200/s,
concurrency 20); they are started and idle (their heartbeats in the database) before the messages are
enqueued in one transaction, and the clock runs from that commit until every row is `sent`. Each process count
runs twice: first with nothing learnt, then with the rates the first run stored (`send_rate`).

The floor is the busiest workspace's messages / limit (200 / 50 = 4 s); the baseline in the same run is the
time one dispatcher process needs for the same 20,000 messages to the same 100 workspaces when the stand-in has
no limit at all (what the machine, not the platform, allows). Lost: messages the stand-in never accepted or
rows not `sent`; twice: accepted more than once. 429s tell whether two dispatchers ever sent to one workspace
at once (they would exceed its limit together).
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.core.clock import SystemClock  # noqa: E402
from bot.core.replies import Reply, ReplyKind  # noqa: E402
from scheduler.dispatcher import WORKER_PREFIX  # noqa: E402
from storage import lease, outbox  # noqa: E402
from storage.db import Database  # noqa: E402
from tests.scheduler.limited_standin import StandInProcess  # noqa: E402

KEY = re.compile(r"ws-[0-9a-z]+-W\d{3}-\d{5}")


def messages(run: str, workspaces: int, per_workspace: int) -> list[outbox.NewMessage]:
    """Interleaved, as a digest or announcement to many organisations enqueues them."""
    out = []
    for n in range(per_workspace):
        for w in range(workspaces):
            key = f"ws-{run}-W{w:03d}-{n:05d}"
            out.append(outbox.NewMessage(key=key, platform="slack", recipient=f"W{w:03d}-{n:05d}",
                                         workspace=f"W{w:03d}",
                                         payload=Reply(ReplyKind.NOTIFICATION, key, title="Veckans fråga").to_dict()))
    return out


def live_dispatchers(db: Database) -> int:
    with db.session() as session:
        return len(lease.live_holders(session, WORKER_PREFIX, now=SystemClock().now()))


def sent(db: Database, run: str) -> int:
    from sqlalchemy import text

    with db.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM outbox WHERE state = 'sent' AND key LIKE :p"),
                            {"p": f"ws-{run}-%"}).scalar_one()


def one_run(db: Database, url: str, standin: StandInProcess, run: str, processes: int, workspaces: int,
            per_workspace: int, timeout: float) -> dict[str, float]:
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM outbox")
    standin.reset()
    env = {**os.environ, "IDESLUSS_DATABASE_URL": url, "SLACK_BOT_TOKEN": "xoxb-bench",
           "SLACK_API_URL": standin.api_url, "IDESLUSS_LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    for name in ("TEAMS_APP_ID", "SLACK_CLIENT_ID", "SLACK_APP_TOKEN"):
        env.pop(name, None)
    workers = [subprocess.Popen([sys.executable, "-m", "bot.cli", "scheduler", "--dispatch-only"], env=env,
                                cwd=str(ROOT)) for _ in range(processes)]
    try:
        deadline = time.monotonic() + 60
        while live_dispatchers(db) < processes:  # every dispatcher idle and beating before the clock starts
            if time.monotonic() > deadline:
                raise SystemExit("the dispatchers did not start")
            time.sleep(0.1)
        total = workspaces * per_workspace
        with db.session() as session:
            outbox.enqueue_many(session, messages(run, workspaces, per_workspace), now=SystemClock().now())
        started = time.perf_counter()
        while sent(db, run) < total and time.perf_counter() - started < timeout:
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(60)
    stats = standin.stats()
    seen = collections.Counter(m.group(0) for texts in stats["posts"].values() for t in texts
                               if (m := KEY.search(t)) and m.group(0).startswith(f"ws-{run}-"))
    return {"time": elapsed, "lost": max(total - len(seen), total - sent(db, run)),
            "twice": sum(n - 1 for n in seen.values()), "429s": sum(stats["rejected"].values()),
            "busiest": max(stats["busiest"].values(), default=0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/dispatch_bench")
    parser.add_argument("--workspaces", type=int, default=100)
    parser.add_argument("--per-workspace", type=int, default=200)
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args()
    db = Database(args.database_url)
    db.upgrade()
    load_before = os.getloadavg()
    floor = args.per_workspace / args.limit
    total = args.workspaces * args.per_workspace
    rows = []
    with StandInProcess(None, by_channel=True) as unlimited:  # the machine's own speed, no platform limit
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM send_rate")
        baseline = one_run(db, args.database_url, unlimited, "base", 1, args.workspaces, args.per_workspace,
                           args.timeout)
    with StandInProcess(args.limit, by_channel=True) as standin:
        for processes in args.processes:
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DELETE FROM send_rate")
            for learnt in (False, True):
                result = one_run(db, args.database_url, standin, f"{processes}{'l' if learnt else 'f'}", processes,
                                 args.workspaces, args.per_workspace, args.timeout)
                rows.append((processes, learnt, result))
    db.dispose()
    load = "/".join(f"{x:.2f}" for x in load_before), "/".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{total:,} messages to {args.workspaces} workspaces ({args.per_workspace} each), stand-in limit "
          f"{args.limit}/s per workspace (sliding 1 s window), PostgreSQL, default configuration")
    print(f"Floor: {floor:g} s (the busiest workspace's {args.per_workspace} / {args.limit}). Same-run baseline: one "
          f"dispatcher, the same messages, a stand-in without limits: {baseline['time']:.1f} s "
          f"({total / baseline['time']:.0f} messages/s). Load average (1/5/15 min) {load[0]} before, {load[1]} after")
    print("| dispatcher processes | run | time | vs floor | vs baseline | 429s | lost | twice | busiest second |")
    print("|---|---|---|---|---|---|---|---|---|")
    for processes, learnt, r in rows:
        print(f"| {processes} | {'learnt rates' if learnt else 'nothing learnt'} | {r['time']:.1f} s | "
              f"{r['time'] / floor:.1f}× | {r['time'] / baseline['time']:.2f}× | {r['429s']} | {r['lost']} | "
              f"{r['twice']} | {r['busiest']} |")


if __name__ == "__main__":
    main()
