"""How fast does Slack get its ack? `/idé` through `idesluss serve` against a bare Bolt app that only acks.

Both run the same way (a uvicorn subprocess on 127.0.0.1, Bolt's AsyncApp, Slack's signing checked),
and are measured in alternating rounds of the same run so machine noise hits both alike. Every signed
`/idé` to idesluss carries a new idea; at the end the script checks every one was kept. It also reports
idesluss' idle memory (RSS) and its start-up time to a healthy /healthz.

    /work/venv/bin/python bench/slack_ack.py [--rounds 10] [--per-round 50] [--pause-ms 20]

Needs nothing outside the repo: the Web API is a stand-in on a free port (the same one the tests use).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SECRET = "bench-signing-secret-0123456789ab"
TOKEN = "xoxb-0000000000-0000000000-benchbenchbenchbench"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_bare(port: int) -> None:
    """The baseline: Bolt's AsyncApp behind its Starlette adapter, acking `/idé` and doing nothing else."""
    import uvicorn
    from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    # Same Web API (the stand-in) as idesluss, for Bolt's one auth.test on the first request.
    client = AsyncWebClient(token=TOKEN, base_url=os.environ["SLACK_API_URL"])
    bolt = AsyncApp(signing_secret=SECRET, client=client)

    @bolt.command("/id\u00e9")
    async def ack_only(ack) -> None:  # type: ignore[no-untyped-def]
        await ack()

    handler = AsyncSlackRequestHandler(bolt)

    async def events(request: Request):  # type: ignore[no-untyped-def]
        return await handler.handle(request)

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    app = Starlette(routes=[Route("/slack/events", events, methods=["POST"]), Route("/healthz", healthz)])
    uvicorn.run(app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="on")


def command_body(n: int, response_url: str) -> bytes:
    return urlencode({
        "token": "x", "team_id": "T0BENCH", "team_domain": "bench", "channel_id": "C0BENCH", "channel_name": "bench",
        "user_id": f"U0BENCH{n % 7}", "user_name": "bench", "command": "/id\u00e9",
        "text": f"Benchmarkidé nummer {n}: bättre cykelparkering vid hus {n}", "response_url": response_url,
        "trigger_id": f"1.{n}.bench", "api_app_id": "A0BENCH",
    }).encode()


def signed_headers(body: bytes) -> dict[str, str]:
    ts = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": f"v0={digest}"}


def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return time.perf_counter() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.01)
    raise SystemExit(f"{url} did not become healthy in {timeout} s")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--per-round", type=int, default=50)
    parser.add_argument("--pause-ms", type=float, default=20.0, help="pause between requests (Slack is not a flood)")
    parser.add_argument("--serve-bare", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        serve_bare(args.serve_bare)
        return

    from storage.db import Database
    from storage.ideas import export_ideas
    from tests.slack.standin import SlackStandIn

    workdir = Path(tempfile.mkdtemp(prefix="idesluss-bench-"))
    db_url = f"sqlite:///{workdir}/bench.db"
    standin = SlackStandIn().__enter__()
    ours_port, bare_port = free_port(), free_port()
    env = {**os.environ, "IDESLUSS_DATABASE_URL": db_url, "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET,
           "SLACK_API_URL": standin.api_url, "IDESLUSS_ORGANISATION": "bench"}
    env.pop("SLACK_APP_TOKEN", None)
    idesluss = shutil.which("idesluss", path=str(Path(sys.executable).parent)) or shutil.which("idesluss")
    serve_cmd = [idesluss] if idesluss else [sys.executable, "-m", "bot.cli"]
    log = (workdir / "serve.log").open("wb")
    started = time.perf_counter()
    ours = subprocess.Popen([*serve_cmd, "serve", "--host", "127.0.0.1", "--port", str(ours_port),
                             "--no-scheduler"], env=env, stdout=log, stderr=log, cwd=workdir)
    targets = {"idesluss serve": f"http://127.0.0.1:{ours_port}", "bare Bolt ack": f"http://127.0.0.1:{bare_port}"}
    bare = None
    try:
        wait_healthy(targets["idesluss serve"], ours)
        startup = time.perf_counter() - started  # alone on the machine: the bare app starts only now
        bare = subprocess.Popen([sys.executable, __file__, "--serve-bare", str(bare_port)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_healthy(targets["bare Bolt ack"], bare)
        time.sleep(1.0)
        idle_rss = rss_mb(ours.pid)

        latencies: dict[str, list[float]] = {name: [] for name in targets}
        statuses: dict[str, list[int]] = {name: [] for name in targets}
        clients = {name: httpx.Client(base_url=url, timeout=10) for name, url in targets.items()}
        n = 0
        warmup = 20
        for round_no in range(-1, args.rounds):  # round -1 warms both up and is not counted
            order = list(targets) if round_no % 2 == 0 else list(reversed(targets))
            for name in order:
                for _ in range(warmup if round_no < 0 else args.per_round):
                    n += 1
                    body = command_body(n, standin.response_url(f"bench{n}"))
                    headers = signed_headers(body)
                    t0 = time.perf_counter()
                    response = clients[name].post("/slack/events", content=body, headers=headers)
                    elapsed = time.perf_counter() - t0
                    statuses[name].append(response.status_code)
                    if round_no >= 0:
                        latencies[name].append(elapsed * 1000)
                    time.sleep(args.pause_ms / 1000)
        sent_to_ours = sum(1 for _ in statuses["idesluss serve"])

        db = Database(db_url)
        deadline = time.monotonic() + 60
        while True:
            with db.session() as session:
                kept = len(export_ideas(session))
            if kept >= sent_to_ours or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        time.sleep(1.0)
        after_rss = rss_mb(ours.pid)
    finally:
        procs = [p for p in (ours, bare) if p is not None]
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(10)
        standin.__exit__()

    rows = []
    for name in targets:
        values = latencies[name]
        rows.append((name, len(values), statistics.median(values), percentile(values, 95), max(values)))
    (_, _, ours_p50, ours_p95, _), (_, _, bare_p50, bare_p95, _) = rows
    bad = {name: [s for s in st if s != 200] for name, st in statuses.items()}

    print(f"Slack ack latency, signed /idé, {args.rounds} alternating rounds × {args.per_round} requests per app, "
          f"{args.pause_ms:g} ms between requests, SQLite, Python {sys.version.split()[0]}")
    print()
    print("| app | requests | p50 ms | p95 ms | max ms |")
    print("|---|---:|---:|---:|---:|")
    for name, count, p50, p95, worst in rows:
        print(f"| {name} | {count} | {p50:.2f} | {p95:.2f} | {worst:.2f} |")
    print()
    print("| measure | value | target | met |")
    print("|---|---:|---:|:-:|")
    ratio50, ratio95 = ours_p50 / bare_p50, ours_p95 / bare_p95
    print(f"| p50 ratio (idesluss / bare) | {ratio50:.2f}× | ≤ 1.5× | {'yes' if ratio50 <= 1.5 else 'NO'} |")
    print(f"| p95 ratio (idesluss / bare) | {ratio95:.2f}× | ≤ 2× | {'yes' if ratio95 <= 2 else 'NO'} |")
    print(f"| idle RSS after start-up | {idle_rss:.0f} MB | ≤ 150 MB | {'yes' if idle_rss <= 150 else 'NO'} |")
    print(f"| idle RSS after the run | {after_rss:.0f} MB | ≤ 150 MB | {'yes' if after_rss <= 150 else 'NO'} |")
    print(f"| start-up to healthy /healthz | {startup:.2f} s | – | – |")
    print(f"| ideas kept / `/idé` sent to idesluss | {kept} / {sent_to_ours} | all | "
          f"{'yes' if kept == sent_to_ours else 'NO'} |")
    if any(bad.values()):
        print(f"non-200 answers: { {k: len(v) for k, v in bad.items()} }")
    if kept != sent_to_ours or any(bad.values()):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
