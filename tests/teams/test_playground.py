"""idesluss in Microsoft's real Agents Playground (the pinned npm package), through `serve --teams-local`.

The issue's "done when": `idé Bättre cykelparkering` gets the numbered confirmation card back in the
Playground, and a button on it works. Skipped, with the reason, where node or the pinned Playground is not
installed; tests/teams/test_local.py covers the same path with a stand-in then.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import select

from bot.web.app import create_app
from storage.models import Idea
from tests.conftest import serving

from .playground import Playground, playground_available, playground_unavailable
from .standins import ServerThread

pytestmark = pytest.mark.skipif(playground_available() is None, reason=playground_unavailable() or "")


@pytest.fixture
def local_bot(settings, clock, db) -> Iterator[str]:  # type: ignore[no-untyped-def]
    server = ServerThread(create_app(serving(settings, clock, db, teams_local=True))).start()
    yield f"{server.url}/api/messages"
    server.stop()


def _card(activity: dict[str, Any]) -> dict[str, Any] | None:
    for attachment in activity.get("attachments") or []:
        if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
            return attachment["content"]
    return None


def _has(text: str) -> Any:
    return lambda activity: _card(activity) is not None and text in json.dumps(_card(activity), ensure_ascii=False)


def test_an_idea_typed_in_the_playground_gets_its_numbered_card_and_a_button_on_it_works(local_bot, db):
    node_dir = playground_available()
    assert node_dir is not None
    with Playground(local_bot, node_dir) as playground:
        playground.send_text("idé Bättre cykelparkering")
        confirmation = playground.wait_for_reply(_has("#1"), timeout=15)
        card = _card(confirmation)
        assert card is not None and "Bättre cykelparkering" in json.dumps(card, ensure_ascii=False)
        show = next(a for a in card["actions"] if a.get("verb") == "idea.show")

        answer = playground.invoke_action(show["verb"], show["data"], reply_to_id=confirmation["id"],
                                          title=show["title"])

    assert answer["type"] == "application/vnd.microsoft.card.adaptive"
    shown = json.dumps(answer["value"], ensure_ascii=False)
    assert "#1" in shown and "Bättre cykelparkering" in shown
    with db.session() as session:
        assert [(i.number, i.title, i.source) for i in session.exec(select(Idea)).all()] == [
            (1, "Bättre cykelparkering", "teams")]
