"""Notifications reach people by DM, survive Slack's rate limits, and give up only when Slack says never."""

from __future__ import annotations

import asyncio
import socket

import pytest

from bot.config import Settings
from bot.core.delivery import DeliveryError, OutboundMessage, PermanentDeliveryError, RateLimited
from bot.core.replies import Reply, ReplyKind
from bot.slack.client import make_web_client
from bot.slack.sender import SlackSender
from tests.slack.conftest import BOT_TOKEN
from tests.slack.standin import SlackStandIn


def note(text: str = "Din idé #1 har flyttats till Bedömning") -> OutboundMessage:
    return OutboundMessage(key="stage:1:in_review", platform="slack", recipient_kind="user", recipient="U2147483697",
                           workspace="T061EG9R6", reply=Reply(ReplyKind.NOTIFICATION, text))


def sender_for(standin: SlackStandIn) -> SlackSender:
    return SlackSender(make_web_client(Settings(slack_bot_token=BOT_TOKEN, slack_api_url=standin.api_url)))


def test_notification_is_posted_to_the_user_id_with_the_bot_token(standin: SlackStandIn):
    delivery = asyncio.run(sender_for(standin).send(note()))

    (call,) = standin.calls_to("chat.postMessage")
    assert call.args["channel"] == "U2147483697"
    assert call.headers["Authorization"] == f"Bearer {BOT_TOKEN}"
    assert (delivery.channel, delivery.message_id) == ("D2147483697", call.response["ts"])


def test_rate_limited_post_is_retried_after_retry_after(standin: SlackStandIn):
    standin.fail("chat.postMessage", status=429, retry_after=1)

    asyncio.run(sender_for(standin).send(note()))

    first, second = standin.calls_to("chat.postMessage")
    assert second.at - first.at >= 1.0  # Retry-After honoured
    assert second.response["ok"] is True


def test_rate_limit_that_outlasts_the_retries_is_handed_back_to_the_dispatcher(standin: SlackStandIn):
    standin.fail("chat.postMessage", status=429, retry_after=0, times=3)

    with pytest.raises(RateLimited) as raised:
        asyncio.run(sender_for(standin).send(note()))

    assert raised.value.retry_after >= 1.0
    assert len(standin.calls_to("chat.postMessage")) == 3


@pytest.mark.parametrize("error", ["channel_not_found", "not_in_channel", "account_inactive", "user_not_found"])
def test_recipient_that_cannot_be_reached_is_a_permanent_failure(standin: SlackStandIn, error: str):
    standin.fail("chat.postMessage", error=error)

    with pytest.raises(PermanentDeliveryError):
        asyncio.run(sender_for(standin).send(note()))


def test_slack_server_error_is_worth_trying_again_later(standin: SlackStandIn):
    standin.fail("chat.postMessage", status=503, error="service_unavailable")

    with pytest.raises(DeliveryError) as raised:
        asyncio.run(sender_for(standin).send(note()))

    assert not isinstance(raised.value, PermanentDeliveryError | RateLimited)


def test_unreachable_slack_is_worth_trying_again_later():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once the socket is closed
    settings = Settings(slack_bot_token=BOT_TOKEN, slack_api_url=f"http://127.0.0.1:{port}/api/")

    with pytest.raises(DeliveryError) as raised:
        asyncio.run(SlackSender(make_web_client(settings)).send(note()))

    assert not isinstance(raised.value, PermanentDeliveryError)
