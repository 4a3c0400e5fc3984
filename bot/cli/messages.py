"""`idesluss nudge send` and `idesluss digest send|preview`: an operator's explicit sends.

They enqueue through the outbox and dispatch at once with the runtime's senders and rate limits, exactly as
the scheduler would.
"""

from __future__ import annotations

import re
from typing import Annotated

import typer

from bot.cli import common

nudge_app = typer.Typer(help="Nudges: the weekly question to a pilot group.", no_args_is_help=True)
digest_app = typer.Typer(help="The weekly digest for managers.", no_args_is_help=True)
WEEK = re.compile(r"^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$")


def register(app: typer.Typer) -> None:
    app.add_typer(nudge_app, name="nudge")
    app.add_typer(digest_app, name="digest")


# How long a command waits for a stopped sender's lease to run out (its rows are then taken over and sent here),
# and for another dispatcher that holds its messages to make progress.
WAIT_FOR_OTHERS_SECONDS = 15.0
MAX_WAIT_SECONDS = 120.0


def _dispatch(runtime, platforms: set[str], patterns: list[str]) -> str:  # type: ignore[no-untyped-def]
    """Send the act's messages now (the keys matching `patterns`) and say where every one of them is: sent,
    being sent by another dispatcher, waiting for a stopped sender (and when it is taken over), due later, dead.
    Waits a little for what another process holds (never longer than MAX_WAIT_SECONDS)."""
    import time

    from storage import outbox

    with runtime.db.session() as session:
        waiting = outbox.waiting_by_platform(session)
    missing = {p for p in platforms - set(runtime.senders) if waiting.get(p)}
    if missing:
        typer.echo(f"No sender configured for {', '.join(sorted(missing))}: those messages wait in the outbox.",
                   err=True)
    started = time.monotonic()
    sent_here = 0
    last_sent: int | None = None
    while True:
        result = runtime.dispatch_now(max_wait=MAX_WAIT_SECONDS - (time.monotonic() - started))
        sent_here += result.sent
        now = runtime.clock.now()
        with runtime.db.session() as session:
            found = outbox.progress(session, patterns, now=now)
            holders = _holders(session, found, now)
        # Worth waiting for: a stopped sender whose heartbeat runs out soon (then this command takes its messages
        # over), another dispatcher that is getting on with them, what this command itself can still send.
        soon = any(left is not None and left <= WAIT_FOR_OTHERS_SECONDS for _, left, _ in holders.values())
        progressing = last_sent is not None and found.count(outbox.SENT) > last_sent and bool(holders)
        last_sent = found.count(outbox.SENT)
        sendable = found.due_now and set(platforms) & set(runtime.senders) and result.sent
        if time.monotonic() - started >= MAX_WAIT_SECONDS or not (soon or progressing or sendable):
            return _report(found, holders, sent_here, now)
        time.sleep(0.5)


def _holders(session, found, now) -> dict[str, tuple[int, float | None, bool]]:  # type: ignore[no-untyped-def]
    """Per worker holding some of the act's messages: (how many, seconds until its heartbeat runs out — None
    when it has none, 0 when it ran out —, whether it is this process)."""
    import os

    from scheduler.dispatcher import WORKER_PREFIX
    from storage import lease
    from storage.models import as_utc

    out: dict[str, tuple[int, float | None, bool]] = {}
    for worker, n in found.claimed.items():
        held = lease.current(session, WORKER_PREFIX + worker)
        left = None if held is None else max(0.0, (as_utc(held.expires_at) - now).total_seconds())
        out[worker] = (n, left, worker.endswith(f":{os.getpid()}"))
    return out


def _report(found, holders, sent_here: int, now) -> str:  # type: ignore[no-untyped-def]
    """One honest line: every message of the act is counted once, in the state it is really in."""
    import math

    from storage import outbox

    parts = [f"sent {found.count(outbox.SENT)} of {found.total}"
             + (f" ({sent_here} by this command)" if sent_here != found.count(outbox.SENT) else "")]
    stopped = sum(n for n, left, _ in holders.values() if not left)
    if stopped:
        parts.append(f"{stopped} waiting for a stopped sender, due now (the next dispatch takes them over)")
    for worker, (n, left, _) in sorted(holders.items()):
        if left:
            parts.append(f"{n} being sent by dispatcher {worker} (waiting for a stopped sender, due within "
                         f"{math.ceil(left)} s, if it has stopped)")
    if found.due_now:
        parts.append(f"{found.due_now} due now, waiting for a dispatcher")
    if found.next_due is not None:
        later = found.count(outbox.PENDING) + found.count(outbox.FAILED) - found.due_now
        seconds = max(0, math.ceil((found.next_due - now).total_seconds()))
        parts.append(f"{later} to be retried, the first in {seconds} s")
    if found.count(outbox.PAUSED):
        parts.append(f"{found.count(outbox.PAUSED)} held while their workspace is uninstalled")
    parts.append(f"dead {found.count(outbox.DEAD)}")
    return "; ".join(parts)


@nudge_app.command("send")
def nudge_send(name: str, dm: Annotated[bool, typer.Option("--dm", help="DM every member.")] = False,
               org: Annotated[str | None, typer.Option("--org", help="The group's organisation, when several "
                                                                 "have a group of that name.")] = None) -> None:
    """Send the group's prompt now (whatever the hour or day; snoozes and opt-outs still hold)."""
    from scheduler.nudges import send_nudge
    from storage.groups import members

    runtime = common.runtime()
    settings, db = runtime.settings, runtime.db
    with db.session() as session:
        group = common.group(session, name, org)
        platforms = {p.platform for p in members(session, group.id)} | {
            p for p, c in (("slack", group.slack_channel), ("teams", group.teams_conversation)) if c}
    outcome = send_nudge(db, settings, group.id, now=runtime.clock.now(), manual=True, dm=dm)
    report = _dispatch(runtime, platforms, [f"nudge:{outcome.nudge_id}:dm:%", f"nudge:{outcome.nudge_id}:channel:%"])
    typer.echo(f"Nudge #{outcome.nudge_id} to {name!r}: {outcome.enqueued} new messages, "
               f"{outcome.skipped_people} members paused or opted out; {report}.")


@digest_app.command("send")
def digest_send(
    week: Annotated[str | None, typer.Option(help="ISO week, e.g. 2026-W48 (default: this week).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the digests; send and record nothing.")] = False,
) -> None:
    """Build every manager's digest and send it now. A rerun in the same week sends nothing new."""
    from bot.shell import render
    from scheduler.digests import build_digests

    if week is not None and not WEEK.match(week.upper()):
        common.fail("--week is YYYY-Www, e.g. 2026-W48.")
    runtime = common.runtime()
    run = build_digests(runtime.db, runtime.settings, now=runtime.clock.now(), week=week.upper() if week else None,
                        dry_run=dry_run)
    if dry_run:
        for ref, reply in run.previews:
            typer.echo(f"--- {ref}\n{render(reply)}\n")
        typer.echo(f"{run.managers} digests for {run.week} (dry run: nothing sent).")
        return
    report = _dispatch(runtime, {"slack", "teams", "shell"}, [f"digest:%:{run.week}"])
    # `already_sent` counts digests enqueued by an earlier run: whether they went out is the report's to say.
    typer.echo(f"Digests {run.week}: {run.managers} managers, {run.enqueued} new, {run.already_sent} enqueued "
               f"before; {report}.")


@digest_app.command("preview")
def digest_preview(person: str) -> None:
    """Print PERSON's digest of this week without sending it."""
    from bot.shell import render
    from scheduler.digests import build_digests

    settings = common.settings()
    db = common.database(settings)
    run = build_digests(db, settings, now=common.clock().now(), dry_run=True, only=[person.strip()])
    if not run.previews:
        common.fail(f"{person} is no manager: `idesluss roles grant {person} manager` first.")
    typer.echo(render(run.previews[0][1]))
