"""The console on a terminal or a pipe: a prompt per line on a terminal, plain lines from a pipe, until the end
of input. An open form asks its fields as prompts; from a pipe the questions are printed, one per line, so the
transcript reads like the conversation it was."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

from bot.core import Core
from bot.shell.console import Console, SendNudge
from bot.shell.sender import Transcript


def run_shell(core: Core, user: str, lang: str, deliver: Callable[[], object], stdin: TextIO = sys.stdin,
              stdout: TextIO = sys.stdout, *, transcript: Transcript | None = None,
              send_nudge: SendNudge | None = None) -> int:
    """Read lines until end of input; after each answer, `deliver()` sends what the outbox holds for shell users.

    `transcript` is the shell sender's (the runtime's shell platform), so that `:react m3` finds the message
    the sender printed as `[m3]`; `send_nudge` lets `:nudge GROUP` send a pilot group's question.
    """
    console = Console(core, user, lang, out=stdout, transcript=transcript, deliver=deliver, send_nudge=send_nudge)
    interactive = stdin.isatty()
    try:
        while True:
            if interactive:
                stdout.write(console.prompt())
                stdout.flush()
            elif console.form is not None:
                stdout.write(console.prompt().rstrip() + "\n")
            line = stdin.readline()
            if not line:
                break
            console.line(line)
    except KeyboardInterrupt:  # Ctrl-C on a terminal: leave quietly, like Ctrl-D
        stdout.write("\n")
        return 130
    finally:
        if console.form is not None:  # the input ended in the middle of a form: say that nothing was kept
            console.cancel_form()
    if interactive:
        stdout.write("\n")
    return 0
