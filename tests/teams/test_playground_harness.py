"""The Agents Playground harness, proved against a tiny stand-in bot rather than idesluss itself.

The stand-in answers a message with an Adaptive Card carrying one Action.Execute button (posted over plain
http to the activity's serviceUrl, as a bot does) and answers the button's `adaptiveCard/action` invoke with a
new card. Skipped, with the reason, where node or the pinned Playground is not installed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .playground import Playground, playground_available, playground_unavailable
from .standins import ServerThread

CARD_TYPE = "application/vnd.microsoft.card.adaptive"
PLAYGROUND_TENANT = "00000000-0000-0000-0000-0000000000001"


def vote_card() -> dict[str, Any]:
    return {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "Idé 7: cykelpool"}],
            "actions": [{"type": "Action.Execute", "title": "Rösta", "verb": "vote", "data": {"idea": 7}}]}


def thanks_card() -> dict[str, Any]:
    return {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "Tack för din röst"}]}


@dataclass(slots=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None


@dataclass
class StandInBot:
    """Records every request the Playground makes, exactly as received."""

    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def of_type(self, kind: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.body and r.body.get("type") == kind]

    def app(self) -> Starlette:
        async def messages(request: Request) -> Response:
            raw = await request.body()
            body = await request.json() if raw else None
            with self.lock:
                self.received.append(Received(request.method, request.url.path, dict(request.headers), body))
            if body is None:  # the Playground's HEAD probe
                return Response(status_code=200)
            if body["type"] == "message":
                await self.reply(body)
            if body["type"] == "invoke" and body.get("name") == "adaptiveCard/action":
                return JSONResponse({"statusCode": 200, "type": CARD_TYPE, "value": thanks_card()})
            return Response(status_code=200)

        return Starlette(routes=[Route("/api/messages", messages, methods=["POST", "HEAD"])])

    async def reply(self, activity: dict[str, Any]) -> None:
        conversation = activity["conversation"]["id"]
        url = f"{activity['serviceUrl'].rstrip('/')}/v3/conversations/{conversation}/activities/{activity['id']}"
        reply: dict[str, Any] = {"type": "message", "from": activity["recipient"], "recipient": activity["from"],
                                 "conversation": activity["conversation"], "replyToId": activity["id"],
                                 "attachments": [{"contentType": CARD_TYPE, "content": vote_card()}]}
        if activity.get("text") == "med text":
            reply["text"] = "Här är idén"
        async with httpx.AsyncClient(trust_env=False, timeout=10) as client:
            (await client.post(url, json=reply)).raise_for_status()


@pytest.fixture(scope="module")
def bot() -> Iterator[tuple[StandInBot, str]]:
    stand_in = StandInBot()
    server = ServerThread(stand_in.app()).start()
    yield stand_in, f"{server.url}/api/messages"
    server.stop()


@pytest.fixture(scope="module")
def playground(bot: tuple[StandInBot, str]) -> Iterator[Playground]:
    node_dir = playground_available()
    if node_dir is None:
        pytest.skip(f"Agents Playground not available: {playground_unavailable()}")
    with Playground(bot[1], node_dir) as running:
        yield running


def has_card(activity: dict[str, Any]) -> bool:
    return any(a.get("contentType") == CARD_TYPE for a in activity.get("attachments") or [])


def test_a_message_gets_a_card_and_its_button_press_gets_the_bots_answer(
        bot: tuple[StandInBot, str], playground: Playground) -> None:
    stand_in, _ = bot
    playground.send_text("visa idé 7")
    card = playground.wait_for_reply(lambda a: has_card(a) and a.get("replyToId") is not None, timeout=15)

    message = next(r for r in stand_in.of_type("message") if r.body and r.body.get("text") == "visa idé 7")
    assert message.headers["x-ms-agents-playground"] == "true"
    assert "authorization" not in message.headers
    assert message.body is not None
    assert message.body["serviceUrl"] == f"http://localhost:{playground.port}/_connector"
    assert message.body["conversation"]["tenantId"] == PLAYGROUND_TENANT
    assert message.body["from"]["id"] == "user-id-0" and message.body["locale"] == "en-US"
    assert card["replyToId"] == message.body["id"]

    answer = playground.invoke_action("vote", {"idea": 7}, reply_to_id=card["id"], title="Rösta")

    assert answer == {"type": CARD_TYPE, "value": thanks_card()}
    invoke = playground.wait_for_activity_to_bot(lambda a: a.get("name") == "adaptiveCard/action", timeout=15)
    assert invoke.activity["replyToId"] == card["id"]
    assert invoke.activity["value"] == {"action": {"type": "Action.Execute", "title": "Rösta", "verb": "vote",
                                                   "data": {"idea": 7}}}
    assert invoke.status == 200 and invoke.answer["statusCode"] == 200


def test_opening_the_chat_probes_the_bot_with_head_before_any_activity(bot: tuple[StandInBot, str],
                                                                       playground: Playground) -> None:
    stand_in, _ = bot
    with stand_in.lock:
        first = stand_in.received[0]
        kinds = [r.body["type"] for r in stand_in.received[1:3] if r.body]
    assert first.method == "HEAD"
    assert kinds == ["installationUpdate", "conversationUpdate"]


def test_a_reply_with_text_and_a_card_becomes_two_chat_messages(playground: Playground) -> None:
    # The Playground answers such a post 202 without an id; the card's own id is on the chat stream.
    seen = {m["messageId"] for m in playground.messages}
    playground.send_text("med text")
    reply = playground.wait_for_reply(lambda a: a.get("text") == "Här är idén", timeout=15)
    assert "id" not in reply

    text = playground.wait_for_message(lambda m: m["messageId"] not in seen and m.get("text") == "Här är idén")
    card = playground.wait_for_message(lambda m: m["messageId"] not in seen and has_card(m))
    assert text["messageId"] != card["messageId"] and not card.get("text")
    answer = playground.invoke_action("vote", {"idea": 7}, reply_to_id=card["messageId"])
    assert answer["value"] == thanks_card()
