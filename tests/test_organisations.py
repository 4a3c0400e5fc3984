"""One deployment, several municipalities: each workspace its own organisation with its own numbers; a shared
coach serves a partner's ideas, each labelled with its organisation; nothing else crosses; an unconnected
workspace gets a polite line and nothing is stored."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.core import Actor, Origin
from bot.core.replies import ActionId, ReplyKind
from storage import orgs
from storage.ideas import export_ideas
from storage.models import Idea, OutboxMessage, Person, ProcessedEvent
from tests.samverkan import Member, grant, outbox_to, set_up_municipalities


@pytest.fixture
def municipalities(db):
    set_up_municipalities(db)


@pytest.fixture
def people(core, db, municipalities):
    grant(db, "UCECILIA", "tranas", "coach")  # Tranås's coach …
    grant(db, "UCECILIA", "tranas", "coach", org="aneby")  # … who serves Aneby too
    return {"cecilia": Member(core, "UCECILIA", "tranas"), "anna": Member(core, "UANNA", "tranas"),
            "bo": Member(core, "UBO", "aneby"), "ylva": Member(core, "UYLVA", "ydre")}


def test_each_workspace_numbers_its_ideas_from_one(people, db):
    people["anna"].say("Cykelparkering vid stationen")
    people["bo"].say("Fler bänkar vid badplatsen")
    people["ylva"].say("Laddstolpar vid kommunhuset")

    with db.session() as session:
        numbers = {(r.organisation, r.number, r.title) for r in export_ideas(session)}
    assert numbers == {("tranas", 1, "Cykelparkering vid stationen"), ("aneby", 1, "Fler bänkar vid badplatsen"),
                       ("ydre", 1, "Laddstolpar vid kommunhuset")}


def test_an_unconnected_workspace_gets_a_polite_line_and_nothing_is_stored(core, db, municipalities):
    stranger = Actor("slack", "USTRANGER", "T0UNKNOWN", display_name="Sam")

    reply = core.handle_command(stranger, "Solceller på taket")
    reacted = core.react(stranger, "C1", "1700000000.000001")
    home = core.home(stranger)

    assert reply.kind is ReplyKind.ERROR
    assert reply.text.startswith("Den här arbetsytan är inte ansluten till någon idésluss ännu")
    assert reacted is False and home[0].text == reply.text
    with db.session() as session:
        assert session.exec(select(Person)).all() == []
        assert session.exec(select(Idea)).all() == []
        assert session.exec(select(OutboxMessage)).all() == []
    assert core.serves(stranger) is False and core.serves(Actor("slack", "U1", "T0ANEBY01")) is True


def test_without_any_connection_every_workspace_is_the_configured_organisation(core, db):
    core.handle_command(Actor("slack", "U1", "T0FIRST"), "Idé från en arbetsyta")
    core.handle_command(Actor("teams", "aad-1", "tenant-1"), "Idé från en annan")

    with db.session() as session:
        assert {(r.organisation, r.number) for r in export_ideas(session)} == {("testkommun", 1), ("testkommun", 2)}
        assert session.exec(select(ProcessedEvent)).all() == []


def test_a_shared_coach_moves_a_partners_idea_labelled_with_its_organisation(people, db):
    people["anna"].say("Cykelparkering vid stationen")  # Tranås #1
    people["bo"].say("Fler bänkar vid badplatsen")  # Aneby #1

    shown = people["cecilia"].say("visa aneby#1")
    moved = people["cecilia"].say("status Aneby #1 bedömning Vi tittar på kostnaden")

    assert shown.kind is ReplyKind.IDEA and shown.title == "Idé Aneby #1: Fler bänkar vid badplatsen"
    (stage_choice,) = [c for c in shown.selects if c.action_id == ActionId.SET_STAGE]
    assert stage_choice.options and all(o.value.startswith("aneby#1:") for o in stage_choice.options)
    assert moved.kind is ReplyKind.INFO and "Aneby #1" in moved.text and "Bedömning" in moved.text
    with db.session() as session:
        stages = {(r.organisation, r.number): r.stage for r in export_ideas(session)}
    assert stages == {("tranas", 1): "new", ("aneby", 1): "in_review"}
    (notice,) = outbox_to(db, "UBO")  # Aneby's author hears it, in Aneby's workspace
    assert notice["_workspace"] == "T0ANEBY01" and "Bedömning" in notice["title"]

    pressed = people["cecilia"].press(ActionId.SET_STAGE, "aneby#1:pilot")  # a button from that card

    assert pressed.kind is ReplyKind.IDEA and pressed.title.startswith("Idé Aneby #1")
    assert "Aneby #1" in (pressed.notice or "")
    with db.session() as session:
        stages = {(r.organisation, r.number): r.stage for r in export_ideas(session)}
    assert stages == {("tranas", 1): "new", ("aneby", 1): "pilot"}


def test_a_shared_coach_sees_what_waits_in_each_organisation_they_serve(people, db):
    people["anna"].say("Cykelparkering vid stationen")
    people["bo"].say("Fler bänkar vid badplatsen")
    people["ylva"].say("Laddstolpar vid kommunhuset")

    own, waiting = people["cecilia"].core.home(people["cecilia"].actor)

    assert [line.label for line in waiting.ideas] == ["Tranås #1", "Aneby #1"]  # Ydre is none of theirs
    assert people["cecilia"].say("visa 1").title == "Idé Tranås #1: Cykelparkering vid stationen"


def test_nothing_crosses_organisations_without_a_role_and_a_partnership(people, core, db):
    people["bo"].say("Fler bänkar vid badplatsen")  # Aneby #1
    people["ylva"].say("Laddstolpar vid kommunhuset")  # Ydre #1

    assert people["anna"].say("visa aneby#1").kind is ReplyKind.ERROR  # an employee of a partner
    assert people["anna"].say("sök bänkar").ideas == []
    assert people["cecilia"].say("visa ydre#1").kind is ReplyKind.ERROR  # not a partner, no role
    assert people["cecilia"].press(ActionId.VOTE, "ydre#1").kind is ReplyKind.ERROR
    grant(db, "UCECILIA", "tranas", "coach", org="ydre")  # a role in a municipality that is no partner …
    assert people["cecilia"].say("status ydre#1 pilot").kind is ReplyKind.ERROR  # … counts for nothing
    with db.session() as session:
        orgs.unpartner(session, orgs.find_org(session, "tranas"), orgs.find_org(session, "aneby"))
    assert people["cecilia"].say("visa aneby#1").kind is ReplyKind.ERROR  # nor after the partnership ends
    with db.session() as session:
        assert {r.stage for r in export_ideas(session)} == {"new"}


def test_a_vote_from_another_organisation_on_an_idea_message_does_not_count(people, core, db):
    captured = core.handle_command(people["anna"].actor, "Cykelparkering vid stationen",
                                   origin=Origin(channel="C0SHARED", message_ref="1700000000.000100"))
    assert captured.idea_number == 1

    assert core.react(people["bo"].actor, "C0SHARED", "1700000000.000100") is False  # a shared channel
    assert core.react(people["cecilia"].actor, "C0SHARED", "1700000000.000100") is True


def test_a_shared_coachs_queue_and_figures_cover_each_organisation_they_serve(people, db):
    people["anna"].say("Cykelparkering vid stationen")  # Tranås #1, to Cecilia (Tranås's only coach)
    people["bo"].say("Fler bänkar vid badplatsen")  # Aneby #1, to Cecilia (she coaches Aneby too)
    people["ylva"].say("Laddstolpar vid kommunhuset")  # Ydre #1: she does not serve Ydre

    queue = people["cecilia"].say("kö")

    assert sorted(line.label for line in queue.ideas) == ["Aneby #1", "Tranås #1"]
    aneby = next(line for line in queue.ideas if line.label == "Aneby #1")
    assert aneby.menu is not None and all("aneby#1" in o.value for o in aneby.menu.options)  # acts on Aneby's #1
    stage = next(o.value for o in aneby.menu.options if o.value.endswith(":in_review"))
    moved = people["cecilia"].core.handle_action(people["cecilia"].actor, ActionId.MENU, stage)
    assert moved.kind is ReplyKind.IDEA and moved.title.startswith("Idé Aneby #1")
    with db.session() as session:
        stages = {(r.organisation, r.number): r.stage for r in export_ideas(session)}
    assert stages == {("tranas", 1): "new", ("aneby", 1): "in_review", ("ydre", 1): "new"}

    home_figures = people["cecilia"].say("statistik")
    partner_figures = people["cecilia"].say("statistik aneby")
    assert "Tranås" in (home_figures.title or "") + home_figures.text
    assert "Aneby" in (partner_figures.title or "") + partner_figures.text
    not_hers = people["cecilia"].say("statistik ydre")  # Ydre is no partner of hers: as for any unknown word
    assert not_hers.kind is ReplyKind.ERROR and "ingen period" in not_hers.text and "Ydre" not in not_hers.text
