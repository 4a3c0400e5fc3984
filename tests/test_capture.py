"""An employee captures ideas in a few words and hears back with a number at once."""

from __future__ import annotations

import unicodedata

from bot.core import Actor, Origin
from bot.core.replies import ActionId, ReplyKind
from storage.ideas import export_ideas


def test_idea_in_one_line_gets_number_stage_and_buttons(anna):
    reply = anna.say("/idé Bättre cykelparkering vid stationen")
    assert reply.kind == ReplyKind.CAPTURED
    assert reply.idea_number == 1
    assert "#1" in reply.title and "Inkommen" in reply.text
    assert [b.action_id for b in reply.buttons] == [ActionId.ADD_DETAILS, ActionId.UNDO, ActionId.SHOW]
    assert [b.label for b in reply.buttons] == ["Lägg till detaljer", "Ångra", "Visa"]


def test_numbers_count_up_per_organisation(anna, bertil, core):
    assert anna.say("/idé Första").idea_number == 1
    assert bertil.say("/idé Andra").idea_number == 2
    slack_user = Actor(platform="slack", user_id="U1", workspace="T1")
    assert core.handle_command(slack_user, "Första i Slack").idea_number == 1  # another organisation


def test_title_is_first_sentence_and_text_is_everything(anna, db):
    anna.say("/idé Fler laddstolpar. Bilarna står i kö varje morgon.\nSärskilt på måndagar.")
    with db.session() as session:
        (row,) = export_ideas(session)
    assert row.title == "Fler laddstolpar."
    assert row.text == "Fler laddstolpar. Bilarna står i kö varje morgon.\nSärskilt på måndagar."


def test_long_first_line_is_cut_visibly_at_120(anna, db):
    anna.say("/idé " + "ord " * 60)
    with db.session() as session:
        (row,) = export_ideas(session)
    assert len(row.title) <= 120 and row.title.endswith("…")


def test_similar_ideas_are_offered(anna, bertil):
    anna.say("/idé Cykelparkering vid stationen")
    anna.say("/idé Längre öppettider på biblioteket")
    reply = bertil.say("/idé Tak över cykelparkeringen vid stationen")
    assert [i.number for i in reply.ideas] == [1]
    assert reply.ideas_heading == "Liknande idéer:"


def test_nfd_text_is_stored_as_nfc(anna, db):
    nfd = unicodedata.normalize("NFD", "/idé Förbättra återvinningen på äldreboendet")
    assert anna.say(nfd).kind == ReplyKind.CAPTURED
    with db.session() as session:
        (row,) = export_ideas(session)
    assert row.text == "Förbättra återvinningen på äldreboendet"
    assert unicodedata.is_normalized("NFC", row.text)


def test_control_characters_are_stripped(anna, db):
    anna.say("/idé Ren\x00 text\x07 utan\x1b styrtecken")
    with db.session() as session:
        (row,) = export_ideas(session)
    assert row.text == "Ren text utan styrtecken"


def test_over_4000_characters_says_the_limit_and_stores_nothing(anna, db):
    reply = anna.say("/idé " + "x" * 4001)
    assert reply.kind == ReplyKind.ERROR
    assert "4000" in reply.text and "Inget sparades" in reply.text
    with db.session() as session:
        assert export_ideas(session) == []


def test_exactly_4000_characters_is_kept(anna, db):
    assert anna.say("/idé " + "y" * 4000).kind == ReplyKind.CAPTURED


def test_the_same_dedup_key_never_stores_twice(core, db):
    actor = Actor(platform="slack", user_id="U7", workspace="T1")
    origin = Origin(dedup_key="slack:event:Ev1")
    first = core.handle_command(actor, "Solceller på taket", origin)
    again = core.handle_command(actor, "Solceller på taket", origin)
    assert first.idea_number == again.idea_number == 1
    with db.session() as session:
        assert len(export_ideas(session)) == 1


def test_command_word_that_does_not_fit_is_captured(anna):
    reply = anna.say("/idé Visa tydligare skyltar vid entrén")
    assert reply.kind == ReplyKind.CAPTURED
    assert anna.say("/idé lista över saker som saknas i köket").kind == ReplyKind.CAPTURED


def test_english_speaker_gets_english(core):
    actor = Actor(platform="shell", user_id="eve", locale="en-GB")
    reply = core.handle_message(actor, "/idea Better signs at the entrance")
    assert reply.title.startswith("Thank you! Idea #1")
    assert [b.label for b in reply.buttons] == ["Add details", "Undo", "Show"]


def test_saved_from_a_message_keeps_link_and_original_author(core, db):
    actor = Actor(platform="slack", user_id="U1", workspace="T1")
    origin = Origin(link="https://example.slack.com/archives/C1/p1", original_author="slack:U9")
    number = core.handle_command(actor, "Skriv ut färre papper", origin).idea_number
    shown = core.handle_action(actor, ActionId.SHOW, str(number))
    assert ("Ursprungligen skriven av", "slack:U9") in [(f.label, f.value) for f in shown.fields]
    with db.session() as session:
        (row,) = export_ideas(session)
    assert row.source_link == "https://example.slack.com/archives/C1/p1"
    assert row.author == "slack:U1" and row.source == "slack"
