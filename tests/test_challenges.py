"""Challenges (utmaningar): a manager poses one, the outbox announces it with "Jag har en idé", ideas from every
partner answer it and stay in their own organisation, a nudge carries it, and its owner gets the summary."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.core.replies import ActionId, ReplyKind
from storage import challenges as store
from storage.ideas import export_ideas
from storage.models import Challenge, Idea
from tests.samverkan import Member, grant, outbox_to, set_up_municipalities


@pytest.fixture
def people(core, db):
    set_up_municipalities(db)
    grant(db, "UMARIA", "tranas", "manager")
    for user, home in (("UANNA", "tranas"), ("UBO", "aneby"), ("UYLVA", "ydre")):
        Member(core, user, home).say("hjälp")  # known to the bot, so "everyone" reaches them
    return {"maria": Member(core, "UMARIA", "tranas"), "anna": Member(core, "UANNA", "tranas"),
            "bo": Member(core, "UBO", "aneby"), "ylva": Member(core, "UYLVA", "ydre")}


def _pose(maria: Member, **values: object) -> int:
    opened = maria.form("utmaning ny")
    assert opened.kind is ReplyKind.OPEN_FORM and opened.form is not None
    form = opened.form
    values = {"title": "Hur når vi fler sommarvikarier?", "description": "Kompetensförsörjningen i sommar.",
              "ends_on": "2026-03-20", "everyone": True, **values}
    created = maria.submit(values, form.context)
    assert created.kind is ReplyKind.INFO, created.text
    with maria.core.db.session() as session:
        return max(c.id for c in session.exec(select(Challenge)).all())


def test_a_shared_challenge_is_announced_in_both_and_collects_ideas_from_both(people, db):
    number = _pose(people["maria"], partners=True)

    for user in ("UANNA", "UBO"):
        (announced,) = outbox_to(db, user)
        assert announced["title"] == "Ny utmaning från Tranås kommun: Hur når vi fler sommarvikarier?"
        button = announced["buttons"][0]
        assert (button["label"], button["action_id"], button["value"]) == ("Jag har en idé", ActionId.NEW_IDEA,
                                                                           f"challenge:{number}")
    assert outbox_to(db, "UYLVA") == []  # Ydre is no partner: not told, cannot answer

    people["anna"].say(f"utmaning {number} Rekrytera bland gymnasieelever")
    form = people["bo"].press(ActionId.NEW_IDEA, f"challenge:{number}").form  # the button opens the idea form …
    assert form is not None
    choice = next(f for f in form.fields if f.name == "challenge")
    assert choice.value == str(number) and choice.options[0].label.endswith("(Tranås)")
    people["bo"].submit({"title": "Sommarjobb med boende", "text": "Erbjud boende till sommarvikarier",
                         "challenge": choice.value}, form.context)  # … and its answer is linked
    refused = people["ylva"].say(f"utmaning {number} Något från Ydre")

    assert refused.kind is ReplyKind.ERROR
    with db.session() as session:
        answers = store.answers(session, number)
        assert {(a.organisation.key, a.idea.number) for a in answers} == {("tranas", 1), ("aneby", 1)}
        assert session.exec(select(Idea).where(Idea.org_id == answers[0].idea.org_id)).all()  # in its own org


def test_a_challenge_that_is_not_shared_is_for_its_own_organisation(people, db):
    number = _pose(people["maria"])

    assert people["bo"].say(f"utmaning {number} Går det?").kind is ReplyKind.ERROR
    assert people["bo"].say("utmaningar").text == "Det finns inga öppna utmaningar just nu."
    listed = people["anna"].say("utmaningar")
    assert [f.label for f in listed.fields] == [f"#{number} Hur når vi fler sommarvikarier?"]
    assert outbox_to(db, "UBO") == []


def test_only_managers_and_admins_pose_and_the_form_says_what_is_wrong(people):
    assert people["anna"].form("utmaning ny").kind is ReplyKind.ERROR
    opened = people["maria"].form("utmaning ny")

    wrong = people["maria"].submit({"title": "", "ends_on": "2026-02-01", "everyone": False}, opened.form.context)

    assert wrong.kind is ReplyKind.ERROR and set(wrong.errors) == {"title", "ends_on", "everyone"}
    assert wrong.form is not None and wrong.form.context == opened.form.context


def test_the_form_can_post_in_the_channel_it_was_opened_in(people, db):
    opened = people["maria"].form("utmaning ny", channel="C0PERSONAL")
    assert "here" in {f.name for f in opened.form.fields}

    people["maria"].submit({"title": "Färre pappersblanketter", "ends_on": "2026-03-31", "everyone": False,
                            "here": True}, opened.form.context)

    (posted,) = outbox_to(db, "C0PERSONAL")
    assert posted["_key"].endswith(":channel:slack:C0PERSONAL") and posted["_workspace"] == "T0TRANAS1"
    assert outbox_to(db, "UANNA") == []  # only the channel


def test_when_it_ends_the_owner_gets_the_summary(people, core, db, clock):
    number = _pose(people["maria"], partners=True, ends_on="2026-03-06")
    people["anna"].say(f"utmaning {number} Rekrytera bland gymnasieelever")
    people["bo"].say(f"utmaning {number} Sommarjobb med boende")
    people["bo"].say(f"utmaning {number} Samarbete med folkhögskolan")
    people["anna"].say("visa 1")
    core.vote(people["anna"].actor, 1)  # no vote on one's own idea …
    Member(core, "UCARL", "aneby").core.handle_action(Member(core, "UCARL", "aneby").actor, ActionId.VOTE, "2")

    from scheduler.challenges import close_ended

    assert close_ended(db, core.settings, now=clock.now()) == 0  # the last day has not passed
    clock.set(clock.now() + timedelta(days=5))  # Saturday 7 March: Friday 6 March was the last day
    assert close_ended(db, core.settings, now=clock.now()) == 1
    assert close_ended(db, core.settings, now=clock.now()) == 0  # once

    summaries = [m for m in outbox_to(db, "UMARIA") if ":summary:" in m["_key"]]
    (summary,) = summaries
    assert summary["title"] == "Utmaning #1 ”Hur når vi fler sommarvikarier?” är avslutad"
    assert summary["text"] == "3 idéer från 2 organisationer, 1 röst sammanlagt."
    fields = {f["label"]: f["value"] for f in summary["fields"]}
    assert fields["Mest stöd"] == "Aneby #2 Samarbete med folkhögskolan (1 röst)"
    assert fields["Idéer"] == "Aneby 2, Tranås 1"
    assert [i["organisation"] for i in summary["ideas"]] == ["Aneby", "Tranås", "Aneby"]
    assert people["bo"].say(f"utmaning {number} För sent").kind is ReplyKind.ERROR
    with db.session() as session:
        assert {r.organisation for r in export_ideas(session)} == {"tranas", "aneby"}


def test_a_nudge_carries_the_weeks_open_challenge(people, core, db, clock):
    from scheduler.nudges import send_nudge
    from storage.groups import add_members, create_group
    from storage.orgs import find_org
    from storage.people import get_person

    number = _pose(people["maria"], partners=True)
    with db.session() as session:
        group = create_group(session, find_org(session, "aneby").id, "Hemtjänsten", now=clock.now())
        add_members(session, group, [get_person(session, "slack", "UBO")], now=clock.now())
        group_id = group.id

    send_nudge(db, core.settings, group_id, now=clock.now(), manual=True)

    nudge = next(m for m in outbox_to(db, "UBO") if m["_key"].startswith("nudge:"))
    fields = {f["label"]: f["value"] for f in nudge["fields"]}
    assert fields["Veckans utmaning"].startswith(f"#{number} Hur når vi fler sommarvikarier? (Tranås)")


def test_the_shell_poses_one_in_a_line(coach, core, db):
    from storage.orgs import find_org
    from storage.people import get_person, grant_role

    with db.session() as session:
        grant_role(session, get_person(session, "shell", "cecilia"), "admin", now=core.clock.now(),
                   org_id=find_org(session, "local").id)

    created = coach.say("/idé utmaning ny 2026-04-30 Hur sparar vi energi i vinter?")
    answered = coach.say("/idé utmaning 1 Sänk temperaturen nattetid")

    assert created.kind is ReplyKind.INFO and "Utmaning #1" in created.text
    assert answered.kind is ReplyKind.CAPTURED
    assert any(f.label == "Svarar på utmaning" for f in answered.fields)
    assert coach.say("/idé utmaning att fler cyklar").kind is ReplyKind.CAPTURED  # "utmaning" + words: an idea
