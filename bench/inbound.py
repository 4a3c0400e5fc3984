"""What a 500 MB upload costs `idesluss serve`: its RSS at idle and at the peak of the upload, per route and framing.

Starts the real server (`python -m bot.cli serve`, Slack over HTTP and Teams configured, a fresh SQLite file) on
a free port of 127.0.0.1, warms it up (probes, refused small requests), then posts 500 MB to `/slack/events` and
`/api/messages`, once with `Content-Length: 524288000` and once chunked, generated on the fly. The peak is the
process's VmHWM after resetting it (/proc/<pid>/clear_refs) and, where that is not allowed, the highest VmRSS
polled every 5 ms. The baseline is the same process's idle RSS, measured just before each upload.

    .venv/bin/python bench/inbound.py [--mb 500]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.uploads import MB, PeakWatcher, reset_peak, served, status_kib, upload, warm_up  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=500)
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


if __name__ == "__main__":
    main()
