"""What the outbox dispatcher needs from a platform: a sender, and the errors a sender may raise.

Adapters implement `Sender`; the scheduler's dispatcher is handed the senders at start-up. Kept in the
core so that neither side imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from bot.core.replies import Reply


@dataclass(slots=True)
class OutboundMessage:
    """One outbox row, as a sender sees it."""

    key: str  # the outbox row's unique key
    platform: str  # slack | teams | shell
    recipient_kind: str  # "user" (a person's DM) | "channel" (a channel or conversation id)
    recipient: str  # user id on the platform (no "slack:" prefix) or the channel/conversation id
    workspace: str | None  # Slack team id / Teams tenant id, when known
    reply: Reply
    thread: str | None = None  # reply in this thread/message when set
    extra: dict[str, Any] | None = None


@dataclass(slots=True)
class Delivery:
    message_id: str | None = None  # the platform's id of the sent message (Slack ts, Teams activity id)
    channel: str | None = None  # the channel/conversation the message landed in


class DeliveryError(Exception):
    """A send failed in a way worth retrying later (connection error, 5xx)."""


class RateLimited(DeliveryError):
    def __init__(self, retry_after: float, message: str = "rate limited") -> None:
        super().__init__(message)
        self.retry_after = retry_after


class OutcomeUnknown(DeliveryError):
    """The request left and no answer came (a timeout after sending, a dropped connection): the platform may
    have posted the message. The dispatcher retries such a send once, and counts it."""


class PermanentDeliveryError(DeliveryError):
    """A send that will never succeed (user blocked the bot, channel gone): dead-letter at once."""


class Sender(Protocol):
    platform: str

    async def send(self, message: OutboundMessage) -> Delivery: ...
