"""`Core`: the one entry point every adapter calls. Platform-neutral: no Slack, Teams or HTTP here."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TypeVar

from sqlmodel import Session

from bot.config import Settings
from bot.core import forms as idea_forms
from bot.core import (
    ideas,
    links,
    orgs,
    samverkan_text,  # noqa: F401 - registers the text about organisations
    views,
)
from bot.core.clock import Clock
from bot.core.context import Actor, Context, Origin
from bot.core.extensions import (
    ACTIONS,
    COMMANDS,
    FORMS,
    MESSAGE_HANDLERS,
    REACTION_HANDLERS,
    THREAD_HANDLERS,
    form_handler,
    load_features,
)
from bot.core.grammar import Command, parse, parse_idea_ref, parse_number, strip_prefix
from bot.core.i18n import language, t
from bot.core.replies import ActionId, Reply, ReplyKind
from storage import ideas as store
from storage.db import Database, is_transient
from storage.models import Idea
from storage.people import get_or_create_person
from storage.text import nfc

log = logging.getLogger(__name__)
T = TypeVar("T")
F = TypeVar("F")

# Actions whose answer is the idea as it is after the change.
SHOW_AFTER = frozenset({ActionId.SET_STAGE, ActionId.REQUEST_INFO, ActionId.TAKE_OWNERSHIP, ActionId.VOTE,
                        ActionId.HANDOVER})
# Actions whose value starts with an idea: `12`, or `aneby#12` for a partner's idea (a shared coach's buttons).
IDEA_ACTIONS = frozenset({ActionId.SHOW, ActionId.UNDO, ActionId.VOTE, ActionId.ADD_DETAILS, ActionId.SET_STAGE,
                          ActionId.REQUEST_INFO, ActionId.TAKE_OWNERSHIP, ActionId.SPREAD_OFFER, ActionId.ASK,
                          ActionId.COMMENT, ActionId.HANDOVER, ActionId.REVEAL_AUTHOR})

LOCAL_ORG = orgs.LOCAL_ORG


def org_key_for(platform: str, settings: Settings) -> str:
    """The organisation of a platform while no workspace or tenant is connected: the shell has its own, every
    Slack workspace and Teams tenant shares the configured one (see bot.core.orgs for the whole rule)."""
    return orgs.default_org_key(platform, settings)


def captures(text: str) -> bool:
    """Whether the text after `/idé` would store a new idea (`/idé <text>`, `/idé anonym <text>`), so that a
    failure can say the idea was not saved."""
    from bot.core.anonymity import anonymous_idea

    stripped = nfc(text).strip()
    if not stripped:
        return False
    first, _, rest = stripped.partition(" ")
    extension = COMMANDS.get(first.casefold())
    if extension is not None:
        return extension is anonymous_idea and bool(rest.strip())
    return parse(stripped).name == "capture"


class Core:
    """The use cases behind every platform. `clock` is the one clock of the process (see bot/app.py)."""

    def __init__(self, db: Database, settings: Settings, clock: Clock) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        # Told once a transaction committed: (event, platform), e.g. ("captured", "teams") for /metrics.
        self.observers: list[Callable[[str, str], None]] = []
        load_features()

    # -- plumbing ---------------------------------------------------------------------------------------

    def default_lang(self, actor: Actor | None = None) -> str:
        return language(actor.locale if actor else None, language(self.settings.default_locale))

    @contextmanager
    def context(self, actor: Actor, *, forms: bool = False) -> Iterator[Context]:
        """One request's transaction in the organisation of its workspace or tenant (bot.core.orgs.resolve).
        Raises orgs.Unconnected, before anything is written, for a workspace connected to no organisation."""
        now = self.clock.now()
        with self.db.session() as session:
            org = orgs.resolve(session, actor, self.settings, now=now)
            if org is None:
                raise orgs.Unconnected(actor.platform, actor.workspace)
            person = get_or_create_person(session, org, actor.platform, actor.user_id, workspace=actor.workspace,
                                          display_name=actor.display_name, locale=actor.locale,
                                          timezone=actor.timezone, now=now)
            if person.org_id != org.id:  # a person belongs to the organisation of the workspace they write from
                person.org_id = org.id  # type: ignore[assignment]
                session.add(person)
            lang = language(actor.locale or person.locale, language(org.locale or self.settings.default_locale))
            yield Context(session, org, person, lang, self.settings.max_idea_length, now, forms,
                          org.timezone or self.settings.timezone, home=org,
                          headcount=self.settings.headcount)

    def serves(self, actor: Actor, *, connected_only: bool = False) -> bool:
        """Whether the workspace or tenant the actor writes from belongs to an organisation (reads only): an
        adapter asks before it keeps anything of its own about a request (Teams' conversation references).
        `connected_only`: by a connection of its own, not by the single-organisation fallback."""
        return self._session(lambda session: orgs.is_served(session, actor, connected_only=connected_only),
                             not connected_only, actor.platform)

    def _unconnected(self, actor: Actor, error: orgs.Unconnected) -> Reply:
        log.warning("request from a %s workspace connected to no organisation: %s", error.platform, error.workspace,
                    extra={"platform": error.platform, "workspace": error.workspace})
        lang = self.default_lang(actor)
        return Reply(ReplyKind.ERROR, t(lang, "org.unconnected"), locale=lang)

    def _attempt(self, run: Callable[[], T], failed: Callable[[], F], platform: str) -> T | F:
        """The one error path of every public method: a transient database failure (deadlock, lock timeout)
        rolls back and tries again, twice; any other failure is logged and answered by `failed()`."""
        for attempt in range(3):
            try:
                return run()
            except Exception as exc:
                if attempt < 2 and is_transient(exc):
                    log.warning("transient database failure, trying again: %s", exc)
                    continue
                log.exception("core request failed", extra={"platform": platform})
                break
        return failed()

    def _run(self, actor: Actor, work: Callable[[Context], T], *, forms: bool = False,
             captures: bool = False) -> T | Reply:
        """Run a use case in one transaction; any failure becomes a polite reply, never a traceback in chat.

        The failure reply says what is true: the transaction was rolled back, so nothing was saved — for a
        request that would have captured an idea (`captures`), that the idea was not saved and to try again.
        """

        def run() -> T | Reply:
            try:
                with self.context(actor, forms=forms) as ctx:
                    result = work(ctx)
            except orgs.Unconnected as error:  # nothing was written: say so, politely
                return self._unconnected(actor, error)
            for event in ctx.events:  # committed: now it happened (a failing observer must not say otherwise)
                for observer in self.observers:
                    try:
                        observer(event, actor.platform)
                    except Exception:
                        log.exception("an observer of %s failed", event)
            return result

        def failed() -> Reply:
            lang = self.default_lang(actor)
            return Reply(ReplyKind.ERROR, t(lang, "error.not_saved" if captures else "error.internal"), locale=lang)

        return self._attempt(run, failed, actor.platform)

    def _session(self, work: Callable[[Session], T], failed: T, platform: str = "") -> T:
        """A transaction without a person (event bookkeeping), through the same error path."""

        def run() -> T:
            with self.db.session() as session:
                return work(session)

        return self._attempt(run, lambda: failed, platform)

    # -- text -------------------------------------------------------------------------------------------

    def handle_command(self, actor: Actor, text: str, origin: Origin | None = None, *, forms: bool = False) -> Reply:
        """The text after `/idé`."""
        return self._run(actor, lambda ctx: self._command(ctx, text, origin), forms=forms, captures=captures(text))

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

        rest = strip_prefix(text)
        return self._run(actor, work, forms=forms, captures=not thread_ref and rest is not None and captures(rest))

    def _in_thread(self, ctx: Context, text: str, thread_ref: str, origin: Origin) -> Reply | None:
        idea = store.idea_for_message(ctx.session, ctx.person.platform, origin.channel or "", thread_ref)
        if idea is not None:
            target = self._idea_context(ctx, idea)
            if target is None:
                return None  # another organisation's idea, for someone with no part in it: not a comment
            return self._label(target, ideas.comment(target, idea.number, text, origin))
        for handler in THREAD_HANDLERS:
            reply = handler(ctx, text, thread_ref, origin)
            if reply is not None:
                return reply
        return None

    def _command(self, ctx: Context, text: str, origin: Origin | None, *, capture: bool = True) -> Reply:
        ctx.origin, ctx.may_capture = origin, capture
        stripped = nfc(text).strip()
        extension = COMMANDS.get(stripped.split(maxsplit=1)[0].casefold()) if stripped else None
        reply: Reply | None = None
        if extension is not None:
            reply = extension(ctx, stripped.split(maxsplit=1)[1] if " " in stripped else "")
            command = Command("capture", stripped)
        else:
            command = parse(text)
        if not capture and reply is None and command.name in ("capture", "guided"):
            for handler in MESSAGE_HANDLERS:  # e.g. the author's answer to a coach's question
                answered = handler(ctx, stripped, origin)
                if answered is not None:
                    return answered
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
                return self._on_idea(ctx, cmd.org, cmd.number or 0, ideas.show)
            case "status":
                return self._on_idea(ctx, cmd.org, cmd.number or 0, lambda c, n: ideas.set_stage(
                    c, n, cmd.stage, cmd.text, stage_word=cmd.stage_word))
            case "undo":
                return self._on_idea(ctx, cmd.org, cmd.number or 0, ideas.withdraw)
            case "usage":
                return Reply(ReplyKind.HELP, t(ctx.lang, f"usage.{cmd.extra['usage']}"), locale=ctx.lang)
            case _:
                return self._help(ctx)

    # -- ideas of other organisations --------------------------------------------------------------------------

    def _on_idea(self, ctx: Context, written_org: str | None, number: int, use: Callable[[Context, int], Reply]
                 ) -> Reply:
        """Run `use` on idea `number` of the organisation as written (`aneby#12`), or of the request's own."""
        target = ctx if written_org is None else orgs.partner_context(ctx, written_org)
        if target is None:  # an organisation that does not exist or is none of theirs: as for an unknown number
            return views.error(ctx.lang, "error.unknown_ref", ref=f"{written_org}#{number}")
        return self._label(target, use(target, number))

    def _idea_context(self, ctx: Context, idea: Idea) -> Context | None:
        """The context to act on a stored idea in: the request's own, or a partner's the person has a role in."""
        if idea.org_id == ctx.org.id:
            return ctx
        org = next((o for o in orgs.served(ctx.session, ctx) if o.id == idea.org_id), None)
        return orgs.acting_in(ctx, org) if org is not None else None

    def _label(self, ctx: Context, reply: Reply) -> Reply:
        """An answer about one idea, with its organisation beside the number when that could be ambiguous: always
        for a partner's idea (whose buttons then name it), and for the person's own organisation's ideas when they
        work on several organisations' ideas."""
        foreign = ctx.org.id != ctx.home_org.id
        if reply.idea_number is None and not reply.ideas:
            return reply
        if foreign:
            reply.idea_org = ctx.org.key
            return orgs.labelled(reply, ctx.org, qualify_buttons=True)
        if orgs.serves_several(ctx):
            return orgs.labelled(reply, ctx.org, qualify_buttons=False)
        return reply

    def _action_target(self, ctx: Context, action_id: str, value: str) -> tuple[Context | None, str]:
        """For a button on an idea: the context its value names (`aneby#12:pilot`) and the value without the
        organisation (`12:pilot`)."""
        if action_id not in IDEA_ACTIONS or not value:
            return ctx, value
        head, sep, tail = value.partition(":")
        parsed = parse_idea_ref(head)
        if parsed is None or parsed[0] is None:
            return ctx, value
        written, number = parsed
        return orgs.partner_context(ctx, written), f"{number}{sep}{tail}"

    def _help(self, ctx: Context) -> Reply:
        return Reply(ReplyKind.HELP, t(ctx.lang, "help.text", stages=views.stage_names(ctx.lang)),
                     title=t(ctx.lang, "help.title"), locale=ctx.lang)

    # -- buttons and forms ------------------------------------------------------------------------------

    def handle_action(self, actor: Actor, action_id: str, value: str, origin: Origin | None = None) -> Reply:
        """A button. An action that changes an idea answers with the idea as it is now (what happened in
        `notice`), in the action's own transaction, the same on every platform."""

        if action_id == ActionId.MENU:  # one choice in a menu of actions: "<action id>|<value>"
            action_id, _, value = value.partition("|")
            if action_id == ActionId.MENU:
                action_id = ""

        def work(ctx: Context) -> Reply:
            ctx.origin = origin
            target, plain_value = self._action_target(ctx, action_id, value)
            if target is None:
                return views.error(ctx.lang, "error.unknown_ref", ref=value.split(":", 1)[0])
            reply = self._action(target, action_id, plain_value)
            if action_id in SHOW_AFTER and reply.kind is ReplyKind.INFO and reply.idea_number is not None:
                shown = ideas.show(target, reply.idea_number)
                if shown.kind is ReplyKind.IDEA:
                    shown.notice = reply.text
                    reply = shown
            return self._label(target, reply) if action_id in IDEA_ACTIONS else reply

        return self._run(actor, work, forms=True)

    def _action(self, ctx: Context, action_id: str, value: str) -> Reply:
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
                return ideas.recent(ctx, orgs.served(ctx.session, ctx, ("coach", "admin", "manager")))
        handler = ACTIONS.get(action_id)
        reply = handler(ctx, action_id, value) if handler else None
        return reply or views.error(ctx.lang, "error.not_allowed")

    def open_form(self, actor: Actor, idea_number: int | None = None, context: str = "") -> Reply:
        return self._run(actor, lambda ctx: idea_forms.open_form(ctx, idea_number, context), forms=True)

    def submit_form(self, actor: Actor, values: Mapping[str, object], origin: Origin | None = None, *,
                    idea_number: int | None = None, context: str = "") -> Reply:
        """A submitted form: the idea form, or a feature's form (a question to the author, a reason for declining,
        the challenge form, the spreading form), told apart by the context the form carried."""

        def work(ctx: Context) -> Reply:
            own = form_handler(context)
            if own is not None:  # FORM_HANDLERS: one-field forms, by context prefix
                return own(ctx, dict(values), context)
            handler = FORMS.get(context.split(":", 1)[0]) if context and idea_number is None else None
            if handler is not None:
                return handler(ctx, values, origin, context)
            return idea_forms.submit_form(ctx, values, origin, idea_number=idea_number, context=context)

        idea_form = idea_number is None and form_handler(context) is None and not (
            context and context.split(":", 1)[0] in FORMS)
        return self._run(actor, work, forms=True, captures=idea_form)

    # -- votes, comments, views ---------------------------------------------------------------------------

    def vote(self, actor: Actor, number: int) -> Reply:
        return self._run(actor, lambda ctx: ideas.vote(ctx, number))

    def react(self, actor: Actor, channel: str, message_ref: str, *, added: bool = True) -> bool:
        """A :+1: / like added or removed on a message: a vote on an idea's message (taken back when removed),
        or whatever a feature makes of its own messages (engagement with a nudge). True when it counted."""

        def work(ctx: Context) -> bool:
            idea = store.idea_for_message(ctx.session, actor.platform, channel, message_ref)
            if idea is not None:
                target = self._idea_context(ctx, idea)
                if target is None:  # another organisation's idea (a shared channel): no vote crosses over
                    return False
                if added:
                    return ideas.cast_vote(target, idea) == "voted"
                return store.remove_vote(ctx.session, idea, ctx.person)
            return any(handler(ctx, message_ref, added) for handler in REACTION_HANDLERS)

        result = self._run(actor, work)
        return result is True

    def comment(self, actor: Actor, number: int, text: str, origin: Origin | None = None) -> Reply:
        return self._run(actor, lambda ctx: ideas.comment(ctx, number, text, origin))

    def home(self, actor: Actor) -> list[Reply]:
        """The App Home / personal tab: own ideas, and for coaches their queue (bot.core.feedback)."""
        from bot.core.feedback import queue

        def work(ctx: Context) -> list[Reply]:
            sections = [ideas.own_ideas(ctx)]
            if orgs.served(ctx.session, ctx, ("coach", "admin")):
                sections.append(queue(ctx))  # every organisation the coach serves, each line labelled
            return sections

        result = self._run(actor, work)
        return [result] if isinstance(result, Reply) else result

    def remember(self, actor: Actor, reply: Reply, channel: str | None, message_ref: str | None) -> bool:
        """An adapter posted `reply` as message `message_ref` in `channel`: if the reply shows an idea, that
        message stands for it from now on (a reaction is a vote, a thread reply a comment)."""

        def work(ctx: Context) -> bool:
            org_id = ctx.org.id
            if reply.idea_org:  # a partner's idea shown to a shared coach
                target = orgs.partner_context(ctx, reply.idea_org)
                if target is None:
                    return False
                org_id = target.org.id
            return links.remember(ctx.session, org_id, actor.platform, reply.kind, reply.idea_number, channel,
                                  message_ref, now=ctx.now)

        return self._run(actor, work) is True

    def idea_for_message(self, actor: Actor, channel: str, message_ref: str) -> int | None:
        """The number of the idea a message stands for, if any."""

        def work(session: Session) -> int | None:
            idea = store.idea_for_message(session, actor.platform, channel, message_ref)
            return idea.number if idea else None

        return self._session(work, None, actor.platform)

    def first_time(self, key: str) -> bool:
        """Record an inbound event id; False when it was seen before (a platform's retry). When the database
        cannot say, True: answering a retry twice is better than never answering at all."""
        return self._session(lambda session: store.first_time(session, key, now=self.clock.now()), True)
