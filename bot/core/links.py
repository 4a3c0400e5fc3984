"""Which platform messages stand for an idea: the one place message-to-idea links are written.

A message that shows an idea — the person's own message it was captured from, the bot's answer to a
capture, an idea card, a notification about the idea — stands for it on every platform: a reaction on it
is a vote, a reply in its thread a comment. Adapters report the messages they posted (`Core.remember`),
the dispatcher reports what it delivered (an after-send hook registered below), capture links the source
message; all of them end here.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.core.extensions import AFTER_SEND, SentMessage
from bot.core.replies import ReplyKind
from storage import ideas as store
from storage.models import Idea

# Replies whose message shows one idea. A list or an error mentions ideas but stands for none.
STANDS_FOR_IDEA = frozenset({ReplyKind.CAPTURED, ReplyKind.IDEA, ReplyKind.NOTIFICATION})


def link(session: Session, idea: Idea, platform: str, channel: str, message_ref: str, *, now: datetime) -> None:
    store.link_message(session, idea, platform, channel, message_ref, now=now)


def remember(session: Session, org_id: int, platform: str, kind: str, idea_number: int | None, channel: str | None,
             message_ref: str | None, *, now: datetime) -> bool:
    """Link a posted message to the idea its reply showed; False when the reply stands for no idea."""
    if idea_number is None or not channel or not message_ref or kind not in STANDS_FOR_IDEA:
        return False
    idea = store.get_idea(session, org_id, int(idea_number))
    if idea is None:
        return False
    link(session, idea, platform, channel, message_ref, now=now)
    return True


def _delivered(session: Session, sent: SentMessage, now: datetime) -> None:
    if sent.org_id is None:
        return
    remember(session, sent.org_id, sent.platform, str(sent.payload.get("kind") or ""), sent.payload.get("idea_number"),
             sent.channel, sent.message_id, now=now)


AFTER_SEND.append(_delivered)
