"""Three municipalities in one deployment, for the stories of tests/test_organisations.py, test_challenges.py and
test_spreading.py: Tranås and Aneby are partners with a Slack workspace each; Ydre has its own workspace and is
nobody's partner. People talk to the core the way the Slack adapter makes them (an Actor with a team id)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlmodel import col, select

from bot.core import Actor, Core, Origin
from bot.core.replies import Reply
from storage import orgs
from storage.db import Database
from storage.models import OutboxMessage
from storage.people import get_or_create_org, get_or_create_person, grant_role
from tests.conftest import START

TRANAS_TEAM, ANEBY_TEAM, YDRE_TEAM = "T0TRANAS1", "T0ANEBY01", "T0YDRE001"
TEAMS = {"tranas": TRANAS_TEAM, "aneby": ANEBY_TEAM, "ydre": YDRE_TEAM}


def set_up_municipalities(db: Database) -> None:
    with db.session() as session:
        made = {}
        for key, name in (("tranas", "Tranås kommun"), ("aneby", "Aneby kommun"), ("ydre", "Ydre kommun")):
            made[key] = get_or_create_org(session, key, name, now=START)
            orgs.connect(session, made[key], orgs.SLACK_TEAM, TEAMS[key], now=START)
        orgs.partner(session, made["tranas"], made["aneby"], now=START)


def grant(db: Database, user: str, home: str, role: str, *, org: str | None = None) -> None:
    """`idesluss roles grant slack:<user> <role> [--org <org>]` for someone of `home`."""
    with db.session() as session:
        person = get_or_create_person(session, orgs.find_org(session, home), "slack", user, workspace=TEAMS[home],
                                      display_name=user.title(), now=START)
        grant_role(session, person, role, now=START, org_id=orgs.find_org(session, org or home).id)


@dataclass
class Member:
    """Someone in a municipality's Slack workspace, as the Slack adapter hands them to the core."""

    core: Core
    user: str
    home: str
    lang: str = "sv"

    @property
    def actor(self) -> Actor:
        return Actor("slack", self.user, TEAMS[self.home], display_name=self.user.title(), locale=self.lang)

    def say(self, text: str, *, channel: str | None = None) -> Reply:
        return self.core.handle_command(self.actor, text, Origin(channel=channel), forms=False)

    def form(self, text: str, *, channel: str | None = "C0MUNICIP") -> Reply:
        return self.core.handle_command(self.actor, text, Origin(channel=channel), forms=True)

    def press(self, action_id: str, value: str) -> Reply:
        return self.core.handle_action(self.actor, action_id, value, Origin(channel="D0DM"))

    def submit(self, values: dict[str, object], context: str) -> Reply:
        return self.core.submit_form(self.actor, values, Origin(channel="C0MUNICIP"), context=context)


def outbox_to(db: Database, recipient: str) -> list[dict]:
    """What the outbox holds for a person (their Slack user id), as the Reply each message carries."""
    with db.session() as session:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.recipient == recipient)
                            .order_by(col(OutboxMessage.id))).all()
    return [{**json.loads(r.payload), "_key": r.key, "_workspace": r.workspace} for r in rows]
