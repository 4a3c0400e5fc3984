"""What a 500 MB upload costs `idesluss serve`: its RSS at idle and at the peak of the upload, per route and framing.

Starts the real server (`python -m bot.cli serve`, Slack over HTTP and Teams configured, a fresh SQLite file) on
a free port of 127.0.0.1, warms it up (probes, refused small requests), then posts 500 MB to `/slack/events` and
`/api/messages`, once with `Content-Length: 524288000` and once chunked, generated on the fly. The peak is the
process's VmHWM after resetting it (/proc/<pid>/clear_refs) and, where that is not allowed, the highest VmRSS
polled every 5 ms. The baseline is the same process's idle RSS, measured just before each upload.

Then what one /healthz probe costs the database since it checks that a write goes through
(storage.health.write_problem: an upsert of one heartbeat row, committed on SQLite, rolled back on PostgreSQL),
against the bare `SELECT 1` it used to be (`Database.ping`, the baseline), median of `--probes` calls each.

Last, what the shape check (bot/slack/shapes.py, bot/teams/shapes.py) adds to every request, against parsing
the same body with `json.loads` (the baseline), on Slack's and Microsoft's example payloads.

    .venv/bin/python bench/inbound.py [--mb 500] [--probes 500] [--postgres postgresql://…/scratch]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from storage.db import Database  # noqa: E402
from storage.health import write_problem  # noqa: E402
from tests.uploads import MB, PeakWatcher, reset_peak, served, status_kib, upload, warm_up  # noqa: E402


def median_ms(call, probes: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(probes):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def shape_costs(rounds: int = 5000) -> list[tuple[str, float, float]]:
    from bot.slack import shapes as slack_shapes
    from bot.teams import shapes as teams_shapes

    slack_data = ROOT / "tests" / "slack" / "data"
    teams_data = ROOT / "tests" / "teams" / "data"
    cases = [("Slack app_mention event", (slack_data / "event_app_mention_full.json").read_text(),
              lambda d: slack_shapes.problem("event", d)),
             ("Slack view_submission", (slack_data / "view_submission.json").read_text(),
              lambda d: slack_shapes.problem("interaction", d)),
             ("Teams channel message", (teams_data / "teams_message_channel_mention_full.json").read_text(),
              teams_shapes.problem)]
    rows = []
    for name, body, check in cases:
        data = json.loads(body)
        assert check(data) is None
        parse = median_ms(lambda: json.loads(body), rounds) * 1000  # noqa: B023
        checked = median_ms(lambda: check(data), rounds) * 1000  # noqa: B023
        rows.append((name, parse, checked))
    return rows


def probe_costs(probes: int, postgres: str | None) -> list[tuple[str, float, float]]:
    rows = []
    urls = [("SQLite", f"sqlite:///{Path(tempfile.mkdtemp(prefix='health-bench-')) / 'idesluss.db'}")]
    if postgres:
        urls.append(("PostgreSQL", postgres))
    for name, url in urls:
        db = Database(url)
        db.upgrade()
        assert write_problem(db, datetime.now(UTC)) is None
        ping = median_ms(db.ping, probes)
        check = median_ms(lambda: write_problem(db, datetime.now(UTC)), probes)  # noqa: B023
        rows.append((name, ping, check))
        db.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=500)
    parser.add_argument("--probes", type=int, default=500)
    parser.add_argument("--postgres", help="a scratch PostgreSQL database for the probe's cost (it is migrated)")
    args = parser.parse_args()
    size = args.mb * MB
    rows = []
    with served(Path(tempfile.mkdtemp(prefix="inbound-bench-"))) as server:
        warm_up(server)
        for path in ("/slack/events", "/api/messages"):
            for chunked in (False, True):
                idle = server.rss_kib()
                hwm = reset_peak(server.pid)
                with PeakWatcher(server.pid) as watcher:
                    result = upload(server.port, path, size, chunked=chunked)
                peak = max(watcher.peak, status_kib(server.pid, "VmHWM") if hwm else 0)
                rows.append((path, "chunked" if chunked else "Content-Length", result.status, idle / 1024,
                             peak / 1024, (peak - idle) / 1024, result.sent / MB, result.seconds * 1000))
    print(f"{args.mb} MB upload, `idesluss serve` on loopback (baseline: the same process's idle RSS)\n")
    print("| route | framing | status | idle RSS (MB) | peak RSS (MB) | peak − idle (MB) | sent before the answer (MB) "
          "| time (ms) |")
    print("|---|---|---|---|---|---|---|---|")
    for path, framing, status, idle, peak, delta, taken, ms in rows:
        print(f"| `{path}` | {framing} | {status} | {idle:.1f} | {peak:.1f} | {delta:+.1f} | {taken:.1f} | {ms:.0f} |")
    print(f"\n/healthz database check, median of {args.probes} (baseline: `SELECT 1`)\n")
    print("| database | `SELECT 1` (ms) | write check (ms) | ratio |")
    print("|---|---|---|---|")
    for name, ping, check in probe_costs(args.probes, args.postgres):
        print(f"| {name} | {ping:.3f} | {check:.3f} | {check / ping:.1f}× |")
    print("\nShape check per request, median of 5000 (baseline: `json.loads` of the same body)\n")
    print("| payload | `json.loads` (µs) | shape check (µs) | ratio |")
    print("|---|---|---|---|")
    for name, parse, checked in shape_costs():
        print(f"| {name} | {parse:.1f} | {checked:.1f} | {checked / parse:.1f}× |")


if __name__ == "__main__":
    main()
