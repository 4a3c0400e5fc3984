"""A pilot group's nudge in Slack: a :+1: on it counts as engagement, a reply in its thread is an idea."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from bot.slack.client import make_web_client
from bot.slack.sender import SlackSender
from scheduler.dispatcher import Dispatcher
from scheduler.nudges import send_nudge
from storage.groups import add_members, create_group
from storage.models import NudgeEngagement
from storage.people import get_or_create_org, get_or_create_person
from tests.conftest import START
from tests.slack.conftest import SlackClient, fixture_json, ideas
from tests.slack.standin import wait_until

MEMBER = "U2147483697"


def nudge_to_member(slack: SlackClient, db, settings, clock) -> str:  # type: ignore[no-untyped-def]
    """Send the group's nudge as a DM through the real dispatcher and sender; return its Slack ts."""
    with db.session() as session:
        org = get_or_create_org(session, "testkommun", now=START)
        member = get_or_create_person(session, org, "slack", MEMBER, workspace="T061EG9R6", now=START)
        group = create_group(session, org.id, "Hemtjänsten", now=START)
        add_members(session, group, [member], now=START)
    assert send_nudge(db, settings, group.id, now=clock.now(), dm=True).enqueued == 1  # a Monday morning
    asyncio.run(Dispatcher(db, {"slack": SlackSender(make_web_client(settings))}, clock=clock).run_once())
    (post,) = slack.standin.calls_to("chat.postMessage")
    assert post.args["channel"] == MEMBER
    return post.response["ts"]


def engagement(db) -> list[str]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        return sorted(e.kind for e in session.exec(select(NudgeEngagement)).all())


def test_a_thumbs_up_on_a_nudge_is_engagement_not_a_vote(slack: SlackClient, db, slack_settings, clock):
    ts = nudge_to_member(slack, db, slack_settings, clock)
    reaction = fixture_json("event_reaction_added.json")["event"]
    item = {"type": "message", "channel": "D2147483697", "ts": ts}
    slack.event({**reaction, "user": MEMBER, "reaction": "+1", "item": item}, fixture="event_reaction_added.json")
    wait_until(lambda: engagement(db) == ["reacted"], what="the reaction recorded as engagement")
    assert ideas(db) == []


def test_a_reply_in_the_nudges_thread_becomes_an_idea_of_that_group(slack: SlackClient, db, slack_settings, clock):
    ts = nudge_to_member(slack, db, slack_settings, clock)
    event = fixture_json("event_message_im.json")["event"]
    reply = {**event, "user": MEMBER, "text": "Nyckelskåpet tar för lång tid att öppna", "ts": "1700000000.000200",
             "event_ts": "1700000000.000200", "thread_ts": ts}
    slack.event(reply, fixture="event_message_im.json")
    wait_until(lambda: len(ideas(db)) == 1, what="the answer stored as an idea")
    (idea,) = ideas(db)
    assert idea.text == "Nyckelskåpet tar för lång tid att öppna"
    with db.session() as session:
        from storage.models import Idea

        stored = session.exec(select(Idea)).one()
        assert stored.nudge_id is not None and stored.group_id is not None
    assert "replied" in engagement(db)
