"""Buttons, the idea modal and the message shortcut, as Slack posts them (form-encoded `payload=`)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from bot.core import Actor
from bot.slack import blocks
from storage.people import get_or_create_org, get_or_create_person, grant_role
from tests.conftest import START
from tests.slack.conftest import SlackClient, fixture_json, ideas

AUTHOR = "U2147483697"
COACH = "UCOACH001"


def capture(slack: SlackClient, text: str, user: str = AUTHOR) -> None:
    before = len(slack.standin.calls_to("response_url"))
    slack.command(text, user=user)
    slack.standin.wait_for("response_url", before + 1)


def press(slack: SlackClient, action_id: str, value: str, user: str = AUTHOR, **container: Any) -> None:
    payload = fixture_json("block_actions.json")
    payload["user"] = {"id": user, "username": user.lower(), "team_id": "T061EG9R6"}
    payload["team"] = {"id": "T061EG9R6", "domain": "example"}
    payload["container"] = {"type": "message", "message_ts": "1548261231.000200", "channel_id": "CBR2V3XEX",
                            "is_ephemeral": True, **container}
    payload["response_url"] = slack.standin.response_url(f"action-{action_id}-{value}")
    payload["actions"] = [{**payload["actions"][0], "action_id": action_id, "value": value, "block_id": "b1"}]
    assert slack.interaction(payload).status_code == 200


def choose(slack: SlackClient, element: dict[str, Any], value: str, user: str = AUTHOR) -> None:
    """Pick an option in a static_select, as Slack posts it: the value comes in `selected_option`."""
    option = next(o for o in element["options"] if o["value"] == value)
    payload = fixture_json("block_actions.json")
    payload["user"] = {"id": user, "username": user.lower(), "team_id": "T061EG9R6"}
    payload["team"] = {"id": "T061EG9R6", "domain": "example"}
    payload["container"] = {"type": "message", "message_ts": "1548261231.000200", "channel_id": "CBR2V3XEX",
                            "is_ephemeral": True}
    payload["response_url"] = slack.standin.response_url(f"choice-{value}")
    payload["actions"] = [{"type": "static_select", "action_id": element["action_id"], "block_id": "b1",
                           "selected_option": option, "placeholder": element["placeholder"],
                           "action_ts": "1548426417.840180"}]
    assert slack.interaction(payload).status_code == 200


def submission(slack_core, values: dict[str, Any], metadata: dict[str, Any], user: str = AUTHOR) -> dict[str, Any]:
    """A view_submission for our own modal, with `values` typed into it."""
    form = slack_core.open_form(Actor(platform="slack", user_id=user)).form
    view = blocks.modal_view(form, metadata)
    state: dict[str, Any] = {}
    for name, value in values.items():
        if name == "anonymous":
            option = {"text": {"type": "plain_text", "text": "Anonym"}, "value": "yes"}
            state[name] = {"value": {"type": "checkboxes", "selected_options": [option] if value else []}}
        else:
            state[name] = {"value": {"type": "plain_text_input", "value": value}}
    payload = fixture_json("view_submission.json")
    payload["user"] = {"id": user, "username": "anna", "team_id": "T061EG9R6"}
    payload["view"] = {**payload["view"], **view, "state": {"values": state}, "id": "VMODAL001"}
    payload["view"].pop("response_urls", None)
    return payload


def test_modal_with_empty_idea_shows_field_errors_and_stores_nothing(slack: SlackClient, slack_core, db):
    response = slack.interaction(submission(slack_core, {"title": "", "text": ""}, {}))

    assert response.status_code == 200
    answer = response.json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) <= {"title", "text"} and answer["errors"]
    assert ideas(db) == []


def test_modal_with_too_long_title_names_the_title_field(slack: SlackClient, slack_core, db):
    response = slack.interaction(submission(slack_core, {"title": "x" * 500, "text": "Något"}, {}))

    assert response.json()["response_action"] == "errors"
    assert "title" in response.json()["errors"]
    assert ideas(db) == []


def test_modal_submission_captures_the_idea_and_answers_where_the_command_was(slack: SlackClient, slack_core, db):
    where = {"ru": slack.standin.response_url("from-command"), "ch": "C2147483705"}
    values = {"title": "Fritidsbank", "text": "Låna sportutrustning gratis", "problem": "Dyrt för familjer",
              "benefit": "Fler barn rör på sig", "unit": "Fritid", "anonymous": True}
    response = slack.interaction(submission(slack_core, values, where))

    assert response.status_code == 200 and response.text == ""  # the modal closes
    (answer,) = slack.standin.wait_for("response_url")
    assert answer.headers.get("Host", "").startswith("127.0.0.1") and "#1" in json.dumps(answer.args["blocks"])
    (idea,) = ideas(db)
    assert (idea.title, idea.problem, idea.benefit, idea.unit) == ("Fritidsbank", "Dyrt för familjer",
                                                                   "Fler barn rör på sig", "Fritid")
    assert idea.anonymous and idea.author is None


def test_modal_opened_from_app_home_answers_in_the_dm(slack: SlackClient, slack_core, db):
    slack.interaction(submission(slack_core, {"text": "Återbruk av kontorsmöbler"}, {}))

    (post,) = slack.standin.wait_for("chat.postMessage")
    assert post.args["channel"] == AUTHOR
    assert [i.text for i in ideas(db)] == ["Återbruk av kontorsmöbler"]


def test_add_details_button_opens_the_modal_for_that_idea(slack: SlackClient, db):
    capture(slack, "Solceller på förskolan")
    press(slack, "idea.details#0", "1")

    (opened,) = slack.standin.wait_for("views.open")
    assert json.loads(opened.args["view"]["private_metadata"])["n"] == 1


def test_undo_button_withdraws_the_idea(slack: SlackClient, db):
    capture(slack, "Felskriven idé")
    press(slack, "idea.undo#1", "1")

    slack.standin.wait_for("response_url", 2)
    assert ideas(db) == []


def test_show_button_shows_the_idea(slack: SlackClient, db):
    capture(slack, "Källsortering i matsalen")
    press(slack, "idea.show#2", "1")

    shown = slack.standin.wait_for("response_url", 2)[-1]
    assert shown.args["replace_original"] is False
    assert "Källsortering i matsalen" in json.dumps(shown.args["blocks"], ensure_ascii=False)


def test_message_shortcut_saves_the_message_with_a_permalink_and_its_author(slack: SlackClient, db):
    payload = fixture_json("message_shortcut.json")
    payload["callback_id"] = "save_as_idea"
    payload["response_url"] = slack.standin.response_url("shortcut")
    payload["message"]["text"] = "Vi borde ha <https://example.com|digitala> körjournaler"
    assert slack.interaction(payload).status_code == 200

    slack.standin.wait_for("response_url")
    (permalink,) = slack.standin.calls_to("chat.getPermalink")
    assert (permalink.args["channel"], permalink.args["message_ts"]) == ("D0LFFBKLZ", "1516229207.000133")
    (idea,) = ideas(db)
    assert idea.text == "Vi borde ha digitala (https://example.com) körjournaler"
    assert idea.author == "slack:U0D15K92L" and idea.source == "slack"
    assert idea.source_link == "https://example.slack.com/archives/D0LFFBKLZ/p1516229207000133"
    with db.session() as session:
        from storage.models import Idea

        assert session.get(Idea, idea.id).original_author == "slack:U0MJRG1AL"


def test_author_gets_a_dm_when_a_coach_moves_the_idea_and_can_answer_in_its_thread(slack: SlackClient, app, db):
    with db.session() as session:
        org = get_or_create_org(session, "testkommun", now=START)
        grant_role(session, get_or_create_person(session, org, "slack", COACH, now=START), "coach", now=START)
    capture(slack, "Gröna tak på bussholkarna")
    press(slack, "idea.show#2", "1", user=COACH)
    coach_view = slack.standin.wait_for("response_url", 2)[-1].args["blocks"]
    (stage_choice,) = [e for b in coach_view if b["type"] == "actions" for e in b["elements"]
                       if e["action_id"].startswith("idea.stage")]
    assert stage_choice["type"] == "static_select", "a coach chooses the stage in one control"

    choose(slack, stage_choice, "1:in_review", user=COACH)
    slack.standin.wait_for("response_url", 3)
    result = asyncio.run(app.state.runtime.dispatcher().run_once())  # the app's own senders, as the scheduler gets them
    assert getattr(result, "sent", result) == 1

    (dm,) = slack.standin.calls_to("chat.postMessage")
    assert dm.args["channel"] == AUTHOR  # posted to the user ID: no conversations.open
    assert slack.standin.calls_to("conversations.open") == []
    assert "Bedömning" in json.dumps(dm.args, ensure_ascii=False)
    assert ideas(db)[0].stage == "in_review"

    reply = {**fixture_json("event_message_im.json")["event"], "channel": dm.response["channel"], "user": AUTHOR,
             "text": "Tack! Jag kan visa hur det ser ut i Malmö.", "ts": "1700000999.000001",
             "thread_ts": dm.response["ts"]}
    slack.event(reply, fixture="event_message_im.json")
    slack.standin.wait_for("chat.postMessage", 2)
    with db.session() as session:
        from storage import ideas as store

        idea = store.get_idea(session, get_or_create_org(session, "testkommun", now=START).id, 1)
        assert [c.text for c, _ in store.comments_for(session, idea)] == ["Tack! Jag kan visa hur det ser ut i Malmö."]


def test_show_button_on_the_home_tab_opens_the_idea_and_redraws_the_tab(slack: SlackClient, db):
    capture(slack, "Öppna skolgårdar på helgerna")
    payload = fixture_json("block_actions.json")
    payload.pop("response_url")
    payload.pop("channel")
    payload["user"] = {"id": AUTHOR, "username": "anna", "team_id": "T061EG9R6"}
    payload["container"] = {"type": "view", "view_id": "VHOME001"}
    payload["view"] = {"id": "VHOME001", "type": "home", "blocks": []}
    payload["actions"] = [{**payload["actions"][0], "action_id": "idea.show#0", "value": "1"}]
    assert slack.interaction(payload).status_code == 200

    (opened,) = slack.standin.wait_for("views.open")
    assert "Öppna skolgårdar på helgerna" in json.dumps(opened.args["view"], ensure_ascii=False)
    assert "submit" not in opened.args["view"]
    (published,) = slack.standin.wait_for("views.publish")
    assert published.args["user_id"] == AUTHOR


def test_expired_response_url_falls_back_to_a_dm(slack: SlackClient, slack_core, db):
    slack.standin.fail("response_url", status=404, error="expired_url")
    where = {"ru": slack.standin.response_url("expired")}
    slack.interaction(submission(slack_core, {"text": "Idé efter en lång fikapaus"}, where))

    (post,) = slack.standin.wait_for("chat.postMessage")
    assert post.args["channel"] == AUTHOR and "#1" in json.dumps(post.args["blocks"])
