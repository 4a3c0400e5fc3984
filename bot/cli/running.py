"""`idesluss shell`, `idesluss serve` and `idesluss scheduler`: the bot's three ways of running."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.cli import common

if TYPE_CHECKING:
    from bot.app import Runtime
    from bot.shell import NudgeSent


def register(app: typer.Typer) -> None:
    app.command()(shell)
    app.command()(serve)
    app.command("scheduler")(scheduler)


def shell(
    user: Annotated[str, typer.Option("--user", "-u", help="Your name in the shell (you are shell:NAME).")] = "",
    lang: Annotated[str, typer.Option("--lang", help="sv or en.")] = "sv",
) -> None:
    """Talk to the bot in the terminal: one message per line, e.g. `/idé Bättre cykelparkering`.

    `:1` presses button 1 of the latest reply, `:react 12 +1` votes, `:thread 12 <text>` replies in a
    thread, `:as bertil` switches person, `:nudge GROUP` sends a pilot group's question; `:hjälp` lists them.
    """
    import getpass

    from bot.shell import run_shell

    if lang not in ("sv", "en"):
        common.fail("--lang must be sv or en")
    runtime = common.runtime()
    name = (user or getpass.getuser() or "anna").strip()
    try:
        code = run_shell(runtime.core, name, lang, **console_wiring(runtime))
    finally:
        runtime.close()
    raise typer.Exit(code)


def console_wiring(runtime: Runtime) -> dict[str, Any]:
    """What the shell's console gets from the runtime: `deliver` (the outbox's messages to shell users, sent
    through the shell platform's sender after each line), that sender's `transcript` (so `m3` finds what it
    printed as [m3]) and `send_nudge` for `:nudge GROUP`. The tests' `shell` fixture wires its console so too."""
    return {
        "deliver": lambda: runtime.dispatch_now(max_wait=0, platforms=["shell"]),
        "transcript": runtime.platforms["shell"].state["transcript"],
        "send_nudge": lambda group: send_nudge_from_shell(runtime, group),
    }


def send_nudge_from_shell(runtime: Runtime, name: str) -> NudgeSent | None:
    """`:nudge GROUP` in the shell: `idesluss nudge send GROUP` for a group of the shell's own organisation.
    Only enqueued here; the shell's next delivery prints what reached shell users, labelled."""
    from bot.shell import NudgeSent
    from scheduler.nudges import send_nudge
    from storage.groups import get_group
    from storage.text import clean_text

    now = runtime.clock.now()
    with runtime.db.session() as session:
        group = get_group(session, common.organisation(session, runtime.settings, "shell", now).id, clean_text(name))
        group_id = group.id if group is not None else None
    if group_id is None:
        return None
    outcome = send_nudge(runtime.db, runtime.settings, group_id, now=now, manual=True)
    return NudgeSent(enqueued=outcome.enqueued, skipped=outcome.skipped_people)


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "0.0.0.0",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 3000,
    no_scheduler: Annotated[bool, typer.Option("--no-scheduler", help="Run no background jobs here.")] = False,
    socket_mode: Annotated[bool, typer.Option("--socket-mode", help="Slack over Socket Mode.")] = False,
    teams_local: Annotated[bool, typer.Option(
        "--teams-local", help="Teams through Microsoft's Agents Playground on this machine: no token checked, "
                              "loopback only (needs --host 127.0.0.1). For trying the bot and development.")] = False,
) -> None:
    """Run the web app: Slack at /slack/events, Teams at /api/messages, /healthz and /metrics."""
    from bot.app import SchemaOutOfDate
    from bot.teams.local import is_loopback_host
    from bot.web.serve import run

    if teams_local and not is_loopback_host(host):
        common.fail(f"--teams-local accepts activities without a token, so it listens only on a loopback address: "
                    f"use --host 127.0.0.1 (not {host}).")
    try:
        run(host=host, port=port, no_scheduler=no_scheduler, socket_mode=socket_mode, teams_local=teams_local,
            settings=common.settings(), clock=common.clock())
    except SchemaOutOfDate as exc:
        common.fail(str(exc))


def scheduler(
    once: Annotated[bool, typer.Option("--once", hidden=True, help="Catch up, dispatch, exit (tests).")] = False,
    at: Annotated[str | None, typer.Option("--at", hidden=True, help="Pretend it is this ISO time (tests).")] = None,
    dispatchers: Annotated[int, typer.Option(
        "--dispatchers", min=1, help="Outbox dispatcher processes on this machine (this one and N-1 more): they "
                                     "share the workspaces (PostgreSQL).")] = 1,
    dispatch_only: Annotated[bool, typer.Option("--dispatch-only", hidden=True,
                                                help="Only the outbox dispatcher, no jobs (--dispatchers).")] = False,
) -> None:
    """Run the scheduler alone (nudges, digests, reminders, the outbox), without the web app."""
    import signal
    import threading

    from bot.core.clock import ManualClock
    from bot.web.logs import configure_logging_for

    settings = common.settings()
    configure_logging_for(settings)
    if dispatch_only:
        _dispatch_only(settings)
        return
    clock = None
    if at:
        try:
            clock = ManualClock(datetime.fromisoformat(at))
        except ValueError:
            common.fail(f"--at is an ISO time, e.g. 2026-11-30T09:00+01:00, not {at!r}.")
    runtime = common.runtime(settings, clock)
    service = runtime.scheduler()
    if once:
        service.keep_lease()  # and, once the lease is taken, catch up on what is due
        service.run_reminders()
        service.run_challenges()
        service.tick()
        runtime.close()
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    if dispatchers > 1 and runtime.db.dialect == "sqlite":
        typer.echo("Several dispatchers need PostgreSQL (SQLite serves one process): running one.", err=True)
        dispatchers = 1
    service.start()
    children = _Dispatchers(dispatchers - 1, stop)
    typer.echo("Scheduler running; Ctrl-C stops it." + (f" {dispatchers} dispatchers." if dispatchers > 1 else ""))
    stop.wait()
    children.stop()
    service.shutdown()
    runtime.close()


def _dispatch_only(settings: Any) -> None:
    """`scheduler --dispatch-only`: an outbox dispatcher and nothing else, until SIGTERM."""
    import asyncio
    import signal
    import threading

    runtime = common.runtime(settings)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        asyncio.run(runtime.dispatcher().serve(stop))
    finally:
        runtime.close()


class _Dispatchers:
    """The extra dispatcher processes of `scheduler --dispatchers N`, restarted when one dies, stopped with us."""

    def __init__(self, count: int, stop: Any) -> None:
        import subprocess
        import sys
        import threading

        self.args = [sys.executable, "-m", "bot.cli", "scheduler", "--dispatch-only"]
        self.popen = subprocess.Popen
        self.processes = [self.popen(self.args) for _ in range(count)]
        self.done = stop
        self.watch = threading.Thread(target=self._watch, daemon=True)
        if count:
            self.watch.start()

    def _watch(self) -> None:
        while not self.done.wait(2.0):
            for n, process in enumerate(self.processes):
                if process.poll() is not None and not self.done.is_set():
                    typer.echo(f"dispatcher {process.pid} exited ({process.returncode}): starting another", err=True)
                    self.processes[n] = self.popen(self.args)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(60)
            except Exception:
                process.kill()
