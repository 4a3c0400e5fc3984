"""Fan-out benchmark: 2,000 DMs through the outbox dispatcher to the Slack Web API stand-in, default configuration.

Run:  python bench/fanout.py [--messages 2000] [--limits 20 50 100] [--database-url postgresql://…/fanout_bench]

The stand-in (tests/scheduler/limited_standin.py over tests/slack/standin.py: real HTTP on port 0, in a process
of its own, as Slack is not in the sender's process) models Slack's limit as a **sliding one-second window**:
a chat.postMessage is accepted when fewer than `limit` were accepted in the second before it, and answered 429
with `Retry-After: 1` otherwise (a refused call does not count against the window). For each
limit the dispatcher runs twice with the *default* settings (`IDESLUSS_SLACK_RATE=10` as the starting rate,
`IDESLUSS_SLACK_RATE_CEILING`, `IDESLUSS_OUTBOX_CONCURRENCY=20`): first with nothing learnt, then again with
the rate the first run stored in `send_rate`. The floor is messages / limit seconds; the table gives the
measured time against it, the 429s, messages lost (never accepted or not marked sent) and duplicated
(accepted twice). The same-run baseline is the dispatcher before issue 12: a fixed rate at the starting
`IDESLUSS_SLACK_RATE` (`--baseline-messages` of them, against the middle limit; 0 leaves it out).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.config import Settings  # noqa: E402
from bot.core.clock import SystemClock  # noqa: E402
from bot.core.replies import Reply, ReplyKind  # noqa: E402
from bot.slack.client import make_web_client  # noqa: E402
from bot.slack.sender import SlackSender  # noqa: E402
from scheduler.dispatcher import Dispatcher  # noqa: E402
from storage import outbox  # noqa: E402
from storage.db import Database  # noqa: E402
from tests.scheduler.limited_standin import StandInProcess  # noqa: E402


def fill(db: Database, count: int, prefix: str) -> list[str]:
    keys = [f"{prefix}-{n:05d}" for n in range(count)]
    now = SystemClock().now()
    with db.session() as session:
        outbox.enqueue_many(session, [
            outbox.NewMessage(key=key, platform="slack", recipient=f"U{n:05d}", workspace="T1",
                              payload=Reply(ReplyKind.NOTIFICATION, key, title="Veckans fråga").to_dict())
            for n, key in enumerate(keys)], now=now)
    return keys


def run(db: Database, url: str, count: int, limit: int, prefix: str, *, adaptive: bool = True) -> dict[str, float]:
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM outbox")
    fill(db, count, prefix)
    with StandInProcess(limit) as standin:
        settings = Settings(database_url=url, slack_bot_token="xoxb-T1-bench", slack_api_url=standin.api_url)
        dispatcher = Dispatcher.from_settings(
            settings, db, {"slack": SlackSender(make_web_client(settings, retry_rate_limits=False))},
            clock=SystemClock())
        dispatcher.limiter.limits.adaptive = adaptive
        started, base = time.perf_counter(), dispatcher.clock.monotonic()
        asyncio.run(dispatcher.drain(max_wait=5))
        elapsed = time.perf_counter() - started
        stats = standin.stats()
        rejected = sum(stats["rejected"].values())
        rate = dispatcher.limiter.rate("slack:T1") or 0.0
        bucket = dispatcher.limiter.buckets.get("slack:T1")
        events = [(t - base, counted, known, after) for t, counted, known, after in bucket.adaptive.events] \
            if bucket else []
    # The stand-in records only the calls it accepted (a 429 is answered before recording).
    seen = collections.Counter(m.group(0) for t in stats["posts"].get("T1", [])
                               if (m := re.search(rf"{prefix}-\d{{5}}", t)))
    with db.session() as session:
        states = outbox.counts_by_state(session)
    lost = max(count - len(seen), count - states.get(outbox.SENT, 0))
    duplicated = sum(n - 1 for n in seen.values())
    return {"time": elapsed, "floor": count / limit, "lost": lost, "duplicated": duplicated, "rejected": rejected,
            "rate": rate, "events": events}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--limits", type=int, nargs="+", default=[20, 50, 100],
                        help="the stand-in's chat.postMessage limits per second, one pair of runs each")
    parser.add_argument("--baseline-messages", type=int, default=500)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--events", action="store_true",
                        help="also list each run's 429 events: when, successes counted, known limit, rate after")
    args = parser.parse_args()
    rows = []
    for limit in args.limits:
        url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/fanout.db"
        db = Database(url)
        db.upgrade()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM send_rate")
        rows.append((limit, "first run (nothing learnt)", args.messages, run(db, url, args.messages, limit, "a")))
        rows.append((limit, "second run (learnt rate)", args.messages, run(db, url, args.messages, limit, "b")))
        db.dispose()
    if args.baseline_messages:
        limit = args.limits[len(args.limits) // 2]
        url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/fanout.db"
        db = Database(url)
        db.upgrade()
        rows.append((limit, "baseline: fixed starting rate (before)", args.baseline_messages,
                     run(db, url, args.baseline_messages, limit, "c", adaptive=False)))
        db.dispose()
    engine = "PostgreSQL" if args.database_url.startswith("postgres") else "SQLite"
    print(f"{engine}, default configuration (IDESLUSS_SLACK_RATE=10 to start, ceiling "
          f"{Settings().slack_rate_ceiling:g}, concurrency {Settings().outbox_concurrency}); "
          "stand-in: sliding 1 s window")
    print("| stand-in limit | run | DMs | time | floor | ratio | 429s | lost | duplicated | rate at the end |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for limit, name, count, r in rows:
        print(f"| {limit}/s | {name} | {count:,} | {r['time']:.1f} s | {r['floor']:.0f} s | "
              f"{r['time'] / r['floor']:.2f}× | {r['rejected']} | {r['lost']} | {r['duplicated']} "
              f"| {r['rate']:.1f}/s |")
    if args.events:
        for limit, name, _count, r in rows:
            print(f"{limit}/s {name}: " + (", ".join(
                f"{t:.1f} s: {counted} counted, limit {known:.1f}, rate {after:.1f}"
                for t, counted, known, after in r["events"]) or "no 429"))


if __name__ == "__main__":
    main()
