"""Signed requests of the wrong shape get 400 and a log line before the ack, and leave nothing behind.

Each case is one of Slack's documented payloads (tests/slack/data) with one field broken, properly signed: the
signature says it is Slack's, not that it is well formed. Before this, an `event` that was a string or a view
without `type` answered 500, and a slash command without `user_id` was acked and then failed with a KeyError.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest
from sqlmodel import select

from bot.slack import shapes
from bot.slack.http import MAX_BODY, parse_signed
from storage.db import Database
from storage.models import Person
from tests.slack.conftest import DATA, SlackClient, fixture_json, ideas

Breaker = Callable[[dict[str, Any]], Any]


def broken_event(fixture: str, break_it: Breaker) -> Callable[[SlackClient], httpx.Response]:
    def post(slack: SlackClient) -> httpx.Response:
        body = fixture_json(fixture)
        break_it(body)
        return slack.post(json.dumps(body).encode(), "application/json")

    return post


def broken_interaction(fixture: str, break_it: Breaker) -> Callable[[SlackClient], httpx.Response]:
    def post(slack: SlackClient) -> httpx.Response:
        payload = fixture_json(fixture)
        break_it(payload)
        return slack.interaction(payload)

    return post


def broken_command(break_it: Breaker) -> Callable[[SlackClient], httpx.Response]:
    def post(slack: SlackClient) -> httpx.Response:
        fields = dict(parse_qsl(slack.command_body("Cykelställ vid stationen").decode()))
        break_it(fields)
        return slack.post(urlencode(fields).encode(), "application/x-www-form-urlencoded")

    return post


def _set(path: str, value: Any) -> Breaker:
    def apply(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        for key in parents:
            data = data[int(key)] if key.isdigit() else data[key]
        data[last] = value

    return apply


def _drop(path: str) -> Breaker:
    def apply(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        for key in parents:
            data = data[int(key)] if key.isdigit() else data[key]
        del data[last]

    return apply


CASES = {
    "an event that is a string": broken_event("event_app_mention_full.json", _set("event", "app_mention")),
    "an event that is a list": broken_event("event_app_mention_full.json", _set("event", [{"type": "app_mention"}])),
    "an event without type": broken_event("event_app_mention_full.json", _drop("event.type")),
    "a mention by a user that is an object": broken_event("event_app_mention_full.json",
                                                          _set("event.user", {"id": "U061F7AUR"})),
    "a mention without its channel": broken_event("event_app_mention_full.json", _drop("event.channel")),
    "a mention whose text is a number": broken_event("event_app_mention_full.json", _set("event.text", 12)),
    "a reaction whose item is a string": broken_event("event_reaction_added.json", _set("event.item", "message")),
    "a reaction without its user": broken_event("event_reaction_added.json", _drop("event.user")),
    "authorizations that are an object": broken_event("event_app_mention_full.json", _set("authorizations", {})),
    "a view without type": broken_interaction("view_submission.json", _drop("view.type")),
    "a view that is a string": broken_interaction("view_submission.json", _set("view", "modal")),
    "a view submitted by nobody": broken_interaction("view_submission.json", _drop("user")),
    "a view whose input value is a number": broken_interaction(
        "view_submission.json", _set("view.state.values.multiline.mlvalue.value", 42)),
    "actions that are a string": broken_interaction("block_actions.json", _set("actions", "idea.show")),
    "an action without action_id": broken_interaction("block_actions.json", _drop("actions.0.action_id")),
    "a button pressed without a trigger_id": broken_interaction("block_actions.json", _drop("trigger_id")),
    "a shortcut on a message that is a string": broken_interaction("message_shortcut.json", _set("message", "hej")),
    "a payload without type": broken_interaction("block_actions.json", _drop("type")),
    "a slash command without user_id": broken_command(_drop("user_id")),
    "a slash command with an empty user_id": broken_command(_set("user_id", "")),
    "a slash command without trigger_id": broken_command(_drop("trigger_id")),
    "a slash command without response_url": broken_command(_drop("response_url")),
}


@pytest.mark.parametrize("post", CASES.values(), ids=CASES.keys())
def test_a_signed_request_of_the_wrong_shape_gets_400_and_a_log_line_and_nothing_is_kept(
        slack: SlackClient, db: Database, caplog: pytest.LogCaptureFixture, post) -> None:
    caplog.set_level(logging.WARNING, logger="idesluss.slack")

    response = post(slack)

    assert response.status_code == 400, response.text
    assert response.json()["error"] == "malformed request"
    refused = [r for r in caplog.records if r.name == "idesluss.slack" and "wrong shape" in r.getMessage()]
    assert len(refused) == 1
    assert ideas(db) == []
    with db.session() as session:
        assert session.exec(select(Person)).all() == []  # not even the sender was remembered
    assert slack.standin.calls == []  # nothing answered, no form opened


def test_the_log_line_says_where_but_never_quotes_what_was_written(slack: SlackClient,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="idesluss.slack")
    body = fixture_json("event_app_mention_full.json")
    body["event"]["text"] = ["Hemlig idé om lönesättning"]

    assert slack.post(json.dumps(body).encode(), "application/json").status_code == 400
    (line,) = [r.getMessage() for r in caplog.records if "wrong shape" in r.getMessage()]
    assert "event.text" in line and "Hemlig" not in line


@pytest.mark.parametrize("name", ["event_app_mention.json", "event_app_mention_full.json", "event_message_im.json",
                                  "event_reaction_added.json", "event_app_rate_limited.json", "url_verification.json",
                                  "block_actions.json", "view_submission.json", "view_closed.json",
                                  "message_shortcut.json", "global_shortcut.json"])
def test_slacks_documented_payloads_have_the_right_shape(name: str) -> None:
    data = fixture_json(name)
    kind = "event" if "event" in name or name == "url_verification.json" else "interaction"
    assert shapes.problem(kind, data) is None


def test_slacks_documented_slash_command_has_the_right_shape() -> None:
    parsed = parse_signed((DATA / "slash_command.txt").read_bytes().strip(), "application/x-www-form-urlencoded")
    assert parsed is not None and parsed[0] == "command"
    assert shapes.problem(*parsed) is None


def test_slacks_certificate_check_is_not_a_malformed_command(slack: SlackClient) -> None:
    assert slack.post(b"ssl_check=1&token=gIkuvaNzQIHg97ATvDxqgjtO", "application/x-www-form-urlencoded"
                      ).status_code == 200


def test_a_well_formed_command_still_captures_after_malformed_ones(slack: SlackClient, db: Database) -> None:
    assert CASES["a slash command without user_id"](slack).status_code == 400
    assert slack.command("Cykelställ med tak vid resecentrum").status_code == 200
    slack.standin.wait_for("response_url")
    assert [row.title for row in ideas(db)] == ["Cykelställ med tak vid resecentrum"]


def test_bodies_up_to_the_limit_are_read_and_larger_ones_refused(slack: SlackClient, served) -> None:
    padded = json.dumps({"type": "event_callback", "pad": "x" * (MAX_BODY - 50)}).encode()
    padded += b" " * (MAX_BODY - len(padded))
    assert slack.post(padded, "application/json").status_code != 413  # read, checked, dispatched

    assert slack.post(padded + b" ", "application/json").status_code == 413  # Content-Length says so

    def chunks():  # no Content-Length: counted as it arrives
        for _ in range(MAX_BODY // 65536 + 2):
            yield b" " * 65536

    streamed = httpx.post(f"{served.url}/slack/events", content=chunks(), headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413

