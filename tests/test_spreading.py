"""Spreading (spridning): a coach offers an implemented idea; a partner answers "Vi vill testa", which creates a
linked idea there at Test/pilot, tells the origin's author and coach, and moves the origin to Spridd."""

from __future__ import annotations

import pytest

from bot.core.replies import ActionId, ReplyKind
from storage import spreading
from storage.ideas import export_ideas
from storage.orgs import find_org
from tests.samverkan import Member, grant, outbox_to, set_up_municipalities


@pytest.fixture
def people(core, db):
    set_up_municipalities(db)
    grant(db, "UCECILIA", "tranas", "coach")
    grant(db, "UBEA", "aneby", "coach")
    grant(db, "UBERTIL", "aneby", "manager")
    grant(db, "UYNGVE", "ydre", "coach")
    members = {name: Member(core, user, home) for name, user, home in (
        ("cecilia", "UCECILIA", "tranas"), ("anna", "UANNA", "tranas"), ("bea", "UBEA", "aneby"),
        ("bertil", "UBERTIL", "aneby"), ("yngve", "UYNGVE", "ydre"))}
    members["anna"].say("Digitala lönebesked i stället för papper")  # Tranås #1, by Anna
    return members


def _implemented(people) -> None:
    assert people["cecilia"].say("status 1 införd").kind is ReplyKind.INFO


def _stages(db) -> dict[tuple[str, int], str]:
    with db.session() as session:
        return {(r.organisation, r.number): r.stage for r in export_ideas(session)}


def test_only_an_implemented_idea_is_offered_and_only_by_a_coach(people):
    assert people["cecilia"].say("sprid 1 partner").kind is ReplyKind.ERROR  # still Inkommen
    _implemented(people)
    assert people["anna"].say("sprid 1 partner").kind is ReplyKind.ERROR  # not a coach

    shown = people["cecilia"].say("visa 1")
    assert ActionId.SPREAD_OFFER in [b.action_id for b in shown.buttons]
    opened = people["cecilia"].press(ActionId.SPREAD_OFFER, "1")
    assert opened.kind is ReplyKind.OPEN_FORM
    assert {f.name for f in opened.form.fields} >= {"solved", "partners"}


def test_an_offer_to_partners_reaches_their_coaches_and_managers_without_the_authors_name(people, db):
    _implemented(people)
    opened = people["cecilia"].press(ActionId.SPREAD_OFFER, "1")

    offered = people["cecilia"].submit({"solved": "Ingen skriver ut och kuverterar längre", "partners": True},
                                       opened.form.context)

    assert offered.kind is ReplyKind.INFO and "2 meddelanden" in offered.text
    assert outbox_to(db, "UYNGVE") == []  # Ydre is no partner
    for user in ("UBEA", "UBERTIL"):
        (offer,) = outbox_to(db, user)
        assert offer["title"] == "Att testa: Digitala lönebesked i stället för papper (Tranås #1)"
        fields = {f["label"]: f["value"] for f in offer["fields"]}
        assert fields["Vad den löste"] == "Ingen skriver ut och kuverterar längre"
        assert fields["Kontakt (idécoach)"] == "Ucecilia"
        assert "Anna" not in str(offer) and "UANNA" not in str(offer)  # no author's name without consent
        assert offer["buttons"][0]["label"] == "Vi vill testa"


def test_an_adoption_creates_the_linked_idea_and_moves_the_origin_to_spread(people, db):
    _implemented(people)
    people["cecilia"].say("sprid 1 partner")
    (offer,) = outbox_to(db, "UBEA")
    adopt = offer["buttons"][0]

    adopted = people["bea"].press(adopt["action_id"], adopt["value"])
    again = people["bertil"].press(adopt["action_id"], adopt["value"])

    assert adopted.kind is ReplyKind.INFO and adopted.idea_number == 1
    assert "spridd från Tranås #1" in adopted.text
    assert again.kind is ReplyKind.INFO and "Aneby #1" in again.text  # one adoption per organisation
    assert _stages(db) == {("tranas", 1): "spread", ("aneby", 1): "pilot"}
    shown = people["bea"].say("visa 1")
    fields = {f.label: f.value for f in shown.fields}
    assert fields["Spridd från"] == "Tranås #1"
    origin = {f.label: f.value for f in people["cecilia"].say("visa 1").fields}
    assert origin["Testas också i"] == "Aneby #1"
    (told_author,) = [m for m in outbox_to(db, "UANNA") if m["_key"].startswith("spread:")]
    assert "testas nu i Aneby kommun (Aneby #1)" in told_author["text"]
    assert any("testas nu i Aneby kommun" in m["text"] for m in outbox_to(db, "UCECILIA"))
    with db.session() as session:
        figures = spreading.figures(session, find_org(session, "tranas").id)
        received = spreading.figures(session, find_org(session, "aneby").id)
    assert (figures.offered, figures.adopted_elsewhere, received.adopted_here) == (1, 1, 1)


def test_someone_without_a_role_in_the_receiving_organisation_cannot_adopt(people, db, core):
    _implemented(people)
    people["cecilia"].say("sprid 1 partner")
    (offer,) = outbox_to(db, "UBEA")
    adopt = offer["buttons"][0]

    assert people["yngve"].press(adopt["action_id"], adopt["value"]).kind is ReplyKind.ERROR
    assert Member(core, "UBOSSE", "aneby").press(adopt["action_id"], adopt["value"]).kind is ReplyKind.ERROR
    assert _stages(db) == {("tranas", 1): "implemented"}


def test_a_unit_of_the_same_organisation_adopts_through_its_pilot_group(people, db, core):
    from storage.groups import add_members, create_group
    from storage.people import get_person

    with db.session() as session:
        group = create_group(session, find_org(session, "tranas").id, "Hemtjänsten Norr", now=core.clock.now())
        add_members(session, group, [get_person(session, "slack", "UANNA")], now=core.clock.now())
    Member(core, "UDAN", "tranas").say("hjälp")
    with db.session() as session:
        add_members(session, group, [get_person(session, "slack", "UDAN")], now=core.clock.now())
    _implemented(people)

    people["cecilia"].say("sprid 1 grupp Hemtjänsten Norr")
    (offer,) = outbox_to(db, "UDAN")
    adopted = Member(core, "UDAN", "tranas").press(offer["buttons"][0]["action_id"], offer["buttons"][0]["value"])

    assert adopted.kind is ReplyKind.INFO and adopted.idea_number == 2
    assert _stages(db) == {("tranas", 1): "spread", ("tranas", 2): "pilot"}
