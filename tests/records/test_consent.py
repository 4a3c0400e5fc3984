"""Consent before publishing a name: asked once when an idea goes wider; no name until the author says yes."""

from __future__ import annotations

import json

from sqlmodel import select

from bot.core import Core
from bot.core.consent import public_author_name
from bot.core.replies import ActionId, Reply, ReplyKind
from storage.db import Database
from storage.models import Idea, OutboxMessage
from tests.records.conftest import AGNES, BERTIL, COACH, audit_rows, renderings


def consent_questions(db: Database) -> list[OutboxMessage]:
    with db.session() as session:
        return [r for r in session.exec(select(OutboxMessage)).all() if r.key.startswith("consent:")]


def public_name(db: Database, number: int) -> str | None:
    with db.session() as session:
        return public_author_name(session, session.exec(select(Idea).where(Idea.number == number)).one())


def test_the_author_is_asked_once_when_the_idea_goes_wider_and_named_only_after_yes(core: Core, db, staff):
    number = core.handle_command(BERTIL, "Gemensam bilpool för förvaltningarna").idea_number
    core.handle_command(COACH, f"status {number} bedömning")
    assert consent_questions(db) == []  # review is not wider presentation
    core.handle_command(COACH, f"status {number} pilot")
    core.handle_command(COACH, f"status {number} införd")
    core.handle_command(COACH, f"status {number} spridd")

    (question,) = consent_questions(db)
    assert (question.platform, question.recipient) == ("slack", BERTIL.user_id)
    asked = Reply.from_dict(json.loads(question.payload))
    assert [b.label for b in asked.buttons] == ["Ja, visa mitt namn", "Nej, utan namn"]
    assert "Test/pilot" in asked.text and "Tills du svarar visas inget namn" in asked.text
    assert "Ja, visa mitt namn" in renderings(asked)["slack"]
    assert public_name(db, number) is None  # not answered: no name

    assert core.handle_action(AGNES, ActionId.NAME_CONSENT_YES, str(number)).kind is ReplyKind.ERROR  # not hers
    assert public_name(db, number) is None
    yes = core.handle_action(BERTIL, ActionId.NAME_CONSENT_YES, str(number))
    assert yes.kind is ReplyKind.INFO and "Ditt namn visas" in yes.text
    assert public_name(db, number) == "Bertil Berg"
    core.handle_action(BERTIL, ActionId.NAME_CONSENT_NO, str(number))  # changed their mind
    assert public_name(db, number) is None
    assert [e.detail for e in audit_rows(db, "idea.name_consent")] == ['{"answer":"yes","number":1}',
                                                                       '{"answer":"no","number":1}']


def test_an_anonymous_idea_is_never_asked_and_never_named(core, db, staff, anonymous_idea):
    core.handle_action(COACH, ActionId.TAKE_OWNERSHIP, str(anonymous_idea))
    core.handle_command(COACH, f"status {anonymous_idea} pilot")
    assert consent_questions(db) == []
    assert core.handle_action(AGNES, ActionId.NAME_CONSENT_YES, str(anonymous_idea)).kind is ReplyKind.INFO
    assert public_name(db, anonymous_idea) is None


def test_an_author_known_only_by_platform_id_has_no_public_name(core, db, staff):
    from bot.core import Actor

    nameless = Actor("slack", "U0NONAME1", workspace="T061EG9R6")  # Slack events carry no display name
    number = core.handle_command(nameless, "Skylt vid entrén").idea_number
    core.handle_command(COACH, f"status {number} pilot")
    core.handle_action(nameless, ActionId.NAME_CONSENT_YES, str(number))
    assert public_name(db, number) is None  # "U0NONAME1" is not a name to publish
