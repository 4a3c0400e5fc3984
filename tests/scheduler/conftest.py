"""Scheduler fixtures: the Slack Web API stand-in of tests/slack (real HTTP on port 0), settings pointing
at it, people and groups made through the project's own storage functions. Time is a ManualClock."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.config import Settings
from bot.core.clock import ManualClock
from scheduler.runner import SchedulerService
from storage.db import Database
from storage.models import Person, PilotGroup
from tests.conftest import START
from tests.slack.standin import SlackStandIn
from tests.teams.conftest import (  # noqa: F401 - the Teams helper's stand-in fixtures, for test_teams_delivery
    _stand_in_server,
    channel_keys,
    pki,
    stand_in,
    teams_bot,
    teams_settings,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
ORG = "testkommun"


def local(*args: int) -> datetime:
    """A moment in Stockholm local time, e.g. local(2026, 3, 30, 9)."""
    return datetime(*args, tzinfo=STOCKHOLM)


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as server:
        yield server


@pytest.fixture
def sched_settings(database_url: str, standin: SlackStandIn) -> Settings:
    return Settings(database_url=database_url, organisation=ORG, default_locale="sv", slack_bot_token="xoxb-test",
                    slack_api_url=standin.api_url, slack_rate_per_second=1000.0)


def person(db: Database, ref: str, *, locale: str | None = None, name: str | None = None) -> Person:
    from storage.people import get_or_create_org, get_or_create_person

    platform, user_id = ref.split(":", 1)
    with db.session() as session:
        org = get_or_create_org(session, "local" if platform == "shell" else ORG, now=START)
        return get_or_create_person(session, org, platform, user_id, locale=locale, display_name=name or user_id,
                                    workspace="T061EG9R6" if platform == "slack" else None, now=START)


def group(db: Database, name: str, members: list[str], *, schedule: str = "mon 09:00", platform: str = "slack",
          channel: str | None = None) -> PilotGroup:
    from storage.groups import add_members, create_group
    from storage.people import get_or_create_org

    people = [person(db, ref) for ref in members]
    day, time = schedule.split()
    with db.session() as session:
        org = get_or_create_org(session, "local" if platform == "shell" else ORG, now=START)
        created = create_group(session, org.id, name, schedule_day=day, schedule_time=time, slack_channel=channel,
                               now=START)
        add_members(session, created, people, now=START)
        return created


def scheduler_service(settings: Settings, db: Database, clock: ManualClock, *, holder: str | None = None
                      ) -> SchedulerService:
    """A scheduler as the composition root builds it (its dispatcher, the runtime's senders), on `clock`."""
    from bot.app import build_runtime

    return build_runtime(settings, clock, db=db).scheduler(holder=holder)


def cli(args: list[str], database_url: str, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "IDESLUSS_DATABASE_URL": database_url, "IDESLUSS_ORGANISATION": ORG,
                "PYTHONIOENCODING": "utf-8", **env}
    for name in ("SLACK_BOT_TOKEN", "TEAMS_APP_ID"):
        if name not in env:
            full_env.pop(name, None)
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, env=full_env,
                          timeout=60)
