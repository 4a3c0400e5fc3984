"""Extension points for feature modules (pilot groups, nudges) that add chat commands, enrich captures,
answer buttons, claim threads and reactions, or do bookkeeping after a message was delivered.

A feature registers at import time; the core consults the registry. This keeps `bot/core/grammar.py` and
the use cases closed to edits for every new feature.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.core.context import Context, Origin
from bot.core.replies import FormField, Reply
from storage.ideas import NewIdea
from storage.models import Comment, Idea, StageChange

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


# A submitted form that is not the idea form, by the first part of the context the form carried ("challenge-form",
# "spread-form"): handler(ctx, values, origin, context) -> Reply.
FormHandler = Callable[[Context, Mapping[str, object], Origin | None, str], Reply]
FORMS: dict[str, FormHandler] = {}

# Fields a feature adds to the form for a new idea: provider(ctx, form context) -> fields. Their submitted values
# reach the capture enrichers in `Origin.fields`.
IdeaFormFields = Callable[[Context, str], list[FormField]]
IDEA_FORM_FIELDS: list[IdeaFormFields] = []

# Called with (ctx, idea, reply) when an idea is shown: a feature adds its fields and buttons to the reply.
IdeaView = Callable[[Context, Idea, Reply], None]
IDEA_VIEWS: list[IdeaView] = []

# A reply in a thread that is not an idea's: handler(ctx, text, thread_ref, origin) -> Reply, or None if the
# thread is not theirs (pilot groups answer their nudges this way).
ThreadHandler = Callable[[Context, str, str, Origin], Reply | None]
THREAD_HANDLERS: list[ThreadHandler] = []

# A reaction (added or removed) on a message that is not an idea's: handler(ctx, message_ref, added) -> True
# when it was theirs and counted.
ReactionHandler = Callable[[Context, str, bool], bool]
REACTION_HANDLERS: list[ReactionHandler] = []

# Called once a new idea is known to be new (its dedup key unseen), before it is written: decider(ctx, new) fills in
# what a feature decides about it (the feedback promise's date and the responsible coach), so the idea is stored
# whole in one INSERT instead of being updated right after.
CaptureDecider = Callable[[Context, NewIdea], None]
CAPTURE_DECIDERS: list[CaptureDecider] = []

# After an idea was stored (or found again by its dedup key): hook(ctx, idea, reply, created) may add to the
# confirmation (the feedback promise says by when the author hears back).
CaptureHook = Callable[[Context, Idea, Reply, bool], None]
AFTER_CAPTURE: list[CaptureHook] = []

# After a comment was stored: hook(ctx, idea, comment) -> a sentence for the commenter, or None (a coach's
# comment reaches the author; an author's comment answers a coach's question).
CommentHook = Callable[[Context, Idea, Comment], str | None]
AFTER_COMMENT: list[CommentHook] = []

# Chat text that is no command and no idea (it would get the "write idé …" hint): handler(ctx, text, origin)
# -> Reply, or None if it is not theirs (an author's answer to a coach's question).
MessageHandler = Callable[[Context, str, Origin | None], Reply | None]
MESSAGE_HANDLERS: list[MessageHandler] = []

# Forms a feature opened (their `context` starts with the key, e.g. "feedback:ask:"): the submitted values
# go to handler(ctx, values, context) instead of the idea form.
FormHandler = Callable[[Context, dict[str, object], str], Reply]
FORM_HANDLERS: dict[str, FormHandler] = {}


def form_handler(context: str) -> FormHandler | None:
    return next((h for prefix, h in FORM_HANDLERS.items() if context.startswith(prefix)), None)


@dataclass(frozen=True, slots=True)
class SentMessage:
    """An outbox message the platform accepted, as after-send hooks see it."""

    key: str  # the outbox row's key, e.g. "nudge:12:dm:slack:U1"
    platform: str
    org_id: int | None
    payload: dict[str, Any]  # the Reply, as stored
    channel: str | None  # where it landed (Slack channel, Teams conversation)
    message_id: str | None  # the platform's id of the message (Slack ts, Teams activity id)


# After the dispatcher marked messages sent, in one bookkeeping transaction for the messages marked together
# (redone with a savepoint per hook and message if one fails): handler(session, sent, now). A failing hook is
# logged and never un-sends the message.
AfterSendHook = Callable[[Session, SentMessage, datetime], None]
AFTER_SEND: list[AfterSendHook] = []

# After a coach (or a manager asking for details) moved an idea, in the same transaction: handler(ctx, idea,
# change). Asking the author for consent to show their name is one (bot/core/consent.py).
StageChangeHook = Callable[[Context, Idea, StageChange], None]
STAGE_CHANGED: list[StageChangeHook] = []

# Modules that register commands, enrichers, actions or hooks when imported.
FEATURE_MODULES: list[str] = [
    "bot.core.links",  # delivered messages about an idea stand for it (votes, comments)
    "bot.core.groups",  # pilot groups, pauses, nudge answers (issue 5)
    "bot.core.feedback",  # the feedback promise, ownership, the coach's queue, questions (issue 9)
    "bot.core.statistics",  # /idé statistik: the programme's figures (issue 9)
    "bot.core.anonymity",  # /idé anonym, "Visa idégivare" (issue 10)
    "bot.core.consent",  # asking before a name is shown more widely (issue 10)
    "bot.core.challenges",  # challenges (utmaningar), shared with partners (issue 11)
    "bot.core.spreading",  # spreading implemented ideas, adoptions (issue 11)
]


def load_features() -> None:
    import importlib

    for name in FEATURE_MODULES:
        importlib.import_module(name)
