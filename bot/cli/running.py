"""`idesluss shell`, `idesluss serve` and `idesluss scheduler`: the bot's three ways of running."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from bot.cli import common


def register(app: typer.Typer) -> None:
    app.command()(shell)
    app.command()(serve)
    app.command("scheduler")(scheduler)


def shell(
    user: Annotated[str, typer.Option("--user", "-u", help="Your name in the shell (you are shell:NAME).")] = "",
    lang: Annotated[str, typer.Option("--lang", help="sv or en.")] = "sv",
) -> None:
    """Talk to the bot in the terminal: one message per line, e.g. `/idé Bättre cykelparkering`."""
    import getpass

    from bot.shell import run_shell

    if lang not in ("sv", "en"):
        common.fail("--lang must be sv or en")
    runtime = common.runtime()
    name = (user or getpass.getuser() or "anna").strip()
    try:
        code = run_shell(runtime.core, name, lang, lambda: runtime.dispatch_now(max_wait=0, platforms=["shell"]))
    finally:
        runtime.close()
    raise typer.Exit(code)


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "0.0.0.0",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 3000,
    no_scheduler: Annotated[bool, typer.Option("--no-scheduler", help="Run no background jobs here.")] = False,
    socket_mode: Annotated[bool, typer.Option("--socket-mode", help="Slack over Socket Mode.")] = False,
) -> None:
    """Run the web app: Slack at /slack/events, Teams at /api/messages, /healthz and /metrics."""
    from bot.app import SchemaOutOfDate
    from bot.web.serve import run

    try:
        run(host=host, port=port, no_scheduler=no_scheduler, socket_mode=socket_mode, settings=common.settings(),
            clock=common.clock())
    except SchemaOutOfDate as exc:
        common.fail(str(exc))


def scheduler(
    once: Annotated[bool, typer.Option("--once", hidden=True, help="Catch up, dispatch, exit (tests).")] = False,
    at: Annotated[str | None, typer.Option("--at", hidden=True, help="Pretend it is this ISO time (tests).")] = None,
) -> None:
    """Run the scheduler alone (nudges, digests, reminders, the outbox), without the web app."""
    import signal
    import threading

    from bot.core.clock import ManualClock
    from bot.web.logs import configure_logging_for

    settings = common.settings()
    configure_logging_for(settings)
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
    service.start()
    typer.echo("Scheduler running; Ctrl-C stops it.")
    stop.wait()
    service.shutdown()
    runtime.close()
