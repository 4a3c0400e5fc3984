"""Buttons, forms and reactions on the bot's cards: the coach moves a stage, the author adds details."""

from __future__ import annotations

import time

from sqlmodel import select

from bot.core.replies import ActionId
from bot.teams.cards import FORM_SUBMIT
from storage.db import Database
from storage.models import Idea, IdeaMessage, OutboxMessage, Person, Vote
from storage.people import get_or_create_org, get_or_create_person, grant_role
from tests.conftest import START

from .conftest import TeamsBotUnderTest, card_action, channel_mention, personal_message
from .standins import BOT_ID, TENANT, fixture

AUTHOR = "7faf8ab2-3d56-4244-b585-20c8a42ed2b8"
COACH = "c0ac4000-0000-4000-8000-00000000c0ac"


def _make_coach(db: Database, user: str = COACH) -> None:
    with db.session() as session:
        org = get_or_create_org(session, "testkommun", now=START)
        cecilia = get_or_create_person(session, org, "teams", user, display_name="Coach Cecilia", now=START)
        grant_role(session, cecilia, "coach", now=START)


def _texts(card: dict) -> str:
    return "\n".join(str(item.get("text", "")) for item in card["body"])


def _invoke_card(response) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    body = response.json()
    assert body["statusCode"] == 200
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    return body["value"]


def test_coach_moves_an_idea_with_a_card_button_and_gets_the_updated_card(teams_bot: TeamsBotUnderTest,
                                                                         db: Database) -> None:
    service_url = teams_bot.stand_in.service_url
    teams_bot.post(personal_message(service_url, "idé Digitala nycklar i hemtjänsten", user=AUTHOR))
    _make_coach(db)

    shown = _invoke_card(teams_bot.post(card_action(service_url, COACH, ActionId.SHOW,
                                                    {"action_id": ActionId.SHOW, "value": "1"})))
    # The stage is one choice (Input.ChoiceSet) with one Action.Execute: at most six actions on the card.
    assert len(shown["actions"]) <= 6
    (change,) = [a for a in shown["actions"] if a["verb"] == ActionId.SET_STAGE]
    (choices,) = [b for b in shown["body"] if b.get("id") == change["data"]["choice"]]
    assert choices["type"] == "Input.ChoiceSet" and change["type"] == "Action.Execute"
    assert "1:in_review" in [c["value"] for c in choices["choices"]]

    # Teams merges the card's inputs into the pressed action's data.
    data = {**change["data"], choices["id"]: "1:in_review"}
    updated = _invoke_card(teams_bot.post(card_action(service_url, COACH, change["verb"], data)))

    assert "Idé #1 har nu status Bedömning" in _texts(updated)
    (facts,) = [item["facts"] for item in updated["body"] if item["type"] == "FactSet"]
    assert {"Status": "Bedömning"}.items() <= {f["title"]: f["value"] for f in facts}.items()
    with db.session() as session:
        assert session.exec(select(Idea)).one().stage == "in_review"
        [notice] = session.exec(select(OutboxMessage)).all()
    assert (notice.platform, notice.recipient) == ("teams", AUTHOR)


def test_employee_pressing_a_stage_button_is_told_why_and_the_card_stays(teams_bot: TeamsBotUnderTest,
                                                                         db: Database) -> None:
    service_url = teams_bot.stand_in.service_url
    teams_bot.post(personal_message(service_url, "idé Något", user=AUTHOR))

    response = teams_bot.post(card_action(service_url, "not-a-coach", ActionId.SET_STAGE,
                                          {"action_id": ActionId.SET_STAGE, "value": "1:pilot"}))

    assert response.json() == {"statusCode": 200, "type": "application/vnd.microsoft.activity.message",
                               "value": "Bara idécoacher kan ändra status på idéer."}
    with db.session() as session:
        assert session.exec(select(Idea)).one().stage == "new"


def test_vote_button_in_a_channel_updates_the_shared_card_without_personal_text(teams_bot: TeamsBotUnderTest,
                                                                               db: Database) -> None:
    service_url = teams_bot.stand_in.service_url
    teams_bot.post(channel_mention(service_url, "idé Gemensam kalender", user="aad-richard"))
    action = card_action(service_url, "aad-megan", ActionId.VOTE, {"action_id": ActionId.VOTE, "value": "1"},
                         conversation="19:channel@thread.tacv2;messageid=1")
    action["conversation"]["conversationType"] = "channel"

    card = _invoke_card(teams_bot.post(action))

    assert card["body"][0]["text"].startswith("Idé #1")
    assert {"Röster": "1"}.items() <= {f["title"]: f["value"] for f in card["body"][2]["facts"]}.items()


def test_bare_idea_opens_the_card_form_and_validation_messages_show_in_the_card(teams_bot: TeamsBotUnderTest,
                                                                              db: Database) -> None:
    service_url = teams_bot.stand_in.service_url
    teams_bot.post(personal_message(service_url, "idé", user=AUTHOR))
    [reply] = teams_bot.stand_in.wait_for(1)
    form = reply.body["attachments"][0]["content"]
    assert [i["id"] for i in form["body"] if i["type"].startswith("Input.")] == [
        "title", "text", "problem", "benefit", "unit", "anonymous"]
    submit = form["actions"][0]
    assert submit["verb"] == FORM_SUBMIT

    invalid = _invoke_card(teams_bot.post(card_action(service_url, AUTHOR, FORM_SUBMIT,
                                                      {**submit["data"], "title": "", "text": ""})))
    assert "Fyll i det här fältet." in _texts(invalid)
    with db.session() as session:
        assert session.exec(select(Idea)).all() == []

    saved = _invoke_card(teams_bot.post(card_action(service_url, AUTHOR, FORM_SUBMIT, {
        **submit["data"], "title": "Lånecyklar", "text": "Lånecyklar för personalen", "problem": "Bilresor",
        "benefit": "", "unit": "Hemtjänsten", "anonymous": "false"})))
    assert "#1" in _texts(saved)
    with db.session() as session:
        idea = session.exec(select(Idea)).one()
    assert (idea.title, idea.problem, idea.unit, idea.source) == ("Lånecyklar", "Bilresor", "Hemtjänsten", "teams")


def _dialog(service_url: str, user: str, name: str, data: dict, conversation: str | None = None) -> dict:
    activity = card_action(service_url, user, "", {}, conversation=conversation)
    activity.update(name=name, value={"data": data, "context": {"theme": "default"}})
    return activity


def test_add_details_button_opens_a_filled_form_in_a_dialog_that_saves_the_details(teams_bot: TeamsBotUnderTest,
                                                                                  db: Database) -> None:
    service_url = teams_bot.stand_in.service_url
    teams_bot.post(personal_message(service_url, "idé Matsvinn i skolköket", user=AUTHOR))
    [reply] = teams_bot.stand_in.wait_for(1)
    details = reply.body["attachments"][0]["content"]["actions"][0]
    assert details["title"] == "Lägg till detaljer"
    assert details["type"] == "Action.Submit" and details["data"]["msteams"] == {"type": "task/fetch"}

    opened = teams_bot.post(_dialog(service_url, AUTHOR, "task/fetch", details["data"])).json()["task"]
    assert opened["type"] == "continue" and opened["value"]["title"] == "Detaljer för idé #1"
    form = opened["value"]["card"]["content"]
    assert next(i for i in form["body"] if i.get("id") == "text")["value"] == "Matsvinn i skolköket"
    submit = form["actions"][0]
    assert submit["type"] == "Action.Submit"

    empty = teams_bot.post(_dialog(service_url, AUTHOR, "task/submit", {**submit["data"], "text": ""})).json()
    assert empty["task"]["type"] == "continue"  # the dialog stays open with the message in it
    assert "Fyll i det här fältet." in _texts(empty["task"]["value"]["card"]["content"])

    done = teams_bot.post(_dialog(service_url, AUTHOR, "task/submit", {
        **submit["data"], "title": "Mindre matsvinn", "text": "Matsvinn i skolköket", "benefit": "Eleverna"})).json()

    assert done["task"] == {"type": "message", "value": "Detaljerna för idé #1 är sparade."}
    with db.session() as session:
        assert session.exec(select(Idea)).one().benefit == "Eleverna"


def test_like_on_an_idea_card_in_a_channel_is_a_vote(teams_bot: TeamsBotUnderTest, db: Database) -> None:
    service_url = teams_bot.stand_in.service_url
    teams_bot.post(channel_mention(service_url, "idé Gemensamma cykelpumpar", user="aad-richard"))
    [reply] = teams_bot.stand_in.wait_for(1)
    _wait_until_linked(db)
    reaction = megans_like(service_url, reply.answered_id, "f:reaction-1")

    assert teams_bot.post(reaction).status_code == 200
    assert teams_bot.post(reaction).status_code == 200  # redelivered: still one vote

    with db.session() as session:
        [vote] = session.exec(select(Vote)).all()
        assert session.get(Person, vote.person_id).ref == "teams:aad-megan"


def test_unlike_on_an_idea_card_takes_the_vote_back(teams_bot: TeamsBotUnderTest, db: Database) -> None:
    service_url = teams_bot.stand_in.service_url
    teams_bot.post(channel_mention(service_url, "idé Laddplatser för tjänstecyklar", user="aad-richard"))
    [reply] = teams_bot.stand_in.wait_for(1)
    _wait_until_linked(db)
    assert teams_bot.post(megans_like(service_url, reply.answered_id, "f:reaction-2")).status_code == 200
    removed = megans_like(service_url, reply.answered_id, "f:reaction-3", fixture_name="message_reaction_removed.json")
    assert teams_bot.post(removed).status_code == 200
    with db.session() as session:
        assert session.exec(select(Vote)).all() == []


def megans_like(service_url: str, reply_to: str, activity_id: str,
                fixture_name: str = "message_reaction_added.json") -> dict:
    """Megan likes (or un-likes) the bot's card in the team channel."""
    reaction = fixture(fixture_name)
    reaction.update(serviceUrl=service_url, replyToId=reply_to, id=activity_id)
    reaction["from"] = {"id": "29:member-aad-megan", "aadObjectId": "aad-megan"}
    reaction["recipient"] = {"id": BOT_ID}
    reaction["conversation"]["id"] = "19:channel@thread.tacv2"
    reaction["channelData"]["tenant"]["id"] = TENANT
    return reaction


def _wait_until_linked(db: Database) -> None:
    """The card is linked to its idea once the connector has answered (after the HTTP response)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with db.session() as session:
            if session.exec(select(IdeaMessage)).first() is not None:
                return
        time.sleep(0.01)
    raise AssertionError("the idea card was never linked")
