"""The `idesluss` command line (Typer): one package, one module per area, no imports between areas.

Every command that touches the bot builds its runtime through `bot.cli.common` (which calls the composition
root, bot/app.py), so the CLI, `serve` and the tests run the same wiring.
"""

from __future__ import annotations

import typer

from bot.cli import (
    audit,
    challenges,
    coaches,
    data,
    feedback,
    groups,
    messages,
    orgs,
    people,
    retention,
    roles,
    running,
    settings,
    stats,
    teams,
)

app = typer.Typer(help="idesluss – idéslussen i Slack, Teams och terminalen.", no_args_is_help=True,
                  add_completion=False)
running.register(app)  # shell, serve, scheduler
data.register(app)  # db, ideas
roles.register(app)  # roles
groups.register(app)  # groups
messages.register(app)  # nudge, digest
teams.register(app)  # teams
feedback.register(app)  # feedback remind
coaches.register(app)  # coaches assign
orgs.register(app)  # orgs: connections, partners (issue 11), set-headcount, set-feedback (issue 9)
stats.register(app)  # stats
people.register(app)  # people export, erase (GDPR)
audit.register(app)  # audit list
retention.register(app)  # retention apply
settings.register(app)  # settings show, set (per organisation)
challenges.register(app)  # challenges (issue 11)


def main() -> None:
    app()
