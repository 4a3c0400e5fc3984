"""`idesluss stats`: the programme's figures for a follow-up report, as a table, JSON or CSV.

The JSON object (a contract other tools read) has at least `ideas`, `participants`, `participation_rate`,
`first_feedback_in_time_rate`, `median_days_to_first_feedback`, `p90_days_to_first_feedback`, `overdue`,
`implemented_rate` and `period`; rates are fractions (0.75), days are working days. Definitions:
docs/figures.md.
"""

from __future__ import annotations

import csv
import json
import sys
from typing import Annotated

import typer

from bot.cli import common

CSV_FIELDS = ["scope", "scope_name", "period", "start", "end", "ideas", "ideas_per_100", "participants",
              "participation_rate", "answered", "first_feedback_in_time_rate", "median_days_to_first_feedback",
              "p90_days_to_first_feedback", "overdue", "decided", "implemented_rate", "nudge_answer_rate",
              "headcount", "headcount_source"]


def register(app: typer.Typer) -> None:
    app.command("stats")(stats)


def stats(
    org: Annotated[str | None, typer.Option("--org", help="Organisation key (default: IDESLUSS_ORGANISATION).")] = None,
    period: Annotated[str, typer.Option("--period", help="90d (default), 2026-Q4, 2026-11, 2026-W48, 2026, or "
                                                         "week|month|quarter|year (this one so far).")] = "90d",
    group: Annotated[str | None, typer.Option("--group", help="Only this pilot group.")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="Only ideas of this unit.")] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="table, json or csv.")] = "table",
    at: Annotated[str | None, typer.Option("--at", help="As if it were this ISO time (checks, tests).")] = None,
) -> None:
    """Ideas, participation, feedback in time, working days to first feedback, overdue, implemented."""
    from bot.cli.feedback import parse_at
    from bot.core.figures import BadPeriod, compute, parse_period
    from bot.core.statistics import figure_fields, period_text
    from storage.figures import Scope
    from storage.groups import get_group
    from storage.models import Organisation

    if format not in ("table", "json", "csv"):
        common.fail("--format must be table, json or csv")
    if group and unit:
        common.fail("Give --group or --unit, not both.")
    settings = common.settings()
    clock = parse_at(at) or common.clock()
    now = clock.now()
    try:
        chosen = parse_period(period, now, settings.timezone)
    except BadPeriod:
        common.fail(f"--period {period!r}: write 90d, 2026-Q4, 2026-11, 2026-W48, 2026, or week|month|quarter|year.")
    db = common.database(settings)
    key = org or settings.organisation
    from sqlmodel import select

    with db.session() as session:
        found = session.exec(select(Organisation).where(Organisation.key == key)).first()
        if found is None:
            common.fail(f"No organisation {key!r} (it appears once someone has used the bot).")
        scope, name = Scope(found.id), found.name or found.key
        if group:
            pilot = get_group(session, found.id, group)
            if pilot is None:
                common.fail(f"No group called {group!r} in {key!r}: see `idesluss groups list`.")
            scope, name = Scope(found.id, groups=frozenset({pilot.id})), pilot.name
        elif unit:
            scope, name = Scope(found.id, unit=unit), unit
        report = compute(session, found, scope, chosen, timezone=settings.timezone, now=now,
                         headcount_fallback=settings.headcount, scope_name=name)
    data = report.as_json()
    if format == "json":
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    if format == "csv":
        row = {**{k: data.get(k) for k in CSV_FIELDS}, "period": chosen.label, "start": chosen.first_day.isoformat(),
               "end": chosen.last_day.isoformat()}
        writer = csv.DictWriter(sys.stdout, fieldnames=CSV_FIELDS, lineterminator="\r\n")
        writer.writeheader()
        writer.writerow(row)
        return
    lang = "sv" if settings.default_locale.startswith("sv") else "en"
    typer.echo(f"{report.scope_name}: {period_text(report, lang)}")
    for field in figure_fields(report, lang):
        typer.echo(f"  {field.label}: {field.value}")
