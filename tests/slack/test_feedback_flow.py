"""The feedback promise end to end in Slack: the date at capture, one reminder past the deadline, the coach's
answer in the figures, and the figures as blocks and a PNG chart."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block

from storage.people import get_or_create_org, get_or_create_person, grant_role
from tests.conftest import START
from tests.scheduler.conftest import cli
from tests.slack.conftest import SlackClient

AUTHOR, COACH = "U2147483697", "UCOACH001"
PNG = b"\x89PNG\r\n\x1a\n"


def make_coach(db) -> None:  # type: ignore[no-untyped-def]
    with db.session() as session:
        org = get_or_create_org(session, "testkommun", now=START)
        grant_role(session, get_or_create_person(session, org, "slack", COACH, display_name="Cecilia", now=START),
                   "coach", now=START)


def answer(slack: SlackClient, text: str, user: str = AUTHOR) -> dict:
    before = len(slack.standin.calls_to("response_url"))
    slack.command(text, user=user)
    return slack.standin.wait_for("response_url", before + 1)[-1].args


def valid_blocks(blocks: list[dict]) -> list[Block]:
    parsed = [Block.parse(b) for b in blocks]
    assert all(p is not None for p in parsed)
    for block in parsed:
        block.to_dict()  # slack_sdk validates lengths and required fields here
    return parsed


def test_promise_reminder_answer_and_figures(slack: SlackClient, db, clock, database_url):
    make_coach(db)
    confirmation = answer(slack, "Belysning på gångvägen till skolan")
    assert "Du får besked senast måndag 16 mars." in json.dumps(confirmation, ensure_ascii=False)
    valid_blocks(confirmation["blocks"])

    env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": slack.standin.api_url}
    first = cli(["feedback", "remind", "--at", "2026-03-17T09:00"], database_url, **env)
    assert first.returncode == 0, first.stderr
    assert cli(["feedback", "remind", "--at", "2026-03-17T09:00"], database_url, **env).returncode == 0
    to_coach = [c for c in slack.standin.calls_to("chat.postMessage") if c.args["channel"] == COACH]
    assert len(to_coach) == 1 and "Löftet om besked har passerat" in json.dumps(to_coach[0].args, ensure_ascii=False)

    clock.set(datetime(2026, 3, 18, 10, tzinfo=ZoneInfo("Europe/Stockholm")))
    moved = answer(slack, "status 1 bedömning", user=COACH)
    assert "Bedömning" in json.dumps(moved, ensure_ascii=False)
    out = cli(["stats", "--period", "2026-03", "--format", "json", "--at", "2026-03-18T12:00"], database_url)
    figures = json.loads(out.stdout)
    # Captured Monday 2 March, answered Wednesday 18 March: 3–6, 9–13, 16–18 March are 12 working days, and the
    # promise (Monday 16 March) was not kept.
    assert (figures["answered"], figures["median_days_to_first_feedback"], figures["first_feedback_in_time_rate"]
            ) == (1, 12.0, 0.0)

    shown = answer(slack, "statistik månad", user=COACH)
    text = json.dumps(shown, ensure_ascii=False)
    assert "Idéslussen i siffror" in text and "Besked inom löftet" in text
    valid_blocks(shown["blocks"])
    slack.standin.wait_for("files.completeUploadExternal")
    (upload,) = slack.standin.calls_to("files.getUploadURLExternal")
    (data,) = slack.standin.uploads.values()
    assert data.startswith(PNG) and int(upload.args["length"]) == len(data)
    (complete,) = slack.standin.calls_to("files.completeUploadExternal")
    assert complete.args["channels"] == COACH  # the coach's own DM, never the channel


def test_the_coachs_queue_on_slack_is_valid_block_kit_with_a_menu_per_idea(slack: SlackClient, db):
    make_coach(db)
    answer(slack, "Fler laddplatser")
    queue = answer(slack, "kö", user=COACH)
    blocks = valid_blocks(queue["blocks"])
    menus = [b for b in queue["blocks"] if b["type"] == "section" and b.get("accessory")]
    assert len(menus) == 1 and menus[0]["accessory"]["type"] == "static_select"
    assert blocks


def test_the_author_answers_a_coachs_question_in_its_thread_and_the_coach_hears_it(slack: SlackClient, db, app):
    import asyncio

    from sqlmodel import select

    from storage.models import Comment, FeedbackQuestion, OutboxMessage
    from tests.slack.conftest import fixture_json

    make_coach(db)
    answer(slack, "Fler bänkar i parken")
    asked = answer(slack, "fråga 1 Vilken park menar du?", user=COACH)
    assert "skickad till idégivaren" in json.dumps(asked, ensure_ascii=False)
    assert asyncio.run(app.state.runtime.dispatcher().run_once()).sent == 1
    (dm,) = [c for c in slack.standin.calls_to("chat.postMessage") if c.args["channel"] == AUTHOR]
    assert "Vilken park menar du?" in json.dumps(dm.args, ensure_ascii=False)

    reply = {**fixture_json("event_message_im.json")["event"], "channel": dm.response["channel"], "user": AUTHOR,
             "text": "Stadsparken vid ån", "ts": "1700000999.000001", "thread_ts": dm.response["ts"]}
    slack.event(reply, fixture="event_message_im.json")
    slack.standin.wait_for("chat.postMessage", 2)
    with db.session() as session:
        assert [c.text for c in session.exec(select(Comment)).all()] == ["Stadsparken vid ån"]
        assert session.exec(select(FeedbackQuestion)).one().answered_at is not None
        to_coach = [r for r in session.exec(select(OutboxMessage)).all() if r.recipient == COACH]
    assert len(to_coach) == 1 and "Stadsparken vid ån" in to_coach[0].payload
