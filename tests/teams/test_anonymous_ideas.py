"""Anonymous ideas in Teams: "Anonym" on the shared card, and the author revealed to an admin alone."""

from __future__ import annotations

import json

from bot.core.replies import ActionId
from storage.db import Database
from storage.people import get_or_create_org, get_or_create_person, grant_role
from tests.conftest import START

from .conftest import TeamsBotUnderTest, card_action, personal_message

AUTHOR, ADMIN = "aad-0000-anonym-author", "aad-0000-admin-0000001"
CHANNEL = "19:channel@thread.tacv2;messageid=1"


def _in_channel(activity: dict) -> dict:
    activity["conversation"] = {"id": CHANNEL, "conversationType": "channel"}
    return activity


def test_the_shared_card_says_anonym_and_the_admins_reveal_reaches_the_admin_alone(teams_bot: TeamsBotUnderTest,
                                                                                  db: Database) -> None:
    service_url = teams_bot.stand_in.service_url
    teams_bot.post(personal_message(service_url, "idé anonym Lönesättningen i hemtjänsten", user=AUTHOR,
                                    name="Hanna Hemlig"))
    with db.session() as session:
        org = get_or_create_org(session, "testkommun", now=START)
        grant_role(session, get_or_create_person(session, org, "teams", ADMIN, now=START), "admin", now=START)

    shown = teams_bot.post(_in_channel(card_action(service_url, ADMIN, ActionId.SHOW,
                                                   {"action_id": ActionId.SHOW, "value": "1"}, conversation=CHANNEL)))
    card = json.dumps(shown.json(), ensure_ascii=False)
    assert "Anonym" in card and "Hanna" not in card and AUTHOR not in card
    assert "Visa idégivare" in card

    revealed = teams_bot.post(_in_channel(card_action(service_url, ADMIN, ActionId.REVEAL_AUTHOR,
                                                      {"action_id": ActionId.REVEAL_AUTHOR, "value": "1"},
                                                      conversation=CHANNEL)))
    body = revealed.json()
    # Not a card (which would replace the shared one for everyone): a message to the one who pressed.
    assert body["type"] == "application/vnd.microsoft.activity.message"
    assert "Hanna Hemlig" in body["value"] and f"teams:{AUTHOR}" in body["value"]

    private = teams_bot.post(card_action(service_url, ADMIN, ActionId.REVEAL_AUTHOR,
                                         {"action_id": ActionId.REVEAL_AUTHOR, "value": "1"}))
    assert "Hanna Hemlig" in json.dumps(private.json(), ensure_ascii=False)  # the admin's own chat: a card

    refused = teams_bot.post(_in_channel(card_action(service_url, "aad-someone-else", ActionId.REVEAL_AUTHOR,
                                                     {"action_id": ActionId.REVEAL_AUTHOR, "value": "1"},
                                                     conversation=CHANNEL)))
    assert "Hanna" not in refused.text and "administratörer" in refused.json()["value"]


def test_an_anonymous_idea_mentioned_in_a_channel_is_refused(teams_bot: TeamsBotUnderTest, db: Database) -> None:
    from .conftest import channel_mention

    teams_bot.post(channel_mention(teams_bot.stand_in.service_url, "idé anonym Lönerna", user="aad-richard"))
    [reply] = teams_bot.stand_in.wait_for(1)
    assert "Inget sparades" in json.dumps(reply.body, ensure_ascii=False)
    with db.session() as session:
        from storage.exports import export_ideas

        assert export_ideas(session) == []


def test_an_anonymous_idea_from_a_dialog_opened_on_a_channel_card_is_taken(teams_bot: TeamsBotUnderTest,
                                                                           db: Database) -> None:
    """A dialog is the presser's alone, even opened from a nudge posted in the group's channel."""
    from bot.teams.cards import FORM_SUBMIT
    from storage.exports import export_ideas

    from .test_cards_and_actions import _dialog

    activity = _dialog(teams_bot.stand_in.service_url, AUTHOR, "task/submit", {
        "action_id": FORM_SUBMIT, "title": "Hemlig", "text": "Lönesättningen", "anonymous": "true"})
    activity["conversation"] = {"id": CHANNEL, "conversationType": "channel"}
    done = teams_bot.post(activity).json()
    assert done["task"]["type"] == "message" and "#1" in done["task"]["value"]
    with db.session() as session:
        [row] = export_ideas(session)
    assert row.anonymous and row.author is None
