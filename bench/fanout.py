"""Fan-out benchmark: 2,000 DMs through the outbox dispatcher to the Slack Web API stand-in.

Run:  python bench/fanout.py [--messages 2000] [--rate 50] [--database-url postgresql://…/test_bench]

The stand-in (tests/slack/standin.py, real HTTP on port 0) accepts at most `--rate` chat.postMessage calls
in any one-second window and answers the rest with 429 and `Retry-After: 1`, like Slack. The floor is
messages / rate seconds; the table gives the measured time against it, plus messages lost (never
accepted) and duplicated (accepted twice). The baseline row, in the same run, sends with no client-side
limit at all and relies on 429s alone.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.config import Settings  # noqa: E402
from bot.core.clock import SystemClock  # noqa: E402
from bot.core.replies import Reply, ReplyKind  # noqa: E402
from bot.slack.client import make_web_client  # noqa: E402
from bot.slack.sender import SlackSender  # noqa: E402
from scheduler.dispatcher import Dispatcher  # noqa: E402
from scheduler.ratelimit import Limits  # noqa: E402
from storage import outbox  # noqa: E402
from storage.db import Database  # noqa: E402
from tests.slack.standin import SlackStandIn  # noqa: E402


class RateLimitedStandIn(SlackStandIn):
    """The stand-in with Slack's behaviour past the limit: 429 and Retry-After."""

    def __init__(self, per_second: int) -> None:
        self.per_second = per_second
        self.accepted: collections.deque[float] = collections.deque()
        self.rejected = 0
        self.gate = threading.Lock()
        super().__init__()

    def admit(self) -> bool:
        now = time.monotonic()
        with self.gate:
            while self.accepted and self.accepted[0] <= now - 1.0:
                self.accepted.popleft()
            if len(self.accepted) >= self.per_second:
                self.rejected += 1
                return False
            self.accepted.append(now)
            return True

    def _handler_class(self):  # type: ignore[no-untyped-def]
        base = super()._handler_class()
        standin = self

        class Limited(base):  # type: ignore[misc, valid-type]
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                if self.path.startswith("/api/chat.postMessage") and not standin.admit():
                    self.rfile.read(int(self.headers.get("Content-Length") or 0))
                    self._reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"})
                    return
                base.do_POST(self)

        return Limited


def fill(db: Database, count: int) -> list[str]:
    keys = [f"fanout-{n:05d}" for n in range(count)]
    with db.session() as session:
        for key in keys:
            reply = Reply(ReplyKind.NOTIFICATION, key, title="Veckans fråga")
            outbox.enqueue(session, outbox.NewMessage(key=key, platform="slack", recipient=f"U{key[7:]}",
                                                      workspace="T1", payload=reply.to_dict()),
                           now=SystemClock().now())
    return keys


def run(url: str, count: int, rate: int, client_rate: float, concurrency: int) -> dict[str, float]:
    db = Database(url)
    db.upgrade()
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM outbox")
    keys = fill(db, count)
    with RateLimitedStandIn(rate) as standin:
        settings = Settings(database_url=url, slack_bot_token="xoxb-bench", slack_api_url=standin.api_url)
        dispatcher = Dispatcher(db, {"slack": SlackSender(make_web_client(settings, retry_rate_limits=False))},
                                clock=SystemClock(), concurrency=concurrency,
                                limits=Limits(slack_per_workspace=client_rate))
        started = time.perf_counter()
        asyncio.run(dispatcher.drain(max_wait=5))
        elapsed = time.perf_counter() - started
        texts = [json.dumps(c.args) for c in standin.calls_to("chat.postMessage")]
        rejected = standin.rejected
    # The stand-in records only the calls it accepted (a 429 is answered before recording).
    seen = collections.Counter(t.split("fanout-")[1][:5] for t in texts if "fanout-" in t)
    with db.session() as session:
        states = outbox.counts_by_state(session)
    db.dispose()
    lost = max(count - len(seen), count - states.get(outbox.SENT, 0))
    duplicated = sum(n - 1 for n in seen.values())
    return {"time": elapsed, "floor": count / rate, "lost": lost, "duplicated": duplicated, "rejected": rejected,
            "keys": len(keys)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rate", type=int, default=50, help="the stand-in's chat.postMessage limit per second")
    parser.add_argument("--client-rate", type=float, default=0.0,
                        help="the dispatcher's rate per second (IDESLUSS_SLACK_RATE); default 96%% of --rate")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/fanout.db"
    client_rate = args.client_rate or args.rate * 0.96
    rows = [(f"dispatcher at {client_rate:g}/s", run(url, args.messages, args.rate, client_rate, args.concurrency))]
    if not args.no_baseline:
        rows.append(("baseline: no client limit, 429s only", run(url, args.messages, args.rate, 100000.0,
                                                                 args.concurrency)))
    print(f"{args.messages} DMs, stand-in limit {args.rate}/s, concurrency {args.concurrency}, "
          f"{'PostgreSQL' if url.startswith('postgres') else 'SQLite'}")
    print("| Run | time | floor | ratio | lost | duplicated | 429s |")
    print("|---|---|---|---|---|---|---|")
    for name, r in rows:
        print(f"| {name} | {r['time']:.1f} s | {r['floor']:.0f} s | {r['time'] / r['floor']:.2f}× | {r['lost']} "
              f"| {r['duplicated']} | {r['rejected']} |")


if __name__ == "__main__":
    main()
