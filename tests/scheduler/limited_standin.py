"""The Slack Web API stand-in with Slack's behaviour at its limits, for the dispatcher's tests and benchmarks.

- **A limit per workspace** (the bearer token names the workspace, as in Slack): a chat.postMessage is accepted
  while fewer than `per_second` were accepted in the *sliding one-second window* before it, and answered 429
  with `Retry-After` otherwise; a refused call does not count against the window. `per_second=None` accepts
  everything (and still records when each call arrived, so a test can count the busiest second itself).
- **A stall**: `stall_next(n, seconds)` makes the next n posts be recorded as accepted (the message "arrived")
  and then answered only after `seconds` — longer than the client's timeout, the outcome is unknown to it.

Time is `now` (monotonic seconds): the wall clock by default; a test may hand in its own clock's.
"""

from __future__ import annotations

import collections
import contextlib
import threading
import time
from collections.abc import Callable

from tests.slack.standin import SlackStandIn


class LimitedSlackStandIn(SlackStandIn):
    def __init__(self, per_second: float | None = None, *, retry_after: int = 1,
                 now: Callable[[], float] = time.monotonic, by_channel: bool = False) -> None:
        self.per_second = per_second
        self.by_channel = by_channel  # the workspace is the channel's prefix ("W042-17" is in W042), not the token
        self.retry_after = retry_after
        self.now = now
        self.windows: dict[str, collections.deque[float]] = collections.defaultdict(collections.deque)
        self.arrivals: dict[str, list[float]] = collections.defaultdict(list)  # accepted posts, per workspace
        self.rejected: collections.Counter[str] = collections.Counter()
        self.stalls: list[float] = []
        self.gate = threading.Lock()
        super().__init__()

    def stall_next(self, count: int, seconds: float) -> None:
        with self.gate:
            self.stalls.extend([seconds] * count)

    def workspace_of(self, headers: dict[str, str], args: dict[str, object]) -> str:
        if self.by_channel:
            return str(args.get("channel", "")).split("-")[0] or "-"
        token = str(args.get("token") or headers.get("Authorization", "").removeprefix("Bearer ").strip())
        return token.removeprefix("xoxb-").split("-")[0] or "-"

    def admit(self, workspace: str) -> bool:
        now = self.now()
        with self.gate:
            window = self.windows[workspace]
            while window and window[0] <= now - 1.0:
                window.popleft()
            if self.per_second is not None and len(window) >= self.per_second:
                self.rejected[workspace] += 1
                return False
            window.append(now)
            self.arrivals[workspace].append(now)
            return True

    def busiest_second(self, workspace: str) -> int:
        """The most posts accepted for the workspace within any one second."""
        times = sorted(self.arrivals.get(workspace, []))
        best, start = 0, 0
        for end, t in enumerate(times):
            while times[start] <= t - 1.0:
                start += 1
            best = max(best, end - start + 1)
        return best

    def _handler_class(self):  # type: ignore[no-untyped-def]
        base = super()._handler_class()
        standin = self

        class Limited(base):  # type: ignore[misc, valid-type]
            protocol_version = "HTTP/1.1"  # keep-alive, as Slack's API: the client reuses its connections
            # The headers and the body are two writes: with Nagle's algorithm the body waits for the client's
            # delayed ACK of the headers, 40 ms on Linux loopback, which would be every answer's latency.
            disable_nagle_algorithm = True

            def _args(self) -> dict[str, object]:
                if getattr(self, "_parsed", None) is None:
                    self._parsed = base._args(self)
                return self._parsed

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                self._parsed = None  # one handler serves every request of a kept-alive connection
                if not self.path.startswith("/api/chat.postMessage"):
                    base.do_POST(self)
                    return
                headers = dict(self.headers.items())
                if not standin.admit(standin.workspace_of(headers, self._args())):
                    self._reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(standin.retry_after)})
                    return
                with standin.gate:
                    stall = standin.stalls.pop(0) if standin.stalls else 0.0
                if not stall:
                    base.do_POST(self)
                    return
                # Accept the message (it is recorded: it "arrived"), then answer only after the stall.
                wfile = self.wfile

                class Held:  # buffers the answer until the stall is over
                    def __init__(self) -> None:
                        self.parts: list[bytes] = []

                    def write(self, data: bytes) -> int:
                        self.parts.append(bytes(data))
                        return len(data)

                    def flush(self) -> None:
                        pass

                held = Held()
                self.wfile = held  # type: ignore[assignment]
                base.do_POST(self)
                time.sleep(stall)
                self.wfile = wfile
                with contextlib.suppress(OSError):  # the client gave up long ago
                    wfile.write(b"".join(held.parts))

        return Limited


class StandInProcess:
    """The limited stand-in in a process of its own, for the benchmarks: a real Slack is not in the sender's
    process, and a stand-in that shares its interpreter (and GIL) would add its own jitter to every send.

    `stats()` returns what the stand-in saw: posts accepted per workspace (their texts) and 429s per workspace.
    """

    def __init__(self, per_second: float | None, *, retry_after: int = 1, by_channel: bool = False) -> None:
        import subprocess
        import sys

        args = [sys.executable, "-m", "tests.scheduler.limited_standin", str(per_second or 0), str(retry_after),
                "channel" if by_channel else "token"]
        self.process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        self.api_url = self.process.stdout.readline().strip()

    def _ask(self, command: str) -> str:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self.process.stdout.readline()

    def stats(self) -> dict[str, dict[str, object]]:
        import json

        return json.loads(self._ask("stats"))

    def reset(self) -> None:
        self._ask("reset")

    def close(self) -> None:
        self._ask("quit")
        self.process.wait(10)

    def __enter__(self) -> StandInProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _serve(per_second: float | None, retry_after: int, by_channel: bool) -> None:
    import json
    import sys

    with LimitedSlackStandIn(per_second, retry_after=retry_after, by_channel=by_channel) as standin:
        print(standin.api_url, flush=True)
        for line in sys.stdin:
            command = line.strip()
            if command == "stats":
                posts: dict[str, list[str]] = collections.defaultdict(list)
                for call in standin.calls_to("chat.postMessage"):
                    posts[standin.workspace_of(call.headers, call.args)].append(str(call.args.get("text", "")))
                busiest = {w: standin.busiest_second(w) for w in standin.arrivals}
                print(json.dumps({"posts": posts, "rejected": dict(standin.rejected), "busiest": busiest}),
                      flush=True)
            elif command == "reset":
                with standin._lock, standin.gate:
                    standin.calls.clear()
                    standin.windows.clear()
                    standin.arrivals.clear()
                    standin.rejected.clear()
                print("ok", flush=True)
            elif command == "quit":
                print("bye", flush=True)
                return


if __name__ == "__main__":
    import sys

    _serve(float(sys.argv[1]) or None, int(sys.argv[2]), sys.argv[3] == "channel")
