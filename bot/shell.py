"""The local shell: the same core as Slack and Teams, in a terminal, with nothing configured.

It reads one message per line (a prompt on a terminal, plain lines from a pipe), prints the replies and
exits at end of input. Messages the core sends to others (a stage change tells the author) go through the
outbox like on every platform; the shell's sender prints them, addressed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

from bot.core import Actor, Core
from bot.core.delivery import Delivery, OutboundMessage
from bot.core.replies import Reply, ReplyKind
from bot.platform import Platform


def render(reply: Reply) -> str:
    """Terminal text: the reply's plain text plus its buttons as hints."""
    text = reply.plain_text()
    if reply.kind == ReplyKind.OPEN_FORM and reply.form is not None:
        text += "\n" + "\n".join(f"  - {f.label}" for f in reply.form.fields)
    if reply.buttons:
        text += "\n" + "  ".join(f"[{b.label}]" for b in reply.buttons)
    for select in reply.selects:  # a choice: its options listed (pressing them is the shell's own business)
        text += f"\n{select.label}: " + " | ".join(o.label for o in select.options)
    for chart in reply.charts:  # the same figures are in the fields; a chart is a line of its points here
        text += f"\n{chart.title}: " + ", ".join(f"{p.label} {p.value:g}" for p in chart.points)
    return text


class ShellSender:
    """Delivers outbox messages for shell users by printing them."""

    platform = "shell"

    def __init__(self, out: TextIO) -> None:
        self.out = out

    async def send(self, message: OutboundMessage) -> Delivery:
        self.out.write(f"[till shell:{message.recipient}] {render(message.reply)}\n")
        self.out.flush()
        return Delivery(message_id=message.key)


def shell_platform(out: TextIO) -> Platform:
    """The shell's part of a running bot: a sender that prints what the outbox addresses to shell users."""
    return Platform("shell", sender=ShellSender(out), mode="on")


def run_shell(core: Core, user: str, lang: str, deliver: Callable[[], object], stdin: TextIO = sys.stdin,
              stdout: TextIO = sys.stdout) -> int:
    """Read lines until end of input; after each answer, `deliver()` sends what the outbox holds for shell users."""
    actor = Actor(platform="shell", user_id=user, display_name=user, locale=lang)
    interactive = stdin.isatty()
    while True:
        if interactive:
            stdout.write("idé> ")
            stdout.flush()
        line = stdin.readline()
        if not line:
            break
        line = line.rstrip("\n")
        if not line.strip():
            continue
        reply = core.handle_message(actor, line)
        stdout.write(render(reply) + "\n\n")
        stdout.flush()
        deliver()
    return 0
