"""Talking to the bot: mentions in channels, the DM, reactions as votes, thread replies as comments,
and Slack's retries, which never store anything twice."""

from __future__ import annotations

import json
import time

from bot.core import Actor
from storage import ideas as store
from tests.slack.conftest import SlackClient, fixture_json, ideas
from tests.slack.standin import BOT_USER, wait_until


def mention(text: str, user: str = "W021FGA1Z", ts: str = "1515449483.000108", **extra: str) -> dict:
    event = fixture_json("event_app_mention_full.json")["event"]
    return {**event, "text": f"<@{BOT_USER}> {text}", "user": user, "ts": ts, "event_ts": ts, **extra}


def dm(text: str, user: str = "U2147483697", ts: str = "1355517523.000005", **extra: str) -> dict:
    event = fixture_json("event_message_im.json")["event"]
    return {**event, "text": text, "user": user, "ts": ts, "event_ts": ts, **extra}


def comments(db, number: int) -> list[str]:
    with db.session() as session:
        idea = session.exec(store.select(store.Idea).where(store.Idea.number == number)).one()
        return [c.text for c, _ in store.comments_for(session, idea)]


def test_idea_from_a_mention_is_kept_and_answered_in_its_thread(slack: SlackClient, db):
    response = slack.event(mention("idé: Solpaneler på skolans tak"))

    assert response.status_code == 200
    (post,) = slack.standin.wait_for("chat.postMessage")
    assert post.args["channel"] == "C0LAN2Q65" and post.args["thread_ts"] == "1515449483.000108"
    assert "#1" in json.dumps(post.args["blocks"])
    (idea,) = ideas(db)
    assert (idea.text, idea.source, idea.author) == ("Solpaneler på skolans tak", "slack", "slack:W021FGA1Z")


def test_mention_delivered_twice_keeps_one_idea_and_one_answer(slack: SlackClient, db):
    event = mention("idé: Gemensam bilpool för förvaltningarna")
    slack.event(event, event_id="Ev0RETRIED1")
    slack.standin.wait_for("chat.postMessage")
    retried = slack.event(event, event_id="Ev0RETRIED1", retry=1)
    slack.event(event, event_id="Ev0RETRIED1", retry=2)

    assert retried.status_code == 200
    assert len(ideas(db)) == 1
    time.sleep(0.3)  # give a wrong second answer the chance to appear
    assert len(slack.standin.calls_to("chat.postMessage")) == 1


def test_idea_in_the_bots_dm_is_captured_and_answered_there(slack: SlackClient, db):
    slack.event(dm("idé Bättre skyltning till simhallen"), fixture="event_message_im.json")

    (post,) = slack.standin.wait_for("chat.postMessage")
    assert post.args["channel"] == "D024BE91L" and "thread_ts" not in post.args
    (idea,) = ideas(db)
    assert idea.text == "Bättre skyltning till simhallen" and idea.author == "slack:U2147483697"


def test_other_text_in_the_dm_gets_help_and_stores_nothing(slack: SlackClient, db):
    slack.event(dm("Hej, hur funkar det här?"), fixture="event_message_im.json")

    (post,) = slack.standin.wait_for("chat.postMessage")
    assert "idé" in post.args["text"].lower()
    assert ideas(db) == []


def test_the_bots_own_messages_and_edits_in_the_dm_are_ignored(slack: SlackClient, db):
    slack.event(dm("idé Från boten", bot_id="BBOT0001"), fixture="event_message_im.json")
    slack.event(dm("idé Redigerad", subtype="message_changed"), fixture="event_message_im.json")
    slack.event(dm("idé Riktig idé", ts="1355517523.000099"), fixture="event_message_im.json")

    slack.standin.wait_for("chat.postMessage")
    assert [i.text for i in ideas(db)] == ["Riktig idé"]


def linked(core, channel: str, ts: str) -> None:
    """Wait until the bot has remembered that its answer shows idea #1 (that happens after posting it)."""
    actor = Actor(platform="slack", user_id="U0")
    wait_until(lambda: core.idea_for_message(actor, channel, ts) == 1, what="the idea message link")


def test_thumbs_up_on_the_idea_message_is_one_vote_per_person(slack: SlackClient, db, slack_core):
    slack.event(mention("idé: Frukt i personalrummet"))
    (post,) = slack.standin.wait_for("chat.postMessage")
    linked(slack_core, "C0LAN2Q65", post.response["ts"])
    reaction = fixture_json("event_reaction_added.json")["event"]
    item = {"type": "message", "channel": "C0LAN2Q65", "ts": post.response["ts"]}

    for user, name in [("U123ABC456", "+1"), ("U123ABC456", "thumbsup"), ("U999", "+1::skin-tone-3"),
                       ("U998", "heart")]:
        slack.event({**reaction, "user": user, "reaction": name, "item": item}, fixture="event_reaction_added.json")

    wait_until(lambda: ideas(db)[0].votes == 2, what="two votes")


def test_removing_the_thumbs_up_takes_the_vote_back(slack: SlackClient, db, slack_core):
    slack.event(mention("idé: Vattenkaraff i mötesrummen"))
    (post,) = slack.standin.wait_for("chat.postMessage")
    linked(slack_core, "C0LAN2Q65", post.response["ts"])
    added = fixture_json("event_reaction_added.json")["event"]
    item = {"type": "message", "channel": "C0LAN2Q65", "ts": post.response["ts"]}
    slack.event({**added, "user": "U777", "reaction": "+1", "item": item}, fixture="event_reaction_added.json")
    wait_until(lambda: ideas(db)[0].votes == 1, what="the vote")
    slack.event({**added, "type": "reaction_removed", "user": "U777", "reaction": "+1", "item": item},
                fixture="event_reaction_added.json")
    wait_until(lambda: ideas(db)[0].votes == 0, what="the vote taken back")


def test_reply_in_the_ideas_thread_is_a_comment(slack: SlackClient, db, slack_core):
    slack.event(mention("idé: Cykelpool för hemtjänsten", ts="1515449483.000200"))
    slack.standin.wait_for("chat.postMessage")
    linked(slack_core, "C0LAN2Q65", "1515449483.000200")

    slack.event(mention("Bra idé, vi testar gärna i Norra området", ts="1515449483.000300",
                        thread_ts="1515449483.000200", user="U555"))
    slack.standin.wait_for("chat.postMessage", 2)

    assert comments(db, 1) == ["Bra idé, vi testar gärna i Norra området"]
    assert len(ideas(db)) == 1


def test_reply_in_the_dm_thread_of_an_idea_is_a_comment(slack: SlackClient, db, slack_core):
    slack.event(dm("idé Digital anslagstavla"), fixture="event_message_im.json")
    (post,) = slack.standin.wait_for("chat.postMessage")
    answer_ts = post.response["ts"]
    linked(slack_core, "D024BE91L", answer_ts)

    slack.event(dm("Gärna i foajén också", ts="1355517523.000050", thread_ts=answer_ts),
                fixture="event_message_im.json")
    slack.standin.wait_for("chat.postMessage", 2)

    assert comments(db, 1) == ["Gärna i foajén också"]


def test_app_home_shows_my_ideas(slack: SlackClient, db):
    slack.event(dm("idé Laddstolpar vid kommunhuset"), fixture="event_message_im.json")
    slack.standin.wait_for("chat.postMessage")

    slack.event({"type": "app_home_opened", "user": "U2147483697", "channel": "D024BE91L", "tab": "home",
                 "event_ts": "1355517600.000001"})
    (published,) = slack.standin.wait_for("views.publish")

    assert published.args["user_id"] == "U2147483697"
    view = published.args["view"]
    shown = json.dumps(view, ensure_ascii=False)
    assert view["type"] == "home" and "Mina idéer" in shown and "Laddstolpar vid kommunhuset" in shown


def test_the_same_mention_delivered_twice_at_once_keeps_one_idea(slack: SlackClient, db):
    from concurrent.futures import ThreadPoolExecutor

    event = mention("idé: Samtidiga leveranser")
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda retry: slack.event(event, event_id="Ev0TWINS01", retry=retry), [None, 1]))

    assert [a.status_code for a in answers] == [200, 200]
    slack.standin.wait_for("chat.postMessage")
    time.sleep(0.5)  # both deliveries have been processed by now
    assert [i.text for i in ideas(db)] == ["Samtidiga leveranser"]
    (answer,) = slack.standin.calls_to("chat.postMessage")
    assert "#1" in answer.args["text"]  # the confirmation, not an error from the losing delivery


def test_bare_idea_word_in_the_dm_offers_the_form_behind_a_button(slack: SlackClient, db):
    slack.event(dm("idé"), fixture="event_message_im.json")

    (post,) = slack.standin.wait_for("chat.postMessage")
    buttons = [e for b in post.args["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["action_id"] for b in buttons] == ["idea.new#0"]  # a DM message cannot open a modal itself
    assert ideas(db) == []


def test_an_idea_sent_with_a_photo_in_the_dm_is_kept(slack: SlackClient, db):
    slack.event(dm("idé Trasig lampa i trapphuset", subtype="file_share"), fixture="event_message_im.json")
    wait_until(lambda: len(ideas(db)) == 1, what="the idea with a file")
    assert ideas(db)[0].text == "Trasig lampa i trapphuset"


def test_similar_ideas_come_under_their_heading(slack: SlackClient, db):
    slack.event(dm("idé Cykelparkering vid stationen"), fixture="event_message_im.json")
    slack.standin.wait_for("chat.postMessage")
    slack.event(dm("idé Tak över cykelparkeringen", ts="1355517523.000099"), fixture="event_message_im.json",
                event_id="Ev-second")
    second = slack.standin.wait_for("chat.postMessage", 2)[1]
    assert "Liknande idéer:" in json.dumps(second.args["blocks"], ensure_ascii=False)
