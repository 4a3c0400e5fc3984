"""Records fixtures: people of the test organisation in Slack, the command line in-process, every table's text."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from click.testing import Result
from sqlalchemy import inspect, text

from bot.core import Actor, Core
from bot.core.replies import Reply
from storage.db import Database
from storage.people import get_or_create_org, get_or_create_person, grant_role
from tests.conftest import START

ORG = "testkommun"
# The anonymous author: a Slack id and a name that must never show where anonymity holds.
AGNES_ID, AGNES_NAME = "U0AGNES01", "Agnes Anonymsson"


def slack(user: str, name: str | None = None, locale: str = "sv-SE") -> Actor:
    return Actor("slack", user, workspace="T061EG9R6", display_name=name, locale=locale)


AGNES = slack(AGNES_ID, AGNES_NAME)
BERTIL = slack("U0BERTIL1", "Bertil Berg")
COACH = slack("U0COACH01", "Cecilia Coach")
OTHER_COACH = slack("U0COACH02", "Cornelia Coach")
ADMIN = slack("U0ADMIN01", "Adam Admin")
MANAGER = slack("U0MANAG01", "Maria Chef")


def give_role(db: Database, actor: Actor, role: str) -> None:
    with db.session() as session:
        org = get_or_create_org(session, ORG, now=START)
        person = get_or_create_person(session, org, actor.platform, actor.user_id, display_name=actor.display_name,
                                      workspace=actor.workspace, now=START)
        grant_role(session, person, role, now=START)


@pytest.fixture
def staff(db: Database) -> None:
    """A coach, an admin and a manager of the whole organisation."""
    give_role(db, COACH, "coach")
    give_role(db, ADMIN, "admin")
    give_role(db, MANAGER, "manager")


def renderings(reply: Reply) -> dict[str, str]:
    """The reply as each platform shows it: Slack Block Kit, a Teams Adaptive Card, the shell's text."""
    from bot.shell import render
    from bot.slack import blocks
    from bot.teams.cards import reply_card

    return {"slack": json.dumps(blocks.message(reply), ensure_ascii=False),
            "teams": json.dumps(reply_card(reply), ensure_ascii=False), "shell": render(reply)}


def every_text_in_the_database(db: Database) -> str:
    """Every value of every row of every table (search index included), as one string to search."""
    names = [t for t in inspect(db.engine).get_table_names() if t != "alembic_version"]
    parts: list[str] = []
    with db.engine.connect() as conn:
        for name in names:
            if name.startswith("idea_fts_"):
                continue  # FTS5's shadow tables hold the index in binary form; idea_fts itself is read
            for row in conn.execute(text(f'SELECT * FROM "{name}"')):
                parts.append(f"{name}: " + " | ".join(str(v) for v in row))
    return "\n".join(parts)


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Result]]:
    """`idesluss …` in this process (typer's runner), configured through the environment like a real run."""
    from typer.testing import CliRunner

    from bot.cli import app
    from bot.config import get_settings

    monkeypatch.setenv("IDESLUSS_DATABASE_URL", database_url)
    monkeypatch.setenv("IDESLUSS_ORGANISATION", ORG)
    get_settings.cache_clear()
    runner = CliRunner()

    def run(*args: str, env: dict[str, str] | None = None) -> Result:
        for key, value in (env or {}).items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()
        return runner.invoke(app, list(args), catch_exceptions=False)

    yield run
    get_settings.cache_clear()


def audit_rows(db: Database, action: str | None = None) -> list[Any]:
    from storage import audit

    with db.session() as session:
        return [e for e in audit.entries(session) if action is None or e.action == action]


@pytest.fixture
def anonymous_idea(core: Core, db: Database) -> int:
    """Agnes's anonymous idea, captured with `/idé anonym` in Slack; returns its number."""
    from bot.core import Origin

    reply = core.handle_command(AGNES, "anonym Cykelpool för hemtjänsten. Vi lånar cyklar i stället för bilar.",
                                Origin(channel="C0HEMTJ01", dedup_key="slack:cmd:agnes-1"))
    assert reply.idea_number is not None, reply.text
    return reply.idea_number
