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


def _dispatch(runtime, platforms: set[str]) -> dict[str, int]:  # type: ignore[no-untyped-def]
    from storage import outbox

    with runtime.db.session() as session:
        waiting = outbox.waiting_by_platform(session)
    missing = {p for p in platforms - set(runtime.senders) if waiting.get(p)}
    if missing:
        typer.echo(f"No sender configured for {', '.join(sorted(missing))}: those messages wait in the outbox.",
                   err=True)
    result = runtime.dispatch_now(max_wait=120)
    return {"sent": result.sent, "failed": result.failed, "dead": result.dead}




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
    result = _dispatch(runtime, platforms)
    typer.echo(f"Nudge #{outcome.nudge_id} to {name!r}: {outcome.enqueued} new messages, "
               f"{outcome.skipped_people} members paused or opted out; sent {result['sent']}, "
               f"failed {result['failed']}, dead {result['dead']}.")


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
    result = _dispatch(runtime, {"slack", "teams", "shell"})
    typer.echo(f"Digests {run.week}: {run.managers} managers, {run.enqueued} new, {run.already_sent} already sent; "
               f"delivered {result['sent']}, failed {result['failed']}, dead {result['dead']}.")


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
