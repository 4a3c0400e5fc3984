"""The local shell: the same core as Slack and Teams, in a terminal, with nothing configured.

It reads one message per line (a prompt on a terminal, plain lines from a pipe), prints the replies and
exits at end of input. Its console can play any shell user (`:as bertil`), press any button of a reply
(`:1`), react (`:react 12 +1`) and reply in a thread (`:thread 12 …`), all through the core's own paths.
Messages the core sends to others (a stage change tells the author) go through the outbox like on every
platform; the shell's sender prints them, labelled (`[m3]`) and addressed.

`bot/shell/` is an adapter: it translates lines to core calls and replies to text, and nothing else.
"""

from __future__ import annotations

from bot.shell.console import Console, NudgeSent, SendNudge
from bot.shell.rendering import render
from bot.shell.sender import CHANNEL, ShellSender, Shown, Transcript, idea_ref, shell_platform
from bot.shell.terminal import run_shell

__all__ = ["CHANNEL", "Console", "NudgeSent", "SendNudge", "ShellSender", "Shown", "Transcript", "idea_ref", "render",
           "run_shell", "shell_platform"]
