"""The console: any shell user, any button, any reaction, any thread (errbot's text backend is the model).

Every verb goes through the core exactly as the platforms' adapters do: a line is `Core.handle_message`, a
button `Core.handle_action`, a reaction `Core.react`, a thread reply `handle_message(thread_ref=…)`, a form
`Core.submit_form`, and every reply that shows an idea is reported with `Core.remember`, so a reaction or a
thread reply on it means what it means in Slack and Teams. The tests' `ShellUser` drives this same class.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TextIO

from bot.core import Actor, Core
from bot.core.context import Origin
from bot.core.grammar import parse_number
from bot.core.i18n import language, t
from bot.core.replies import Reply, ReplyKind, Select
from bot.shell.forms import FormFilling
from bot.shell.rendering import controls, render, shell_help
from bot.shell.sender import CHANNEL, PLATFORM, Shown, Transcript, idea_ref

log = logging.getLogger(__name__)

# `:3`, `:react 12 +1`, `:as bertil`: a colon and a letter or digit. ":-)" is not a verb, it is a message.
VERB = re.compile(r"^:(\w+(?:\.\d+)?)(?:\s+(.*))?$", re.DOTALL)
CHOICE = re.compile(r"^(\d+)\.(\d+)$")
LABEL = re.compile(r"^m\d+$", re.IGNORECASE)
ADD = frozenset({"+1", "+", "👍"})
REMOVE = frozenset({"-1", "-"})
HELP = frozenset({"hjälp", "help", "h"})
CANCEL = frozenset({"avbryt", "cancel"})


@dataclass(slots=True)
class NudgeSent:
    """What `:nudge GROUP` did (the command line hands the console the sending; the shell imports no scheduler)."""

    enqueued: int
    skipped: int


# group name -> what was sent, or None when the shell's organisation has no such group
SendNudge = Callable[[str], NudgeSent | None]


@dataclass(slots=True)
class Target:
    """A message a verb refers to: `12` (the message that shows idea #12) or `m3` (a delivery)."""

    name: str  # as the person reads it: "#12" or "m3"
    message_ref: str
    idea_number: int | None = None
    shown: Shown | None = None


class Console:
    """One terminal, many shell users: whoever `:as` made current types the next line. What it prints goes
    to `out`; the deliveries the shell's sender printed are in `transcript`, shared with that sender."""

    def __init__(self, core: Core, user: str, lang: str = "sv", *, out: TextIO,
                 transcript: Transcript | None = None, deliver: Callable[[], object] | None = None,
                 send_nudge: SendNudge | None = None) -> None:
        self.core = core
        self.out = out
        self.transcript = transcript or Transcript()
        self.deliver = deliver
        self.send_nudge = send_nudge
        self.default_lang = language(lang)
        self.people: dict[str, Actor] = {}
        self.forms: dict[str, FormFilling] = {}
        self.actor = self._person(user)

    # -- who is typing ----------------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self.actor.user_id

    @property
    def lang(self) -> str:
        return language(self.actor.locale, self.default_lang)

    @property
    def form(self) -> FormFilling | None:
        """The current person's open form, if any: their next lines answer it."""
        return self.forms.get(self.name)

    def prompt(self) -> str:
        form = self.form
        return form.question() if form is not None else t(self.lang, "shell.prompt", name=self.name)

    def _person(self, name: str, lang: str | None = None) -> Actor:
        known = self.people.get(name)
        if known is None or (lang and lang != known.locale):
            known = Actor(platform=PLATFORM, user_id=name, display_name=name, locale=lang or
                          (known.locale if known else self.default_lang))
            self.people[name] = known
        return known

    # -- one typed line ---------------------------------------------------------------------------------

    def line(self, text: str) -> Reply | None:
        """One line as typed: a verb, an answer to the open form, or a message to the bot."""
        text = text.rstrip("\r\n")
        verb = VERB.match(text.strip())
        name, args = (verb.group(1).casefold(), (verb.group(2) or "").strip()) if verb else ("", "")
        if self.form is not None:
            if name in CANCEL:
                return self.cancel_form()
            if name == "as" or name in HELP:
                return self._verb(name, args)
            if verb:
                return self._note("shell.form.busy", ReplyKind.ERROR)
            return self._answer(text)
        if not text.strip():
            return None
        if verb:
            return self._verb(name, args)
        return self.say(text)

    def _verb(self, name: str, args: str) -> Reply:
        if name.isdigit():
            return self.press(int(name), args or None)
        if choice := CHOICE.match(name):
            return self.press(int(choice.group(1)), args or None, option=int(choice.group(2)))
        if name == "react":
            words = args.split()
            if not 1 <= len(words) <= 2 or (len(words) == 2 and words[1] not in ADD | REMOVE):
                return self._note("shell.react.usage", ReplyKind.HELP)
            return self.react(words[0], added=len(words) == 1 or words[1] in ADD)
        if name == "thread":
            ref, _, said = args.partition(" ")
            if not ref or not said.strip():
                return self._note("shell.thread.usage", ReplyKind.HELP)
            return self.thread(ref, said)
        if name == "as":
            words = args.split()
            if len(words) == 2 and words[1].casefold() in ("sv", "en"):
                return self.switch(words[0], words[1].casefold())
            if len(words) != 1:
                return self._note("shell.as.usage", ReplyKind.HELP)
            return self.switch(words[0])
        if name == "nudge":
            return self.nudge(args) if args else self._note("shell.nudge.usage", ReplyKind.HELP)
        if name in HELP:
            return self._write(shell_help(self.lang))
        if name in CANCEL:
            return self._note("shell.form.none", ReplyKind.ERROR)
        return self._note("shell.unknown_verb", ReplyKind.ERROR, verb=name)

    # -- the verbs --------------------------------------------------------------------------------------

    def say(self, text: str) -> Reply:
        """A message to the bot, as in a direct conversation on any platform."""
        if self.form is not None:
            return self._note("shell.form.busy", ReplyKind.ERROR)
        return self._show(self.core.handle_message(self.actor, text))

    def press(self, number: int, ref: str | None = None, *, option: int | None = None) -> Reply:
        """Button `number` (from 1) of the latest message shown to the current person, or of message `ref`; a
        choice (a select) takes `option` too, as a platform's menu would send the chosen value."""
        if self.form is not None:
            return self._note("shell.form.busy", ReplyKind.ERROR)
        if ref is None:
            shown = self.transcript.last(self.name)
            if shown is None:
                return self._note("shell.nothing_shown", ReplyKind.ERROR)
        else:
            target = self._target(ref)
            if isinstance(target, Reply):
                return target
            shown = target.shown or self.transcript.latest_showing(self.name, target.idea_number or 0)
            if shown is None:
                return self._note("shell.idea_not_shown", ReplyKind.ERROR, number=target.idea_number)
        pressable = controls(shown.reply)
        if not pressable:
            return self._note("shell.no_buttons", ReplyKind.ERROR)
        if not 1 <= number <= len(pressable):
            return self._note("shell.no_such_button", ReplyKind.ERROR, number=number, count=len(pressable))
        control = pressable[number - 1]
        if isinstance(control, Select):
            if option is None or not 1 <= option <= len(control.options):
                return self._note("shell.choose_option", ReplyKind.ERROR, number=number, count=len(control.options))
            value = control.options[option - 1].value
        elif option is not None:
            return self._note("shell.not_a_choice", ReplyKind.ERROR, number=number)
        else:
            value = control.value
        origin = Origin(channel=CHANNEL, message_ref=shown.message_ref)
        return self._show(self.core.handle_action(self.actor, control.action_id, value, origin))

    def react(self, ref: str, *, added: bool = True) -> Reply:
        """A thumbs-up added to (or taken back from) a message: a vote on an idea's, engagement with a nudge."""
        if self.form is not None:
            return self._note("shell.form.busy", ReplyKind.ERROR)
        target = self._target(ref)
        if isinstance(target, Reply):
            return target
        counted = self.core.react(self.actor, CHANNEL, target.message_ref, added=added)
        if counted:
            reply = self._note("shell.react.added" if added else "shell.react.removed", ref=target.name)
        elif target.idea_number is not None and not self._shows_idea(target):
            reply = self._note("shell.idea_not_shown", ReplyKind.ERROR, number=target.idea_number)
        elif target.shown is not None and target.shown.reply.idea_number is None and added:
            reply = self._note("shell.react.ignored", ref=target.name)  # a digest, say: nothing to count
        else:
            reply = self._note("shell.react.not_counted" if added else "shell.react.nothing_to_remove",
                               ref=target.name)
        self._deliver()
        return reply

    def thread(self, ref: str, text: str) -> Reply:
        """A reply in a message's thread: a comment under an idea, an answer under a nudge."""
        if self.form is not None:
            return self._note("shell.form.busy", ReplyKind.ERROR)
        target = self._target(ref)
        if isinstance(target, Reply):
            return target
        if target.idea_number is not None and not self._shows_idea(target):
            return self._note("shell.idea_not_shown", ReplyKind.ERROR, number=target.idea_number)
        return self._show(self.core.handle_message(self.actor, text, Origin(channel=CHANNEL),
                                                   thread_ref=target.message_ref))

    def switch(self, name: str, lang: str | None = None) -> Reply:
        """Become another shell user (`shell:NAME`); each person keeps their own latest message and form."""
        name = name.removeprefix("shell:").strip()
        if not name or len(name) > 200 or any(c.isspace() for c in name):
            return self._note("shell.as.usage", ReplyKind.HELP)
        self.actor = self._person(name, lang)
        return self._note("shell.as.done", name=name)

    def nudge(self, group: str) -> Reply:
        """Send a pilot group's question now, as `idesluss nudge send` does, and print what reaches the shell."""
        if self.send_nudge is None:
            return self._note("shell.nudge.unavailable", ReplyKind.ERROR)
        sent = self.send_nudge(group)
        if sent is None:
            return self._note("shell.nudge.unknown", ReplyKind.ERROR, name=group)
        if not sent.enqueued:
            reply = self._note("shell.nudge.nothing", name=group)
        else:
            reply = self._note("shell.nudge.sent_paused" if sent.skipped else "shell.nudge.sent", name=group,
                               count=sent.enqueued, skipped=sent.skipped)
        self._deliver()
        return reply

    def fill_form(self, values: Mapping[str, object]) -> Reply:
        """Answer the open form's fields at once (what the line-by-line questions collect) and submit it."""
        form = self.form
        if form is None:
            return self._note("shell.form.none", ReplyKind.ERROR)
        form.values.update(values)
        form.pending.clear()
        return self._submit(form)

    def cancel_form(self) -> Reply:
        if self.forms.pop(self.name, None) is None:
            return self._note("shell.form.none", ReplyKind.ERROR)
        return self._note("shell.form.cancelled")

    # -- plumbing ---------------------------------------------------------------------------------------

    def _answer(self, line: str) -> Reply | None:
        form = self.form
        assert form is not None
        problem = form.answer(line)
        if problem is not None:
            return self._note_text(problem, ReplyKind.ERROR)
        return self._submit(form) if form.done else None

    def _submit(self, form: FormFilling) -> Reply:
        reply = self.core.submit_form(self.actor, form.values, form.origin, idea_number=form.form.idea_number,
                                      context=form.form.context)
        if reply.kind == ReplyKind.ERROR and reply.errors and reply.form is not None:
            why = form.retry(reply.form, reply.errors)
            if not form.done:  # the form stays open on the fields to correct, like a modal showing its errors
                self.out.write(why + "\n\n")
                self.out.flush()
                return reply
        self.forms.pop(self.name, None)
        return self._show(reply)

    def _target(self, ref: str) -> Target | Reply:
        number = parse_number(ref)
        if number is not None:
            return Target(f"#{number}", idea_ref(number), idea_number=number)
        shown = self.transcript.delivery(ref) if LABEL.match(ref) else None
        if shown is None or shown.message_ref is None:
            return self._note("shell.unknown_ref", ReplyKind.ERROR, ref=ref)
        if shown.recipient != self.name:
            return self._note("shell.not_yours", ReplyKind.ERROR, ref=shown.label, name=shown.recipient)
        return Target(shown.label or ref, shown.message_ref, shown=shown)

    def _shows_idea(self, target: Target) -> bool:
        return self.core.idea_for_message(self.actor, CHANNEL, target.message_ref) is not None

    def _show(self, reply: Reply) -> Reply:
        """Print a reply of the core's to the current person; remember it (for `:N`, and, if it shows an idea,
        as that idea's message); then deliver what the outbox holds for shell users."""
        if reply.kind == ReplyKind.OPEN_FORM and reply.form is not None:
            form = FormFilling.open(reply.form, Origin(channel=CHANNEL), self.lang)
            self.forms[self.name] = form
            self._note("shell.form.intro", title=reply.form.title)
            self._deliver()
            return reply
        message_ref = None
        if reply.idea_number is not None:
            ref = idea_ref(reply.idea_number)
            message_ref = ref if self.core.remember(self.actor, reply, CHANNEL, ref) else None
        self.transcript.shown(self.name, reply, message_ref)
        self._write(reply)
        self._deliver()
        return reply

    def _note(self, key: str, kind: ReplyKind = ReplyKind.INFO, **values: object) -> Reply:
        """The console's own words: printed, never a message one can press or react to."""
        return self._note_text(t(self.lang, key, **values), kind)

    def _note_text(self, text: str, kind: ReplyKind) -> Reply:
        return self._write(Reply(kind, text, locale=self.lang))

    def _write(self, reply: Reply) -> Reply:
        self.out.write(render(reply, console=True) + "\n\n")
        self.out.flush()
        return reply

    def _deliver(self) -> None:
        """Send what the outbox holds for shell users now; a failure leaves it there for the next line."""
        if self.deliver is None:
            return
        try:
            self.deliver()
        except Exception:
            log.warning("shell: delivering the outbox failed; it is tried again after the next line", exc_info=True)
