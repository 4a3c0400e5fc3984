"""Listing, searching, showing, withdrawing and moving ideas, in Swedish and English."""

from __future__ import annotations

from bot.core.replies import ActionId, ReplyKind
from tests.conftest import START


def test_list_shows_only_my_ideas_with_stages(anna, bertil):
    anna.say("/idé Cykelparkering vid stationen")
    bertil.say("/idé Bättre kaffe")
    reply = anna.say("/idé lista")
    assert reply.kind == ReplyKind.LIST
    assert [(i.number, i.stage_label) for i in reply.ideas] == [(1, "Inkommen")]
    assert anna.say("/idé list").ideas == reply.ideas


def test_empty_list_tells_how_to_start(anna):
    reply = anna.say("/idé lista")
    assert reply.ideas == [] and "/idé" in reply.text


def test_search_finds_prefix_and_keeps_swedish_letters_apart(anna, bertil):
    anna.say("/idé Cykelparkering vid stationen")
    anna.say("/idé Planera för nästa år")
    bertil.say("/idé Ar-kontroll av maskinerna")
    assert [i.number for i in bertil.say("/idé sök cykel").ideas] == [1]
    assert [i.number for i in bertil.say("/idé sök år").ideas] == [2]
    assert [i.number for i in bertil.say("/idé search ar").ideas] == [3]
    assert "Inga idéer" in bertil.say("/idé sök elefant").text


def test_search_without_words_explains_usage(anna):
    reply = anna.say("/idé sök")
    assert reply.kind == ReplyKind.HELP and "sök" in reply.text


def test_show_has_history_and_hides_anonymous_author(core, anna, bertil):
    number = core.submit_form(anna.actor, {"title": "Anonym idé", "text": "Något känsligt", "anonymous": True}
                              ).idea_number
    reply = bertil.say(f"/idé visa {number}")
    assert reply.kind == ReplyKind.IDEA
    fields = dict((f.label, f.value) for f in reply.fields)
    assert fields["Inskickad av"] == "Anonym"
    assert "Inkommen" in fields["Historik"]


def test_unknown_number_is_a_clear_message(anna):
    reply = anna.say("/idé visa 99")
    assert reply.kind == ReplyKind.ERROR and "#99" in reply.text


def test_only_coaches_move_stages_and_the_author_is_told_through_the_outbox(anna, bertil, coach, db):
    anna.say("/idé Cykelparkering vid stationen")
    refused = bertil.say("/idé status 1 bedömning")
    assert refused.kind == ReplyKind.ERROR and "idécoacher" in refused.text
    moved = coach.say("/idé status 1 bedömning Vi tittar på kostnaden")
    assert moved.kind == ReplyKind.INFO and "Bedömning" in moved.text
    from storage.outbox import counts_by_state, get_by_key

    with db.session() as session:
        assert counts_by_state(session) == {"pending": 1}
    shown = anna.say("/idé visa 1")
    history = dict((f.label, f.value) for f in shown.fields)["Historik"]
    assert "Bedömning (cecilia) – Vi tittar på kostnaden" in history
    with db.session() as session:
        from sqlmodel import select

        from storage.models import OutboxMessage

        row = session.exec(select(OutboxMessage)).one()
        assert get_by_key(session, row.key) is not None
        assert row.recipient == "anna" and row.platform == "shell"
        assert "Bedömning" in row.payload


def test_stage_names_codes_and_english_all_work(anna, coach):
    anna.say("/idé En idé")
    assert "Test/pilot" in coach.say("/idé status 1 pilot").text
    assert "Införd" in coach.say("/idé status 1 implemented").text
    assert "Vilande" in coach.say("/idé status #1 Vilande").text


def test_unknown_stage_lists_the_stages(anna, coach):
    anna.say("/idé En idé")
    reply = coach.say("/idé status 1 klar")
    assert reply.kind == ReplyKind.ERROR and "”klar”" in reply.text and "Bedömning" in reply.text


def test_declining_needs_a_reason(anna, coach):
    anna.say("/idé En idé")
    assert coach.say("/idé status 1 avslutad").kind == ReplyKind.ERROR
    assert "Avslutad – ej aktuell" in coach.say("/idé status 1 avslutad Ingår redan i verksamheten").text


def test_only_the_author_can_withdraw(anna, bertil):
    anna.say("/idé En idé")
    assert bertil.say("/idé ångra 1").kind == ReplyKind.ERROR
    assert anna.say("/idé ångra 1").kind == ReplyKind.INFO
    assert anna.say("/idé lista").ideas == []
    assert anna.say("/idé visa 1").kind == ReplyKind.ERROR


def test_votes_are_one_per_person_and_not_for_own_idea(anna, bertil, core):
    from bot.core import Actor

    anna.say("/idé En idé")
    assert core.vote(bertil.actor, 1).text.endswith("Den har nu 1 röst.")
    assert core.vote(Actor("shell", "cecilia"), 1).text.endswith("Den har nu 2 röster.")
    assert "redan röstat" in core.vote(bertil.actor, 1).text
    assert "egen idé" in core.vote(anna.actor, 1).text


def stage_choices(reply) -> list[str]:  # type: ignore[no-untyped-def]
    return [o.value for s in reply.selects if s.action_id == ActionId.SET_STAGE for o in s.options]


def test_coach_sees_the_stage_choice_others_do_not(anna, coach):
    anna.say("/idé En idé")
    assert not stage_choices(anna.say("/idé visa 1")) and not anna.say("/idé visa 1").selects
    shown = coach.say("/idé visa 1")
    assert "1:in_review" in stage_choices(shown)
    # Teams shows at most six actions on a card: four buttons and one button per choice.
    assert len(shown.buttons) + len(shown.selects) <= 6
    moved = coach.core.handle_action(coach.actor, ActionId.SET_STAGE, "1:in_review")
    # The answer to the choice is the idea as it is now, with what the press did above it.
    assert moved.kind == ReplyKind.IDEA and moved.notice == "Idé #1 har nu status Bedömning."
    assert "1:in_review" not in stage_choices(moved)


def test_a_manager_asks_for_details_and_sees_all_ideas_from_the_digest(core, db, anna, bertil):
    from bot.core import Actor
    from storage.people import get_or_create_org, get_or_create_person, grant_role

    anna.say("/idé Första")
    bertil.say("/idé Andra")
    with db.session() as session:
        org = get_or_create_org(session, "local", now=START)
        grant_role(session, get_or_create_person(session, org, "shell", "maria", now=START), "manager", now=START)
    maria = Actor("shell", "maria")
    assert [i.number for i in core.handle_action(maria, ActionId.LIST_ALL, "").ideas] == [2, 1]
    assert [i.number for i in core.handle_action(anna.actor, ActionId.LIST_ALL, "").ideas] == [1]
    assert "Komplettering begärd" in core.handle_action(maria, ActionId.REQUEST_INFO, "1").notice
    assert core.handle_action(bertil.actor, ActionId.REQUEST_INFO, "1").kind == ReplyKind.ERROR
    assert "ansvarig" in core.handle_action(maria, ActionId.TAKE_OWNERSHIP, "2").notice
    assert core.handle_action(maria, ActionId.SET_STAGE, "2:pilot").kind == ReplyKind.ERROR  # not a coach


def test_help_in_both_languages(core, anna):
    assert "/idé lista" in anna.say("/idé hjälp").text
    from bot.core import Actor

    assert "/idea list" in core.handle_message(Actor("shell", "eve", locale="en"), "/idea help").text


def test_plain_chat_without_command_gets_a_hint_and_stores_nothing(anna, db):
    reply = anna.say("hej")
    assert reply.kind == ReplyKind.HELP and "idé" in reply.text
    assert anna.say("/idé lista").ideas == []


def test_in_a_conversation_command_words_need_no_prefix(anna):
    anna.say("idé Fler bänkar i parken")
    assert [i.number for i in anna.say("lista").ideas] == [1]
    assert anna.say("visa 1").kind == ReplyKind.IDEA
    assert "/idé lista" in anna.say("hjälp").text
    assert anna.say("Visa fler bänkar").kind == ReplyKind.HELP  # would be captured: needs the prefix


def test_home_shows_my_ideas_and_coaches_see_their_queue(anna, coach, core):
    anna.say("/idé En idé")
    assert [r.title for r in core.home(anna.actor)] == ["Mina idéer"]
    sections = core.home(coach.actor)
    assert [r.title for r in sections] == ["Mina idéer", "Väntar på din återkoppling"]
    assert [i.number for i in sections[1].ideas] == [1]


def test_comment_is_kept_once_per_dedup_key(anna, bertil, core):
    from bot.core import Origin

    anna.say("/idé En idé")
    core.comment(bertil.actor, 1, "Bra tänkt!", Origin(dedup_key="c1"))
    core.comment(bertil.actor, 1, "Bra tänkt!", Origin(dedup_key="c1"))
    comments = dict((f.label, f.value) for f in anna.say("/idé visa 1").fields)["Kommentarer"]
    assert comments == "bertil: Bra tänkt!"
