"""`idesluss feedback remind [--at ISO-TIME]`: the escalation ladder, now, as the scheduler runs it each morning.

`--at` evaluates deadlines (and working hours) as if it were that time, for an operator checking a
configuration and for tests; the messages are enqueued and delivered with the runtime's senders. A second run
at the same time takes no rung twice and sends nothing new.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from bot.cli import common

feedback_app = typer.Typer(help="The feedback promise: the escalation ladder.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(feedback_app, name="feedback")


def parse_at(at: str | None):  # type: ignore[no-untyped-def]
    from bot.core.clock import ManualClock

    if at is None:
        return None
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        common.fail(f"--at is an ISO time, e.g. 2026-12-21T09:00+01:00, not {at!r}.")
    if moment.tzinfo is None:
        from zoneinfo import ZoneInfo

        moment = moment.replace(tzinfo=ZoneInfo(common.settings().timezone))  # local time, as people write it
    return ManualClock(moment)


@feedback_app.command("remind")
def feedback_remind(
    at: Annotated[str | None, typer.Option("--at", help="Evaluate as if it were this ISO time (local if no "
                                                        "offset), e.g. 2026-12-21T09:00.")] = None,
) -> None:
    """Run the ladder now: remind coaches, admins and managers of ideas without first feedback, once per rung."""
    from scheduler.feedback import remind

    runtime = common.runtime(common.settings(), parse_at(at))
    try:
        run = remind(runtime.db, runtime.settings, now=runtime.clock.now())
        if run.held_back:
            typer.echo(f"Nothing sent at {run.evaluated_at.isoformat()}: {run.held_back}.")
            return
        result = runtime.dispatch_now(max_wait=120)
        rungs = ", ".join(f"rung {step}: {n}" for step, n in sorted(run.steps.items())) or "no rung due"
        typer.echo(f"Feedback ladder {run.day}: {run.ideas} ideas waiting, {rungs}; {run.messages} messages; "
                   f"sent {result.sent}, failed {result.failed}, dead {result.dead}.")
    finally:
        runtime.close()
