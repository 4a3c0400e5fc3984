"""The feedback promise as authors and coaches meet it: a date at capture, a responsible coach, the queue,
questions answered in the DM, and what counts as first feedback."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.core.replies import ActionId, ReplyKind
from storage.models import Comment, Idea, OutboxMessage
from storage.people import get_or_create_org, get_or_create_person, grant_role
from tests.conftest import START, ShellUser

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def make(core, db, name: str, *roles: str) -> ShellUser:  # type: ignore[no-untyped-def]
    with db.session() as session:
        org = get_or_create_org(session, "local", now=START)
        person = get_or_create_person(session, org, "shell", name, display_name=name, now=START)
        for role in roles:
            grant_role(session, person, role, now=START)
    return ShellUser(core, name)


def idea(db, number: int) -> Idea:  # type: ignore[no-untyped-def]
    with db.session() as session:
        return session.exec(select(Idea).where(Idea.number == number)).one()


def messages(db) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        rows = session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        return [(r.recipient, json.loads(r.payload)["text"]) for r in rows]


def test_the_confirmation_promises_a_date_counted_in_swedish_working_days(anna, clock):
    clock.set(datetime(2026, 12, 3, 10, 0, tzinfo=STOCKHOLM))  # a Thursday: ten working days is the 17th
    assert "Du får besked senast torsdag 17 december." in anna.say("/idé Julbelysning i entrén").text


def test_the_promise_skips_christmas_and_new_year(anna, clock, db):
    # Friday 18 December 2026: julafton, juldagen, nyårsafton, nyårsdagen and trettondedag jul are not working
    # days, nor the weekends: 21, 22, 23, 28, 29, 30 December, 4, 5, 7, 8 January.
    clock.set(datetime(2026, 12, 18, 15, 0, tzinfo=STOCKHOLM))
    reply = anna.say("/idé Snöröjning av cykelbanorna")
    assert "Du får besked senast fredag 8 januari 2027." in reply.text
    assert str(idea(db, 1).feedback_due) == "2027-01-08"
    assert ("Besked senast", "fredag 8 januari 2027") in [(f.label, f.value) for f in reply.fields]


def test_the_promise_skips_midsommarafton(anna, clock):
    # Wednesday 17 June 2026: midsommarafton is Friday 19 June; ten working days end on Thursday 2 July.
    clock.set(datetime(2026, 6, 17, 9, 0, tzinfo=STOCKHOLM))
    assert "senast torsdag 2 juli." in anna.say("/idé Skuggtak på förskolegården").text


def test_in_english_the_date_reads_in_english(core, clock):
    eve = ShellUser(core, "eve", "en")
    clock.set(datetime(2026, 12, 3, 10, 0, tzinfo=STOCKHOLM))
    assert "You will hear back by Thursday 17 December." in eve.say("/idea Brighter signs").text


def test_a_later_change_of_the_limit_moves_no_old_promise(anna, db, clock):
    anna.say("/idé Första idén")
    with db.session() as session:
        org = get_or_create_org(session, "local", now=START)
        org.first_feedback_days = 2
        session.add(org)
    anna.say("/idé Andra idén")
    assert (str(idea(db, 1).feedback_due), str(idea(db, 2).feedback_due)) == ("2026-03-16", "2026-03-04")


def test_new_ideas_go_to_the_unit_coach_then_in_turn_never_to_their_author(core, db, anna):
    from storage.feedback import set_unit_coach

    cecilia, david = make(core, db, "cecilia", "coach"), make(core, db, "david", "coach")
    with db.session() as session:
        org = get_or_create_org(session, "local", now=START)
        person = get_or_create_person(session, org, "shell", "david", now=START)
        set_unit_coach(session, org.id, "Hemtjänst", person, now=START)
    reply = core.submit_form(anna.actor, {"title": "Nyckelfria lås", "text": "Digitala lås", "unit": "hemtjänst"})
    assert "Din idé handläggs av david." in reply.text
    anna.say("/idé Två")
    anna.say("/idé Tre")
    cecilia.say("/idé Fyra")  # Cecilia's own idea goes to the other coach
    owners = [idea(db, n).owner_id for n in (1, 2, 3, 4)]
    ids = {name: get_or_create_person_id(db, name) for name in ("cecilia", "david")}
    assert owners == [ids["david"], ids["cecilia"], ids["david"], ids["david"]]
    assert david.say("/idé visa 4").kind == ReplyKind.IDEA


def get_or_create_person_id(db, name: str) -> int:  # type: ignore[no-untyped-def]
    with db.session() as session:
        org = get_or_create_org(session, "local", now=START)
        return get_or_create_person(session, org, "shell", name, now=START).id


def test_taking_an_idea_on_tells_the_author_but_is_not_first_feedback(core, db, anna):
    anna.say("/idé Laddstolpar vid förvaltningshuset")  # no coach yet: nobody owns it
    cecilia = make(core, db, "cecilia", "coach")
    taken = core.handle_action(cecilia.actor, ActionId.TAKE_OWNERSHIP, "1")
    assert taken.kind == ReplyKind.IDEA and "ansvarig" in taken.notice
    assert idea(db, 1).first_feedback_at is None
    assert messages(db) == [("anna", "Din idé ”Laddstolpar vid förvaltningshuset” handläggs nu av cecilia.")]
    fields = dict((f.label, f.value) for f in anna.say("/idé visa 1").fields)
    assert fields["Ansvarig idécoach"] == "cecilia" and fields["Besked senast"] == "måndag 16 mars"


def test_a_coach_hands_an_idea_over_and_both_the_author_and_the_new_coach_hear_it(core, db, anna):
    cecilia, make_david = make(core, db, "cecilia", "coach"), make(core, db, "david", "coach")
    anna.say("/idé Gemensam bilpool")  # round robin: Cecilia first
    shown = cecilia.say("/idé visa 1")
    (handover,) = [s for s in shown.selects if s.action_id == ActionId.HANDOVER]
    assert [o.label for o in handover.options] == ["david"]
    moved = core.handle_action(cecilia.actor, ActionId.HANDOVER, handover.options[0].value)
    assert moved.kind == ReplyKind.IDEA and moved.notice == "Idé #1 handläggs nu av david."
    assert [r for r, _ in messages(db)] == ["anna", "david"]
    assert "lämnade över idé #1" in messages(db)[1][1]
    assert make_david.say("/idé överlämna 1 Cecilia").text == "Idé #1 handläggs nu av cecilia."
    refused = make_david.say("/idé överlämna 1 anna")
    assert refused.kind == ReplyKind.ERROR and "ingen idécoach" in refused.text


def test_a_question_reaches_the_author_and_their_plain_answer_goes_back_to_the_coach(core, db, anna):
    cecilia = make(core, db, "cecilia", "coach")
    anna.say("/idé Fler papperskorgar i parken")
    asked = cecilia.say("/idé fråga 1 Vilken park menar du?")
    assert asked.text == "Frågan om idé #1 är skickad till idégivaren."
    found = idea(db, 1)
    assert found.stage == "needs_info" and found.first_feedback_at is not None  # it reached the author
    assert messages(db)[-1] == ("anna", "cecilia undrar: Vilken park menar du?\nSvara i tråden eller skriv ditt "
                                        "svar här.")
    answered = anna.say("Stadsparken vid ån")  # no prefix: the answer, not the "write idé …" hint
    assert answered.text == "Tack! Ditt svar är sparat på idé #1 och skickat till cecilia."
    assert messages(db)[-1] == ("cecilia", "anna svarade på din fråga ”Vilken park menar du?”: Stadsparken vid ån")
    with db.session() as session:
        assert [c.text for c in session.exec(select(Comment)).all()] == ["Stadsparken vid ån"]
    assert anna.say("hej").kind == ReplyKind.HELP  # answered: the next chat is chat again


def test_an_anonymous_authors_answer_stays_anonymous(core, db, anna, bertil):
    cecilia = make(core, db, "cecilia", "coach")
    core.submit_form(anna.actor, {"title": "Känsligt", "text": "Något känsligt", "anonymous": True})
    cecilia.say("/idé fråga 1 Kan du berätta mer?")
    anna.say("Ja, det gäller schemat")
    assert messages(db)[-1][1].startswith("Idégivaren svarade")
    comments = dict((f.label, f.value) for f in bertil.say("/idé visa 1").fields)["Kommentarer"]
    assert comments == "Anonym: Ja, det gäller schemat" and "anna" not in comments.casefold()  # as everywhere


def test_a_coachs_comment_is_first_feedback_an_employees_is_not(core, db, anna, bertil):
    cecilia = make(core, db, "cecilia", "coach")
    anna.say("/idé Solpaneler på skolan")
    bertil.say("/idé kommentar 1 Bra idé!")
    assert idea(db, 1).first_feedback_at is None and messages(db) == []
    cecilia.say("/idé kommentar 1 Vi tittar på taket i vår.")
    assert idea(db, 1).first_feedback_at is not None
    assert messages(db) == [("anna", "cecilia: Vi tittar på taket i vår.")]
    assert anna.say("/idé kommentar om solpanelerna").kind == ReplyKind.CAPTURED  # no number: an idea


def test_the_queue_lists_mine_then_unassigned_by_deadline_with_days_left(core, db, anna, clock):
    anna.say("/idé Utan coach")  # nobody to own it yet
    cecilia, _ = make(core, db, "cecilia", "coach"), make(core, db, "david", "coach")
    clock.advance(86400)  # Tuesday
    anna.say("/idé Till Cecilia")  # round robin: Cecilia
    anna.say("/idé Till David")
    clock.set(datetime(2026, 3, 13, 9, 0, tzinfo=STOCKHOLM))  # Friday: #1 is due Monday 16 March
    queue = cecilia.say("/idé kö")
    assert queue.title == "Väntar på din återkoppling"
    assert [(i.number, i.note) for i in queue.ideas] == [(2, "3 arbetsdagar kvar · cecilia"),
                                                         (1, "2 arbetsdagar kvar · ingen ansvarig")]
    clock.set(datetime(2026, 3, 17, 9, 0, tzinfo=STOCKHOLM))  # Tuesday: #2 is due today, #1 was due yesterday
    assert [i.note for i in cecilia.say("/idé kö").ideas] == ["sista dagen i dag · cecilia",
                                                              "1 arbetsdag sen · ingen ansvarig"]
    clock.set(datetime(2026, 3, 20, 9, 0, tzinfo=STOCKHOLM))  # Friday
    assert [i.note for i in cecilia.say("/idé kö").ideas] == ["3 arbetsdagar sen · cecilia",
                                                              "4 arbetsdagar sen · ingen ansvarig"]
    menu = cecilia.say("/idé kö").ideas[1].menu
    take = next(o for o in menu.options if o.label == "Ta ansvar")
    taken = core.handle_action(cecilia.actor, ActionId.MENU, take.value)  # one step from the queue
    assert taken.kind == ReplyKind.IDEA and "ansvarig" in taken.notice
    assert anna.say("/idé kö").kind == ReplyKind.ERROR


def test_declining_from_the_choice_asks_for_the_reason_in_a_form(core, db, anna):
    cecilia = make(core, db, "cecilia", "coach")
    anna.say("/idé Gratis glass")
    form = core.handle_action(cecilia.actor, ActionId.SET_STAGE, "1:declined")
    assert form.kind == ReplyKind.OPEN_FORM and [f.name for f in form.form.fields] == ["text"]
    empty = core.submit_form(cecilia.actor, {"text": ""}, context=form.form.context)
    assert empty.kind == ReplyKind.ERROR and "text" in empty.errors and idea(db, 1).stage == "new"
    done = core.submit_form(cecilia.actor, {"text": "Ryms inte i budgeten"}, context=form.form.context)
    assert done.kind == ReplyKind.IDEA and idea(db, 1).stage == "declined"
    assert "Ryms inte i budgeten" in messages(db)[-1][1]
