"""Activities of the wrong shape, with a valid token, get 400 and a log line, and leave nothing behind.

Each case is a real activity (Microsoft's examples, as the other tests build them) with one field of the wrong
type. Before this, `from` a string or `conversation` a list answered 500 (in the token check or the handler).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlmodel import select

from bot.teams import shapes
from bot.teams.endpoint import MAX_BODY
from storage.db import Database
from storage.models import ConversationRef, Idea, Person

from .conftest import TeamsBotUnderTest, card_action, channel_mention, personal_message
from .standins import fixture

USER = "7faf8ab2-3d56-4244-b585-20c8a42ed2b8"
Case = Callable[[str], dict[str, Any]]


def message(**changes: Any) -> Case:
    def build(service_url: str) -> dict[str, Any]:
        return {**personal_message(service_url, "idé Cykelställ med tak vid resecentrum"), **changes}

    return build


def invoke(value: Any, name: str = "adaptiveCard/action") -> Case:
    def build(service_url: str) -> dict[str, Any]:
        activity = card_action(service_url, USER, "idea.show", {"value": "1"})
        activity.update(name=name, value=value)
        return activity

    return build


def with_conversation(**changes: Any) -> Case:
    def build(service_url: str) -> dict[str, Any]:
        activity = personal_message(service_url, "idé Snöröjning på gångvägar")
        activity["conversation"].update(changes)
        return activity

    return build


CASES: dict[str, Case] = {
    "from that is a string": message(**{"from": "29:member-7faf8ab2"}),
    "conversation that is a list": message(conversation=[{"id": "a:personal"}]),
    "text that is a number": message(text=12),
    "type that is a number": message(type=1),
    "no type at all": message(type=None),
    "recipient that is a list": message(recipient=["28:bot"]),
    "channelData that is a string": message(channelData="tenant"),
    "entities that are an object": message(entities={"type": "mention"}),
    "a mention whose text is a number": message(entities=[{"type": "mention", "text": 5, "mentioned": {"id": "x"}}]),
    "membersAdded that are strings": message(membersAdded=["29:someone"]),
    "reactionsAdded that is a string": message(type="messageReaction", reactionsAdded="like"),
    "a conversation id that is a number": with_conversation(id=19),
    "a message without a conversation": message(conversation=None),
    "isGroup that is a string": with_conversation(isGroup="yes"),
    "an invoke whose value is a string": invoke("idea.show"),
    "an invoke whose value is a list": invoke([{"action": {}}]),
    "a card action that is a string": invoke({"action": "Action.Execute"}),
    "a card action whose data is a list": invoke({"action": {"verb": "idea.show", "data": ["1"]}}),
    "a form for idea number 'tolv'": invoke({"action": {"verb": "form.submit", "data": {"idea_number": "tolv"}}}),
    "a dialog whose data is a string": invoke({"data": "form"}, name="task/fetch"),
    "a message extension whose payload is a list": invoke({"messagePayload": []}, name="composeExtension/fetchTask"),
    "an old client's submit whose value has a numeric action id": message(value={"action_id": 7}),
}


@pytest.mark.parametrize("build", CASES.values(), ids=CASES.keys())
def test_an_authenticated_activity_of_the_wrong_shape_gets_400_and_a_log_line_and_nothing_is_kept(
        teams_bot: TeamsBotUnderTest, db: Database, caplog: pytest.LogCaptureFixture, build: Case) -> None:
    caplog.set_level(logging.WARNING, logger="bot.teams.endpoint")
    activity = {k: v for k, v in build(teams_bot.stand_in.service_url).items() if v is not None}

    response = teams_bot.post(activity)  # with a valid token for its serviceUrl

    assert response.status_code == 400, response.text
    assert response.json()["error"] == "malformed activity"
    assert [r for r in caplog.records if "wrong shape" in r.getMessage()]
    with db.session() as session:
        assert session.exec(select(Idea)).all() == []
        assert session.exec(select(Person)).all() == []
        assert session.exec(select(ConversationRef)).all() == []
    assert teams_bot.stand_in.wait_for(1, timeout=0.2) == []  # nothing was answered


def test_well_formed_activities_still_work_after_malformed_ones(teams_bot: TeamsBotUnderTest, db: Database) -> None:
    url = teams_bot.stand_in.service_url
    assert teams_bot.post(CASES["from that is a string"](url)).status_code == 400

    assert teams_bot.post(personal_message(url, "idé Cykelställ med tak vid resecentrum")).status_code == 200
    assert teams_bot.post(channel_mention(url, "idé Snöröjning på gångvägar")).status_code == 200
    teams_bot.stand_in.wait_for(2)
    with db.session() as session:
        assert sorted(i.title for i in session.exec(select(Idea)).all()) == [
            "Cykelställ med tak vid resecentrum", "Snöröjning på gångvägar"]


@pytest.mark.parametrize("name", ["compose_extension_fetch_task_from_message.json",
                                  "conversation_update_bot_added_personal.json",
                                  "conversation_update_bot_added_team.json", "installation_update_add.json",
                                  "message_reaction_added.json", "message_reaction_removed.json",
                                  "teams_message_channel_mention_full.json", "teams_message_mention_simple.json",
                                  "teams_message_personal.json"])
def test_microsofts_example_activities_have_the_right_shape(name: str) -> None:
    assert shapes.problem(fixture(name)) is None


def test_bodies_over_the_limit_are_refused_before_the_token_is_looked_at(teams_bot: TeamsBotUnderTest) -> None:
    activity = personal_message(teams_bot.stand_in.service_url, "idé " + "x" * MAX_BODY)
    response = httpx.post(f"{teams_bot.url}/api/messages", content=json.dumps(activity), timeout=10,
                          headers={"Content-Type": "application/json"})  # no token at all

    assert response.status_code == 413
    assert teams_bot.stand_in.token_requests == []
