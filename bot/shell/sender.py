"""What the console has shown, and the sender that prints what the outbox addresses to shell users.

The console is one room (`CHANNEL`): a message that shows idea #12 is `idea:12` in it, a delivery from the
outbox is its outbox key, shown with a short label (`[m3]`) that `:react`, `:thread` and `:N` accept.
Labels are the console's own and start again at m1 in every process; the message refs behind them are
the outbox keys, unique and stored by the dispatcher's after-send hooks like a Slack ts or a Teams id.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import TextIO

from bot.core.delivery import Delivery, OutboundMessage
from bot.core.i18n import t
from bot.core.replies import Reply
from bot.platform import Platform
from bot.shell.rendering import render

CHANNEL = "shell"  # every message the console shows is in this one room
PLATFORM = "shell"


def idea_ref(number: int) -> str:
    """The message ref of "the message that shows idea #number" in the console."""
    return f"idea:{number}"


@dataclass(slots=True)
class Shown:
    """One message the console showed to one shell user."""

    recipient: str  # the shell user's name
    reply: Reply
    message_ref: str | None  # idea:12, an outbox key, or None (a list, an error: nothing to refer to)
    label: str | None = None  # "m3" for a delivery from the outbox


class Transcript:
    """The console's memory: the latest messages each person saw (for `:N`) and the labelled deliveries (for
    `m3`). Bounded, because a `serve` process prints deliveries to shell users too and runs for months."""

    def __init__(self, *, deliveries: int = 1000, per_person: int = 50) -> None:
        self._deliveries: OrderedDict[str, Shown] = OrderedDict()
        self._limit = deliveries
        self._per_person = per_person
        self._seen: dict[str, deque[Shown]] = {}
        self._count = 0

    def shown(self, recipient: str, reply: Reply, message_ref: str | None) -> Shown:
        """A direct reply the console printed for `recipient`."""
        return self._add(Shown(recipient, reply, message_ref))

    def delivered(self, recipient: str, reply: Reply, message_ref: str) -> Shown:
        """A message the outbox addressed to `recipient`: it gets the next label."""
        self._count += 1
        shown = self._add(Shown(recipient, reply, message_ref, label=f"m{self._count}"))
        self._deliveries[f"m{self._count}"] = shown
        while len(self._deliveries) > self._limit:
            self._deliveries.popitem(last=False)
        return shown

    def _add(self, shown: Shown) -> Shown:
        self._seen.setdefault(shown.recipient, deque(maxlen=self._per_person)).append(shown)
        return shown

    def last(self, recipient: str) -> Shown | None:
        seen = self._seen.get(recipient)
        return seen[-1] if seen else None

    def delivery(self, label: str) -> Shown | None:
        return self._deliveries.get(label.casefold())

    def latest_showing(self, recipient: str, number: int) -> Shown | None:
        """The newest message shown to `recipient` that stands for idea #number."""
        for shown in reversed(self._seen.get(recipient, ())):
            if shown.reply.idea_number == number and shown.message_ref is not None:
                return shown
        return None


class ShellSender:
    """Delivers outbox messages for shell users by printing them, labelled, addressed and with numbered buttons.

    The message id is the outbox key, so the dispatcher's after-send hooks link a delivered stage notice to
    its idea and a nudge to its delivery, exactly as they do with a Slack ts or a Teams activity id.
    """

    platform = PLATFORM

    def __init__(self, out: TextIO, transcript: Transcript | None = None) -> None:
        self.out = out
        self.transcript = transcript or Transcript()

    async def send(self, message: OutboundMessage) -> Delivery:
        shown = self.transcript.delivered(message.recipient, message.reply, message.key)
        to = t(message.reply.locale, "shell.to")
        self.out.write(f"[{shown.label}] [{to} shell:{message.recipient}] {render(message.reply, console=True)}\n\n")
        self.out.flush()
        return Delivery(message_id=message.key, channel=CHANNEL)


def shell_platform(out: TextIO, transcript: Transcript | None = None) -> Platform:
    """The shell's part of a running bot: a sender that prints what the outbox addresses to shell users.
    `state["transcript"]` is what the console needs to refer to those messages (`m3`)."""
    sender = ShellSender(out, transcript)
    return Platform(PLATFORM, sender=sender, mode="on", state={"transcript": sender.transcript})
