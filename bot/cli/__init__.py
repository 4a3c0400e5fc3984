"""The `idesluss` command line (Typer): one package, one module per area, no imports between areas.

Every command that touches the bot builds its runtime through `bot.cli.common` (which calls the composition
root, bot/app.py), so the CLI, `serve` and the tests run the same wiring.
"""

from __future__ import annotations

import typer

from bot.cli import challenges, data, groups, messages, orgs, roles, running, teams

app = typer.Typer(help="idesluss – idéslussen i Slack, Teams och terminalen.", no_args_is_help=True,
                  add_completion=False)
running.register(app)  # shell, serve, scheduler
data.register(app)  # db, ideas
roles.register(app)  # roles
groups.register(app)  # groups
messages.register(app)  # nudge, digest
teams.register(app)  # teams
orgs.register(app)  # orgs: connections, partners (issue 11)
challenges.register(app)  # challenges (issue 11)


def main() -> None:
    app()
