"""Extension points for feature modules (pilot groups, nudges) that add chat commands or enrich captures.

A feature registers at import time; the core consults the registry. This keeps `bot/core/grammar.py` and
the use cases closed to edits for every new feature.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.core.context import Context, Origin
from bot.core.replies import Reply

# word (casefolded, NFC) -> handler(ctx, rest of the text) -> Reply, or None to capture the text as an idea
CommandHandler = Callable[[Context, str], Reply | None]
COMMANDS: dict[str, CommandHandler] = {}

# Called before an idea is stored; may return an Origin with group/nudge filled in.
CaptureEnricher = Callable[[Context, Origin], Origin]
CAPTURE_ENRICHERS: list[CaptureEnricher] = []

# Called with (ctx, action_id, value) for action ids the core does not know; return None if not yours.
ActionHandler = Callable[[Context, str, str], Reply | None]
ACTIONS: dict[str, ActionHandler] = {}


def command(*words: str) -> Callable[[CommandHandler], CommandHandler]:
    def decorate(handler: CommandHandler) -> CommandHandler:
        for word in words:
            COMMANDS[word.casefold()] = handler
        return handler

    return decorate


# A reply in a thread that is not an idea's: handler(ctx, text, thread_ref, origin) -> Reply, or None if the
# thread is not theirs (pilot groups answer their nudges this way).
ThreadHandler = Callable[[Context, str, str, Origin], Reply | None]
THREAD_HANDLERS: list[ThreadHandler] = []

# A reaction (added or removed) on a message that is not an idea's: handler(ctx, message_ref, added) -> True
# when it was theirs and counted.
ReactionHandler = Callable[[Context, str, bool], bool]
REACTION_HANDLERS: list[ReactionHandler] = []

# Modules that register commands, enrichers or actions when imported (e.g. "bot.core.groups").
FEATURE_MODULES: list[str] = []
FEATURE_MODULES.append("bot.core.groups")  # pilot groups, pauses, nudge answers (issue 5)


def load_features() -> None:
    import importlib

    for name in FEATURE_MODULES:
        importlib.import_module(name)
