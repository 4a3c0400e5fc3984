"""`idesluss retention apply [--dry-run]`: purge now what the retention policy says is due (the scheduler does
it every night; this prints exactly what goes)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from bot.cli import common

retention_app = typer.Typer(help="Retention: purge operational data and closed ideas as configured.",
                            no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(retention_app, name="retention")


@retention_app.command("apply")
def retention_apply(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only count: remove nothing.")] = False,
    at: Annotated[str | None, typer.Option("--at", hidden=True, help="Pretend it is this ISO time (tests).")] = None,
) -> None:
    """Remove what the policy says is due: sent message texts, old event ids, unfinished guided captures, old
    nudge deliveries, and declined/parked/withdrawn ideas where IDESLUSS_RETENTION_*_YEARS is set."""
    from bot.core.retention import apply_retention
    from storage import audit

    settings = common.settings()
    now = common.clock().now()
    if at:
        try:
            now = datetime.fromisoformat(at)
        except ValueError:
            common.fail(f"--at is an ISO time, e.g. 2027-03-01T03:30+01:00, not {at!r}.")
    report = apply_retention(common.database(settings), settings, now=now, dry_run=dry_run, via=audit.CLI,
                             operator=common.operator())
    typer.echo(("Dry run – nothing removed. " if dry_run else "") + f"Retention at {now.isoformat()}:")
    for line in report.lines():
        typer.echo(f"  {line}")
