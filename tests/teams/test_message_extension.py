"""'Spara som idé' on someone's Teams message: a dialog with the form, then an idea linked to the message."""

from __future__ import annotations

import copy

from sqlmodel import select

from storage.db import Database
from storage.models import Idea

from .conftest import TeamsBotUnderTest
from .standins import BOT_ID, TENANT, fixture

SAVER = "d1e2f3a4-1111-2222-3333-444455556666"


def _invoke(service_url: str, name: str, value: dict, activity_id: str = "f:ext-1") -> dict:
    activity = copy.deepcopy(fixture("compose_extension_fetch_task_from_message.json"))
    activity.update(name=name, id=activity_id, serviceUrl=service_url, channelId="msteams", locale="sv-SE")
    activity["from"] = {"id": f"29:member-{SAVER}", "name": "Sara Sparare", "aadObjectId": SAVER}
    activity["recipient"] = {"id": BOT_ID}
    activity["channelData"]["tenant"]["id"] = TENANT
    activity["conversation"]["tenantId"] = TENANT
    activity["value"] = value
    return activity


def test_saving_a_message_as_an_idea_keeps_a_link_and_the_original_author(teams_bot: TeamsBotUnderTest,
                                                                          db: Database) -> None:
    service_url = teams_bot.stand_in.service_url
    fetch = _invoke(service_url, "composeExtension/fetchTask", fixture(
        "compose_extension_fetch_task_from_message.json")["value"])

    response = teams_bot.post(fetch)

    assert response.status_code == 200
    task = response.json()["task"]
    assert task["type"] == "continue" and task["value"]["title"] == "Spara som idé"
    card = task["value"]["card"]["content"]
    text_input = next(i for i in card["body"] if i.get("id") == "text")
    assert text_input["value"] == "Testing outgoing Webhook-Nikitha - Hi"
    submit = card["actions"][0]
    assert submit["type"] == "Action.Submit"

    data = {**submit["data"], "title": "Bättre webhooks", "text": text_input["value"]}
    saved = teams_bot.post(_invoke(service_url, "composeExtension/submitAction",
                                   {"commandId": "saveAsIdea", "commandContext": "message", "data": data}))

    assert saved.status_code == 200
    assert saved.json()["task"]["type"] == "message"
    assert "#1" in saved.json()["task"]["value"]
    with db.session() as session:
        idea = session.exec(select(Idea)).one()
    payload = fixture("compose_extension_fetch_task_from_message.json")["value"]["messagePayload"]
    assert idea.source_link == payload["linkToMessage"]
    assert idea.original_author == "teams:b130c271-d2eb-45f9-83ab-9eb3fe3788bc"
    assert idea.title == "Bättre webhooks"


def test_saving_an_empty_message_shows_the_validation_message_in_the_dialog(teams_bot: TeamsBotUnderTest,
                                                                           db: Database) -> None:
    submit = _invoke(teams_bot.stand_in.service_url, "composeExtension/submitAction",
                     {"commandId": "saveAsIdea", "data": {"title": "", "text": "", "action_id": "teams.form.submit"}})

    response = teams_bot.post(submit)

    task = response.json()["task"]
    assert task["type"] == "continue"
    texts = [b.get("text") for b in task["value"]["card"]["content"]["body"]]
    assert "Fyll i det här fältet." in texts
    with db.session() as session:
        assert session.exec(select(Idea)).all() == []
