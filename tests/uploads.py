"""Oversized uploads against a real `idesluss serve` process, and that process's memory, read from /proc.

Shared by tests/test_body_limits.py and bench/inbound.py. The server is a subprocess (its RSS is its own, not
the test runner's), on a free port of 127.0.0.1, with Slack over HTTP and Teams configured; neither platform is
ever reached (everything here is refused before any signature or token check). The uploads are written by hand
over a socket: the body is generated chunk by chunk (nothing of its size is ever allocated), and the client
reads the answer as soon as the server sends one, instead of insisting on sending all of it first.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
CHUNK = b"x" * 65_536
MB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def status_kib(pid: int, field_name: str) -> int:
    """A `kB` figure of /proc/<pid>/status: VmRSS (resident now) or VmHWM (the peak since the last reset)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    raise LookupError(field_name)


def reset_peak(pid: int) -> bool:
    """Start VmHWM again from the current RSS (Linux's clear_refs "5"); False where that is not allowed."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


class PeakWatcher:
    """Polls VmRSS every few milliseconds, for where VmHWM cannot be reset; the larger of both is reported."""

    def __init__(self, pid: int, interval: float = 0.005) -> None:
        self.pid, self.interval = pid, interval
        self.peak = status_kib(pid, "VmRSS")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(OSError, LookupError):
                self.peak = max(self.peak, status_kib(self.pid, "VmRSS"))
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakWatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(2)


@dataclass
class Upload:
    status: int | None  # None: the connection ended without an answer
    sent: int  # body bytes the server took before it answered (or closed)
    seconds: float


def upload(port: int, path: str, size: int, *, chunked: bool, timeout: float = 20.0) -> Upload:
    """POST `size` bytes of generated body to `path`, chunked or with a Content-Length; stop sending as soon as
    an answer arrives or the server closes, and return the answer's status."""
    started = time.perf_counter()
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            f"{framing}\r\n\r\n").encode()
    sent = 0
    answer = b""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head)
        try:
            while sent < size:
                readable, _, _ = select.select([sock], [], [], 0)
                if readable:
                    break
                piece = CHUNK[: min(len(CHUNK), size - sent)]
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
                sent += len(piece)
            else:
                if chunked:
                    sock.sendall(b"0\r\n\r\n")
        except OSError:  # the server answered and closed while we were still sending: read what it said
            pass
        with contextlib.suppress(OSError):
            while b"\r\n" not in answer:
                data = sock.recv(65_536)
                if not data:
                    break
                answer += data
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else None
    return Upload(status, sent, time.perf_counter() - started)


@dataclass
class ServedProcess:
    """`idesluss serve` in a subprocess: its pid, its port, its log."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rss_kib(self) -> int:
        return status_kib(self.pid, "VmRSS")


@contextlib.contextmanager
def served(work: Path, *, startup_timeout: float = 30.0) -> Iterator[ServedProcess]:
    """Start `idesluss serve` (no scheduler) on a free loopback port with a fresh SQLite file; stop it after."""
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there: no request here may reach a platform
    env = {**os.environ, "PYTHONIOENCODING": "utf-8",
           "IDESLUSS_DATABASE_URL": f"sqlite:///{work / 'idesluss.db'}", "IDESLUSS_LOG_LEVEL": "WARNING",
           "SLACK_BOT_TOKEN": "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy",
           "SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99yyyzzz85a5", "SLACK_API_URL": f"{closed}/api/",
           "TEAMS_APP_ID": "00000000-0000-0000-0000-0000000000b0", "TEAMS_APP_PASSWORD": "not-a-secret",
           "TEAMS_TENANT_ID": "00000000-0000-0000-0000-00000000000a",
           "TEAMS_OPENID_METADATA_URL": f"{closed}/openid"}
    for name in ("SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"):
        env.pop(name, None)
    log = work / "serve.log"
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port",
                                    str(port), "--no-scheduler"], cwd=work, env=env, stdout=out, stderr=out)
    server = ServedProcess(process, port, log, env)
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"serve exited ({process.returncode}):\n{log.read_text()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{server.url}/healthz", timeout=1).status_code in (200, 503):
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"serve did not start:\n{log.read_text()}")
            time.sleep(0.05)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def warm_up(server: ServedProcess) -> None:
    """What a running server has already done before anyone uploads: answered probes and refused strangers on
    both routes (the code of those paths is loaded, their buffers allocated)."""
    with httpx.Client(base_url=server.url, timeout=5) as client:
        for _ in range(20):
            client.get("/healthz")
            client.post("/slack/events", content=b"{}", headers={"Content-Type": "application/json"})
            client.post("/api/messages", content=b"{}", headers={"Content-Type": "application/json"})
    for path in ("/slack/events", "/api/messages"):
        for chunked in (False, True):
            upload(server.port, path, 2 * MB, chunked=chunked)
    time.sleep(0.2)
