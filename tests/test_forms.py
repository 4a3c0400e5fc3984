"""Saying more: the guided capture in the shell and the form on Slack and Teams."""

from __future__ import annotations

from bot.core import Core
from bot.core.replies import ReplyKind
from storage.ideas import export_ideas
from tests.conftest import ShellUser


def test_guided_capture_asks_three_questions_and_stores_once(anna, db):
    assert anna.say("/idé").kind == ReplyKind.QUESTION
    assert "problem" in anna.say("Digitala blanketter för ledighet").text
    assert "nytta" in anna.say("Pappersblanketter försvinner").text
    reply = anna.say("Alla chefer")
    assert reply.kind == ReplyKind.CAPTURED
    with db.session() as session:
        (row,) = export_ideas(session)
    assert (row.text, row.problem, row.benefit) == ("Digitala blanketter för ledighet", "Pappersblanketter försvinner",
                                                    "Alla chefer")


def test_guided_capture_survives_a_restart(db, settings, clock, anna):
    anna.say("/idé")
    anna.say("Gemensam kalender för lokalbokning")
    restarted = ShellUser(Core(db, settings, clock), "anna")  # a new core: nothing kept in memory
    assert "nytta" in restarted.say("hoppa över").text
    assert restarted.say("Föreningar").kind == ReplyKind.CAPTURED


def test_guided_capture_never_stores_an_empty_idea(anna, db):
    anna.say("/idé")
    assert anna.say("   ").kind == ReplyKind.QUESTION  # a blank answer asks again
    reply = anna.say("hoppa över")
    assert reply.kind == ReplyKind.QUESTION
    assert anna.say("avbryt").kind == ReplyKind.INFO
    with db.session() as session:
        assert export_ideas(session) == []


def test_with_forms_a_bare_command_opens_the_form(core):
    from bot.core import Actor

    reply = core.handle_command(Actor("slack", "U1", "T1"), "", forms=True)
    assert reply.kind == ReplyKind.OPEN_FORM
    assert [f.name for f in reply.form.fields] == ["title", "text", "problem", "benefit", "unit", "anonymous"]


def test_form_errors_are_per_field_and_nothing_is_stored(core, db):
    from bot.core import Actor

    reply = core.submit_form(Actor("slack", "U1", "T1"), {"title": "", "text": "", "unit": "x" * 201})
    assert reply.kind == ReplyKind.ERROR
    assert set(reply.errors) == {"title", "text", "unit"}
    assert reply.errors["title"] == "Fyll i det här fältet."
    with db.session() as session:
        assert export_ideas(session) == []


def test_add_details_to_own_idea_only(core, anna, bertil, db):
    anna.say("/idé Kortare möten")
    assert core.submit_form(bertil.actor, {"title": "x", "text": "y"}, idea_number=1).kind == ReplyKind.ERROR
    reply = core.submit_form(anna.actor, {"title": "Kortare möten", "text": "Max 30 minuter", "problem": "Tidsbrist"},
                             idea_number=1)
    assert reply.kind == ReplyKind.INFO
    with db.session() as session:
        (row,) = export_ideas(session)
    assert (row.text, row.problem) == ("Max 30 minuter", "Tidsbrist")
