"""The author hears about a stage change in their 1:1 chat, through the outbox and the TeamsSender."""

from __future__ import annotations

import asyncio
import copy
import time

import pytest
from sqlmodel import select

from bot.core.delivery import OutboundMessage, RateLimited
from bot.core.replies import ActionId, Reply, ReplyKind
from storage import outbox
from storage.conversations import personal_ref
from storage.db import Database
from storage.models import OutboxMessage, Person

from .conftest import TeamsBotUnderTest, card_action, channel_mention, personal_message
from .standins import BOT_ID, TENANT, fixture
from .test_cards_and_actions import COACH, _make_coach

AUTHOR = "7faf8ab2-3d56-4244-b585-20c8a42ed2b8"


def _move(teams_bot: TeamsBotUnderTest, number: int, stage: str) -> None:
    data = {"action_id": ActionId.SET_STAGE, "value": f"{number}:{stage}"}
    response = teams_bot.post(card_action(teams_bot.stand_in.service_url, COACH, ActionId.SET_STAGE, data))
    assert response.status_code == 200


def _dispatch(teams_bot: TeamsBotUnderTest, db: Database) -> None:
    """One dispatcher pass with the senders the web app registered (outcomes are read from the outbox)."""
    asyncio.run(teams_bot.app.state.runtime.dispatcher().run_once())


def _outbox(db: Database) -> OutboxMessage:
    with db.session() as session:
        return session.exec(select(OutboxMessage)).one()


def test_author_gets_a_direct_message_when_a_coach_moves_their_idea(teams_bot: TeamsBotUnderTest,
                                                                   db: Database) -> None:
    service_url = teams_bot.stand_in.service_url
    teams_bot.post(personal_message(service_url, "idé Digitala nycklar i hemtjänsten", user=AUTHOR))
    teams_bot.stand_in.wait_for(1)
    _make_coach(db)
    _move(teams_bot, 1, "in_review")  # (Test/pilot would also ask for the author's consent to be named)

    _dispatch(teams_bot, db)

    activities = teams_bot.stand_in.wait_for(2)
    dm = activities[-1]
    assert dm.path.endswith(f"/v3/conversations/a:personal-{AUTHOR}/activities")  # a new message, not a reply
    assert dm.authorization and dm.authorization.startswith("Bearer stand-in-token-")
    card = dm.body["attachments"][0]["content"]
    assert "Din idé #1 har ny status: Bedömning" in card["body"][0]["text"]
    assert _outbox(db).state == outbox.SENT
    assert _outbox(db).message_id == dm.answered_id


def test_person_seen_only_in_a_channel_gets_a_new_one_to_one_chat(teams_bot: TeamsBotUnderTest,
                                                                  db: Database) -> None:
    service_url = teams_bot.stand_in.service_url
    teams_bot.post(channel_mention(service_url, "idé Återbruk av kontorsmöbler", user="aad-channel-only"))
    teams_bot.stand_in.wait_for(1)
    _make_coach(db)
    _move(teams_bot, 1, "in_review")

    _dispatch(teams_bot, db)

    assert _outbox(db).state == outbox.SENT
    created = [r for r in teams_bot.stand_in.requests if r.path.endswith("/v3/conversations")]
    assert len(created) == 1
    body = created[0].body
    assert body["members"] == [{"id": "29:member-aad-channel-only"}]
    assert body["isGroup"] is False and body["channelData"]["tenant"]["id"]
    new_id = fixture("create_conversation_response.json")["id"]
    assert teams_bot.stand_in.requests[-1].path.endswith(f"/v3/conversations/{new_id}/activities")
    with db.session() as session:
        assert personal_ref(session, "aad-channel-only").conversation_id == new_id


def test_blocked_bot_marks_the_person_unreachable_and_dead_letters_the_message(teams_bot: TeamsBotUnderTest,
                                                                             db: Database) -> None:
    service_url = teams_bot.stand_in.service_url
    teams_bot.post(personal_message(service_url, "idé Fler laddstolpar", user=AUTHOR))
    teams_bot.stand_in.wait_for(1)
    _make_coach(db)
    _move(teams_bot, 1, "in_review")
    teams_bot.stand_in.fail_next(403, fixture("teams_403_message_writes_blocked_body.json"))

    _dispatch(teams_bot, db)

    assert _outbox(db).state == outbox.DEAD
    with db.session() as session:
        person = session.exec(select(Person).where(Person.user_id == AUTHOR)).one()
    assert person.unreachable
    sent_before = len(teams_bot.stand_in.requests)
    _move(teams_bot, 1, "pilot")
    _dispatch(teams_bot, db)  # known unreachable: not even tried
    assert len(teams_bot.stand_in.requests) == sent_before
    with db.session() as session:
        assert {row.state for row in session.exec(select(OutboxMessage)).all()} == {outbox.DEAD}

    teams_bot.post(personal_message(service_url, "hjälp", user=AUTHOR))  # they unblocked and wrote again
    with db.session() as session:
        assert not session.exec(select(Person).where(Person.user_id == AUTHOR)).one().unreachable


def test_reply_refused_with_message_writes_blocked_marks_the_person_unreachable(teams_bot: TeamsBotUnderTest,
                                                                               db: Database) -> None:
    teams_bot.stand_in.fail_next(403, fixture("teams_403_message_writes_blocked_body.json"))
    teams_bot.post(personal_message(teams_bot.stand_in.service_url, "idé Något", user="aad-blocked"))

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with db.session() as session:
            person = session.exec(select(Person).where(Person.user_id == "aad-blocked")).one()
        if person.unreachable:
            break
        time.sleep(0.01)
    assert person.unreachable
    assert len(teams_bot.stand_in.requests) == 1  # never retried


def test_reply_throttled_with_429_is_retried_after_retry_after(teams_bot: TeamsBotUnderTest, db: Database) -> None:
    teams_bot.stand_in.fail_next(429, {"error": {"code": "TooManyRequests"}}, {"Retry-After": "0"})

    teams_bot.post(personal_message(teams_bot.stand_in.service_url, "idé Kortare möten", user=AUTHOR))

    first, second = teams_bot.stand_in.wait_for(2)
    assert first.path == second.path
    assert first.answered_id is None and second.answered_id
    assert second.authorization == first.authorization


def _installation(service_url: str, user: str, action: str) -> dict:
    activity = copy.deepcopy(fixture("installation_update_add.json"))
    activity.update(serviceUrl=service_url, action=action, id=f"f:install-{action}", locale="sv-SE")
    activity["from"] = {"id": f"29:member-{user}", "aadObjectId": user}
    activity["recipient"] = {"id": BOT_ID, "name": "Idéslussen"}
    activity["conversation"] = {"conversationType": "personal", "id": f"a:personal-{user}", "tenantId": TENANT}
    activity["channelData"] = {"tenant": {"id": TENANT}}
    return activity


def test_installing_the_app_greets_the_person_once_and_removing_it_marks_them_unreachable(
        teams_bot: TeamsBotUnderTest, db: Database) -> None:
    service_url = teams_bot.stand_in.service_url
    added = _installation(service_url, "aad-new-user", "add")

    assert teams_bot.post(added).status_code == 200
    assert teams_bot.post(added).status_code == 200  # redelivered: one greeting

    [greeting] = teams_bot.stand_in.wait_for(1)
    assert greeting.path.endswith("/v3/conversations/a:personal-aad-new-user/activities")
    assert greeting.body["attachments"][0]["content"]["body"][0]["text"] == "Hej! Jag är Idéslussen."
    assert len(teams_bot.stand_in.wait_for(2, timeout=0.2)) == 1
    with db.session() as session:
        assert personal_ref(session, "aad-new-user").service_url == service_url

    teams_bot.post(_installation(service_url, "aad-new-user", "remove"))
    with db.session() as session:
        assert session.exec(select(Person).where(Person.user_id == "aad-new-user")).one().unreachable


def test_throttled_notification_is_handed_back_to_the_dispatcher_instead_of_waiting(teams_bot: TeamsBotUnderTest,
                                                                                   db: Database) -> None:
    service_url = teams_bot.stand_in.service_url
    teams_bot.post(personal_message(service_url, "idé Fler pendlarparkeringar", user=AUTHOR))
    teams_bot.stand_in.wait_for(1)
    teams_bot.stand_in.fail_next(429, {"error": {"code": "TooManyRequests"}}, {"Retry-After": "30"})
    sender = teams_bot.app.state.runtime.senders["teams"]
    message = OutboundMessage(key="k", platform="teams", recipient_kind="user", recipient=AUTHOR, workspace=TENANT,
                              reply=Reply(ReplyKind.NOTIFICATION, "Din idé har ny status"))

    started = time.monotonic()
    with pytest.raises(RateLimited) as raised:
        asyncio.run(sender.send(message))

    assert raised.value.retry_after == 30  # the dispatcher pauses this conversation and paces the rest
    assert time.monotonic() - started < 5
    assert len(teams_bot.stand_in.activities()) == 2  # the reply and one refused attempt
