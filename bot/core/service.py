"""`Core`: the one entry point every adapter calls. Platform-neutral: no Slack, Teams or HTTP here."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TypeVar

from bot.config import Settings
from bot.core import forms as idea_forms
from bot.core import ideas, views
from bot.core.context import Actor, Context, Origin
from bot.core.extensions import ACTIONS, COMMANDS, REACTION_HANDLERS, THREAD_HANDLERS, load_features
from bot.core.grammar import Command, nfc, parse, parse_number, strip_prefix
from bot.core.i18n import language, t
from bot.core.replies import ActionId, Reply, ReplyKind
from storage import ideas as store
from storage.db import Database, is_transient
from storage.people import get_or_create_org, get_or_create_person

log = logging.getLogger(__name__)
T = TypeVar("T")

LOCAL_ORG = "local"


def org_key_for(platform: str, settings: Settings) -> str:
    """The shell has its own organisation; every Slack workspace and Teams tenant shares the configured one."""
    return LOCAL_ORG if platform == "shell" else settings.organisation


class Core:
    def __init__(self, db: Database, settings: Settings | None = None) -> None:
        self.db = db
        self.settings = settings or Settings()
        load_features()

    @classmethod
    def from_settings(cls, settings: Settings) -> Core:
        return cls(Database(settings.database_url), settings)

    # -- plumbing ---------------------------------------------------------------------------------------

    def org_key(self, actor: Actor) -> str:
        return org_key_for(actor.platform, self.settings)

    @contextmanager
    def context(self, actor: Actor, *, forms: bool = False) -> Iterator[Context]:
        with self.db.session() as session:
            org = get_or_create_org(session, self.org_key(actor), self.settings.organisation_name or None)
            person = get_or_create_person(session, org, actor.platform, actor.user_id, workspace=actor.workspace,
                                          display_name=actor.display_name, locale=actor.locale,
                                          timezone=actor.timezone)
            lang = language(actor.locale or person.locale, language(self.settings.default_locale))
            yield Context(session, org, person, lang, self.settings.max_idea_length, forms, self.settings.timezone)

    def _run(self, actor: Actor, work: Callable[[Context], T], *, forms: bool = False) -> T | Reply:
        """Run a use case in one transaction; any failure becomes a polite reply, never a traceback in chat.

        A transient database failure (deadlock, lock timeout) rolls back and tries again, twice.
        """
        for attempt in range(3):
            try:
                with self.context(actor, forms=forms) as ctx:
                    return work(ctx)
            except Exception as exc:
                if attempt < 2 and is_transient(exc):
                    log.warning("transient database failure, trying again: %s", exc)
                    continue
                log.exception("core request failed", extra={"platform": actor.platform})
                break
        lang = language(actor.locale, language(self.settings.default_locale))
        return Reply(ReplyKind.ERROR, t(lang, "error.internal"), locale=lang)

    # -- text -------------------------------------------------------------------------------------------

    def handle_command(self, actor: Actor, text: str, origin: Origin | None = None, *, forms: bool = False) -> Reply:
        """The text after `/idé`."""
        return self._run(actor, lambda ctx: self._command(ctx, text, origin), forms=forms)

    def handle_message(self, actor: Actor, text: str, origin: Origin | None = None, *, forms: bool = False,
                       thread_ref: str | None = None) -> Reply:
        """A chat message: `idé …` or `/idé …`, an answer to a guided question, or anything else (help).

        In a thread (`thread_ref`: the thread's root message, in `origin.channel`) a reply under an idea's
        message is a comment on it, and a feature may claim its own threads (a nudge's: an answer to it).
        """

        def work(ctx: Context) -> Reply:
            if thread_ref:
                reply = self._in_thread(ctx, text, thread_ref, origin or Origin())
                if reply is not None:
                    return reply
            rest = strip_prefix(text)
            if rest is not None:
                return self._command(ctx, rest, origin)
            if idea_forms.has_guided(ctx):
                return idea_forms.answer_guided(ctx, text, origin)
            # In a conversation with the bot, "lista" or "visa 12" needs no prefix; anything that would
            # be captured does (so "hej" is not stored as an idea), and gets a hint instead.
            return self._command(ctx, text, origin, capture=False)

        return self._run(actor, work, forms=forms)

    def _in_thread(self, ctx: Context, text: str, thread_ref: str, origin: Origin) -> Reply | None:
        idea = store.idea_for_message(ctx.session, ctx.person.platform, origin.channel or "", thread_ref)
        if idea is not None:
            return ideas.comment(ctx, idea.number, text, origin)
        for handler in THREAD_HANDLERS:
            reply = handler(ctx, text, thread_ref, origin)
            if reply is not None:
                return reply
        return None

    def _command(self, ctx: Context, text: str, origin: Origin | None, *, capture: bool = True) -> Reply:
        stripped = nfc(text).strip()
        extension = COMMANDS.get(stripped.split(maxsplit=1)[0].casefold()) if stripped else None
        reply: Reply | None = None
        if extension is not None:
            reply = extension(ctx, stripped.split(maxsplit=1)[1] if " " in stripped else "")
            command = Command("capture", stripped)
        else:
            command = parse(text)
        if not capture and reply is None and command.name in ("capture", "guided"):
            return Reply(ReplyKind.HELP, t(ctx.lang, "hint.text"), title=t(ctx.lang, "hint.title"), locale=ctx.lang)
        if idea_forms.has_guided(ctx):
            idea_forms.cancel_guided(ctx)  # an explicit command means the person moved on
        return reply if reply is not None else self._dispatch(ctx, command, origin)

    def _dispatch(self, ctx: Context, cmd: Command, origin: Origin | None) -> Reply:
        match cmd.name:
            case "capture":
                return ideas.capture(ctx, cmd.text, origin)
            case "guided":
                return idea_forms.open_form(ctx) if ctx.forms else idea_forms.start_guided(ctx)
            case "list":
                return ideas.own_ideas(ctx)
            case "search":
                return ideas.search(ctx, cmd.text)
            case "show":
                return ideas.show(ctx, cmd.number or 0)
            case "status":
                return ideas.set_stage(ctx, cmd.number or 0, cmd.stage, cmd.text, stage_word=cmd.stage_word)
            case "undo":
                return ideas.withdraw(ctx, cmd.number or 0)
            case "usage":
                return Reply(ReplyKind.HELP, t(ctx.lang, f"usage.{cmd.extra['usage']}"), locale=ctx.lang)
            case _:
                return self._help(ctx)

    def _help(self, ctx: Context) -> Reply:
        return Reply(ReplyKind.HELP, t(ctx.lang, "help.text", stages=views.stage_names(ctx.lang)),
                     title=t(ctx.lang, "help.title"), locale=ctx.lang)

    # -- buttons and forms ------------------------------------------------------------------------------

    def handle_action(self, actor: Actor, action_id: str, value: str, origin: Origin | None = None) -> Reply:
        def work(ctx: Context) -> Reply:
            number = parse_number(value.split(":", 1)[0]) if value else None
            match action_id:
                case ActionId.SHOW:
                    return ideas.show(ctx, number or 0)
                case ActionId.UNDO:
                    return ideas.withdraw(ctx, number or 0)
                case ActionId.VOTE:
                    return ideas.vote(ctx, number or 0)
                case ActionId.ADD_DETAILS:
                    return idea_forms.open_form(ctx, number)
                case ActionId.NEW_IDEA:
                    return idea_forms.open_form(ctx, context=value)
                case ActionId.SET_STAGE:
                    stage = value.split(":", 1)[1] if ":" in value else None
                    return ideas.set_stage(ctx, number or 0, stage)
                case ActionId.REQUEST_INFO:
                    return ideas.request_info(ctx, number or 0)
                case ActionId.TAKE_OWNERSHIP:
                    return ideas.take_ownership(ctx, number or 0)
                case ActionId.LIST_ALL:
                    return ideas.recent(ctx)
            handler = ACTIONS.get(action_id)
            reply = handler(ctx, action_id, value) if handler else None
            return reply or views.error(ctx.lang, "error.not_allowed")

        return self._run(actor, work, forms=True)

    def open_form(self, actor: Actor, idea_number: int | None = None, context: str = "") -> Reply:
        return self._run(actor, lambda ctx: idea_forms.open_form(ctx, idea_number, context), forms=True)

    def submit_form(self, actor: Actor, values: Mapping[str, object], origin: Origin | None = None, *,
                    idea_number: int | None = None, context: str = "") -> Reply:
        return self._run(actor, lambda ctx: idea_forms.submit_form(ctx, values, origin, idea_number=idea_number,
                                                              context=context), forms=True)

    # -- votes, comments, views ---------------------------------------------------------------------------

    def vote(self, actor: Actor, number: int) -> Reply:
        return self._run(actor, lambda ctx: ideas.vote(ctx, number))

    def unvote(self, actor: Actor, number: int) -> Reply:
        """A removed reaction or an un-like takes the vote back."""
        return self._run(actor, lambda ctx: ideas.unvote(ctx, number))

    def react(self, actor: Actor, channel: str, message_ref: str, *, added: bool = True) -> bool:
        """A :+1: / like added or removed on a message: a vote on an idea's message (taken back when removed),
        or whatever a feature makes of its own messages (engagement with a nudge). True when it counted."""

        def work(ctx: Context) -> bool:
            idea = store.idea_for_message(ctx.session, actor.platform, channel, message_ref)
            if idea is not None:
                if added:
                    return ideas.cast_vote(ctx, idea) == "voted"
                return store.remove_vote(ctx.session, idea, ctx.person)
            return any(handler(ctx, message_ref, added) for handler in REACTION_HANDLERS)

        result = self._run(actor, work)
        return result is True

    def comment(self, actor: Actor, number: int, text: str, origin: Origin | None = None) -> Reply:
        return self._run(actor, lambda ctx: ideas.comment(ctx, number, text, origin))

    def home(self, actor: Actor) -> list[Reply]:
        """The App Home / personal tab: own ideas, and for coaches the ideas waiting for feedback."""

        def work(ctx: Context) -> list[Reply]:
            sections = [ideas.own_ideas(ctx)]
            if ideas.is_coach(ctx):
                sections.append(ideas.waiting(ctx))
            return sections

        result = self._run(actor, work)
        return [result] if isinstance(result, Reply) else result

    def link_message(self, actor: Actor, number: int, channel: str, message_ref: str) -> None:
        with self.context(actor) as ctx:
            idea = store.get_idea(ctx.session, ctx.org.id, number)
            if idea is not None:
                store.link_message(ctx.session, idea, actor.platform, channel, message_ref)

    def idea_for_message(self, actor: Actor, channel: str, message_ref: str) -> int | None:
        with self.db.session() as session:
            idea = store.idea_for_message(session, actor.platform, channel, message_ref)
            return idea.number if idea else None

    def first_time(self, key: str) -> bool:
        """Record an inbound event id; False when it was seen before (a platform's retry)."""
        with self.db.session() as session:
            return store.first_time(session, key)
