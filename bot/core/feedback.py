"""No idea falls into the black hole: the feedback promise, the responsible coach, the coach's queue, and
the coach's one-step actions (ask the author, comment, hand over).

*First feedback* is the first thing a coach does that reaches the author: a stage change out of Inkommen
(storage.ideas.change_stage stamps it), a coach's comment, or a coach's question — both of which are sent to
the author here. Taking an idea on ("Ta ansvar") tells the author who handles it but is not feedback.

Registered through `bot.core.extensions` (FEATURE_MODULES).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from bot.core import (
    feedback_text,  # noqa: F401 - registers the text
    ideas,
    ownership,
    views,
)
from bot.core.calendar import add_working_days, working_days_between
from bot.core.context import Context, Origin
from bot.core.extensions import (
    ACTIONS,
    AFTER_CAPTURE,
    AFTER_COMMENT,
    CAPTURE_DECIDERS,
    FORM_HANDLERS,
    MESSAGE_HANDLERS,
    command,
)
from bot.core.feedback_text import long_date_year
from bot.core.grammar import parse_number
from bot.core.i18n import language, t
from bot.core.replies import ActionId, Button, Field, Option, Reply, ReplyKind, Select
from bot.core.stages import CHOOSABLE_STAGES, stage_label
from storage import audit
from storage import feedback as store
from storage import ideas as idea_store
from storage.ideas import NewIdea
from storage.models import Comment, Idea, Person
from storage.people import parse_person_ref
from storage.text import clean_text

QUESTION_OPEN_DAYS = 30  # a plain DM from the author counts as the answer this long after the question
QUEUE_LIMIT = 20  # lines in one queue message (each is a card with its own menu)
ASK_MOVES_FROM = ("new", "in_review")  # asking for more moves these to Komplettering begärd
MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")


# -- the promise --------------------------------------------------------------------------------------


def promise_date(ctx: Context) -> date:
    """The organisation's limit in working days, counted from the local day of capture."""
    return add_working_days(ideas.local_today(ctx), ctx.org.first_feedback_days)


def promise_new(ctx: Context, new: NewIdea) -> None:
    """A new idea is stored with its promised date and its responsible coach (one INSERT, no update after)."""
    if new.feedback_due is None:
        new.feedback_due = promise_date(ctx)
    if new.owner_id is None and ctx.person.id is not None:
        owner = ownership.choose_owner(ctx, ctx.person.id, clean_text(new.unit) or None, new.group_id)
        new.owner_id = owner.id if owner is not None else None


def promise_on_capture(ctx: Context, idea: Idea, reply: Reply, created: bool) -> None:
    """The confirmation says by when the author hears back and who handles the idea."""
    if created and idea.owner_id is not None and idea.anonymous:
        # The responsible coach may reveal an anonymous author: the rule's choice is audited like a person's
        # (no actor: the organisation's assignment rule chose, not the author).
        audit.record(ctx.session, action=audit.OWNER_CHANGE, now=ctx.now, via=ctx.person.platform,
                     org_id=ctx.org.id, idea_id=idea.id, detail={"owner": idea.owner_id, "rule": "capture"})
    if idea.feedback_due is None or idea.first_feedback_at is not None:
        return
    when = long_date_year(idea.feedback_due, ctx.lang, ideas.local_today(ctx))
    lines = [t(ctx.lang, "promise.text", date=when)]
    reply.fields.append(Field(t(ctx.lang, "field.due"), when))
    owner = ctx.session.get(Person, idea.owner_id) if idea.owner_id else None
    if owner is not None:
        lines.append(t(ctx.lang, "promise.coach", coach=views.display_name(owner)))
        reply.fields.append(Field(t(ctx.lang, "field.owner"), views.display_name(owner)))
    reply.text = "\n".join([reply.text, *lines])


def deadline_note(due: date | None, today: date, lang: str) -> str:
    """"3 arbetsdagar kvar", "sista dagen i dag", "2 arbetsdagar sen"."""
    if due is None:
        return t(lang, "due.none")
    if due == today:
        return t(lang, "due.today")
    if due > today:
        left = working_days_between(today - timedelta(days=1), due)
        return t(lang, "due.left_one") if left <= 1 else t(lang, "due.left", n=left)
    late = working_days_between(due, today)
    return t(lang, "due.late_one") if late <= 1 else t(lang, "due.late", n=late)


# -- the coach's queue --------------------------------------------------------------------------------


def queue(ctx: Context) -> Reply:
    """The ideas waiting for the caller's first feedback in every organisation they coach (their own, and each
    partner where they hold the role): theirs, then nobody's, oldest deadline first; each line with a menu that
    acts in one step. With several organisations each line says whose idea it is ("Aneby #12")."""
    from bot.core import orgs

    served = orgs.served(ctx.session, ctx, ("coach", "admin"))
    if not served:
        return views.error(ctx.lang, "queue.not_coach")
    today = ideas.local_today(ctx)
    found: list[tuple[object, Idea]] = []
    for org in served:
        found += [(org, idea) for idea in store.queue(ctx.session, org.id, ctx.person.id, limit=QUEUE_LIMIT + 1)]
    found.sort(key=lambda pair: (pair[1].owner_id is None, pair[1].feedback_due is None,
                                 pair[1].feedback_due or today, pair[1].created_at))
    shown = found[:QUEUE_LIMIT]
    title = t(ctx.lang, "queue.title")
    if not shown:
        return Reply(ReplyKind.LIST, t(ctx.lang, "queue.empty"), title=title, locale=ctx.lang)
    ideas_shown = [idea for _, idea in shown]
    people = {p.id: p for p in _people(ctx, {i.author_id for i in ideas_shown}
                                       | {i.owner_id for i in ideas_shown if i.owner_id})}
    coaches = {org.id: store.coaches(ctx.session, org.id) for org in served}
    votes = idea_store.vote_count(ctx.session, [i.id for i in ideas_shown])
    home = ctx.home_org
    lines = []
    for org, idea in shown:
        line = views.idea_line(idea, ctx.lang, author=people.get(idea.author_id), votes=votes.get(idea.id, 0))
        owner = people.get(idea.owner_id) if idea.owner_id else None
        who = views.display_name(owner) if owner else t(ctx.lang, "queue.unassigned")
        line.note = f"{deadline_note(idea.feedback_due, today, ctx.lang)} · {who}"
        # A partner's idea is named `aneby#12` in its menu, so a choice acts on that idea, never one at home.
        ref = str(idea.number) if org.id == home.id else orgs.ref(org, idea.number)
        line.menu = _menu(ctx, idea, coaches[org.id], ref)
        if len(served) > 1:
            line.organisation = orgs.label(org)
        lines.append(line)
    text = t(ctx.lang, "queue.one") if len(found) == 1 else t(ctx.lang, "queue.text", count=len(found))
    return Reply(ReplyKind.LIST, text, title=title, ideas=lines, locale=ctx.lang,
                 buttons=[Button(t(ctx.lang, "button.all"), ActionId.LIST_ALL, "")])


def _menu(ctx: Context, idea: Idea, coaches: list[Person], number: str) -> Select:
    lang = ctx.lang
    options = [Option(t(lang, "button.ask"), f"{ActionId.ASK}|{number}"),
               Option(t(lang, "button.comment"), f"{ActionId.COMMENT}|{number}")]
    if idea.owner_id != ctx.person.id:
        options.append(Option(t(lang, "button.take"), f"{ActionId.TAKE_OWNERSHIP}|{number}"))
    options += [Option(t(lang, "menu.stage", stage=stage_label(code, lang)), f"{ActionId.SET_STAGE}|{number}:{code}")
                for code in CHOOSABLE_STAGES if code != idea.stage]
    options += [Option(t(lang, "menu.handover", coach=views.display_name(c)), f"{ActionId.HANDOVER}|{number}:{c.id}")
                for c in coaches if c.id != idea.owner_id][:80]
    return Select(ActionId.MENU, t(lang, "select.menu"), options, t(lang, "select.menu_placeholder"),
                  value=f"{ActionId.SHOW}|{number}")


def _people(ctx: Context, ids: set[int]) -> list[Person]:
    from sqlmodel import col, select

    if not ids:
        return []
    return list(ctx.session.exec(select(Person).where(col(Person.id).in_(ids))).all())


@command("kö", "ko", "queue")
def queue_command(ctx: Context, rest: str) -> Reply | None:
    return queue(ctx) if not rest.strip() else None  # "/idé kö vid kaffeautomaten" is an idea


# -- asking the author, commenting --------------------------------------------------------------------


def ask(ctx: Context, number: int, question: str) -> Reply:
    """A coach's question reaches the author at once (first feedback); their answer, in the message's thread
    or as their next message to the bot, is stored as a comment and sent back to the coach."""
    if not ideas.is_coach(ctx):
        return views.error(ctx.lang, "error.not_allowed")
    found = ideas.find(ctx, number)
    if isinstance(found, Reply):
        return found
    question = clean_text(question)
    if not question:
        return Reply(ReplyKind.HELP, t(ctx.lang, "ask.usage"), locale=ctx.lang)
    if (reply := ideas.too_long(ctx, question)) is not None:
        return reply
    store.ask(ctx.session, found, ctx.person, question, now=ctx.now)
    if found.stage in ASK_MOVES_FROM:
        idea_store.change_stage(ctx.session, found, ctx.person, "needs_info", question, now=ctx.now)
    else:
        idea_store.add_comment(ctx.session, found, ctx.person, question, now=ctx.now)
    store.mark_first_feedback(ctx.session, found, now=ctx.now)
    who = views.display_name(ctx.person)

    def for_author(lang: str) -> Reply:
        return Reply(ReplyKind.NOTIFICATION, t(lang, "ask.notify.text", who=who, question=question),
                     title=t(lang, "ask.notify.title", number=found.number), idea_number=found.number, locale=lang,
                     buttons=[Button(t(lang, "button.show"), ActionId.SHOW, str(found.number))])

    ownership.tell_author(ctx, found, f"ask:{found.id}:{ctx.now.strftime('%Y%m%dT%H%M%S%f')}", for_author)
    return Reply(ReplyKind.INFO, t(ctx.lang, "ask.done", number=number), idea_number=number, locale=ctx.lang)


def after_comment(ctx: Context, idea: Idea, comment: Comment) -> str | None:
    """A coach's comment reaches the author (first feedback); the author's comment answers an open question
    (the coach who asked hears it) or else tells the responsible coach."""
    if ctx.person.id != idea.author_id:
        if not ideas.is_coach(ctx):
            return None
        store.mark_first_feedback(ctx.session, idea, now=ctx.now)
        who, text = views.display_name(ctx.person), comment.text

        def for_author(lang: str) -> Reply:
            return Reply(ReplyKind.NOTIFICATION, t(lang, "comment.notify.text", who=who, comment=text),
                         title=t(lang, "comment.notify.title", number=idea.number), idea_number=idea.number,
                         locale=lang, buttons=[Button(t(lang, "button.show"), ActionId.SHOW, str(idea.number))])

        ownership.tell_author(ctx, idea, f"comment:{comment.id}:author", for_author)
        return None
    since = ctx.now - timedelta(days=QUESTION_OPEN_DAYS)
    question = store.open_question(ctx.session, idea.author_id, since=since, idea_id=idea.id)
    coach_id = question.asked_by if question is not None else idea.owner_id
    coach = ctx.session.get(Person, coach_id) if coach_id else None
    if question is not None:
        store.answer(ctx.session, question, now=ctx.now)
    if coach is None or coach.id == ctx.person.id:
        return None
    lang = language(coach.locale, ctx.lang)
    who = views.commenter_name(idea, ctx.person, lang)
    text = (t(lang, "answer.notify.text", who=who, question=question.text, answer=comment.text) if question
            else t(lang, "answer.notify.comment", who=who, number=idea.number, answer=comment.text))
    ownership.tell_person(ctx, coach, f"comment:{comment.id}:coach", Reply(
        ReplyKind.NOTIFICATION, text, title=t(lang, "answer.notify.title", number=idea.number),
        idea_number=idea.number, locale=lang, buttons=[Button(t(lang, "button.show"), ActionId.SHOW,
                                                              str(idea.number))]))
    if question is None:
        return None
    return t(ctx.lang, "answer.saved", number=idea.number, coach=views.display_name(coach))


def answer_in_conversation(ctx: Context, text: str, origin: Origin | None) -> Reply | None:
    """The author's plain message after a coach's question (not a command, not an idea) is their answer."""
    question = store.open_question(ctx.session, ctx.person.id, since=ctx.now - timedelta(days=QUESTION_OPEN_DAYS))
    if question is None:
        return None
    idea = ctx.session.get(Idea, question.idea_id)
    if idea is None:
        return None
    return ideas.comment(ctx, idea.number, text, origin)


# -- handing over --------------------------------------------------------------------------------------


def hand_over(ctx: Context, number: int, target: Person | None, written: str = "") -> Reply:
    if not ideas.is_coach(ctx):
        return views.error(ctx.lang, "error.not_allowed")
    found = ideas.find(ctx, number)
    if isinstance(found, Reply):
        return found
    coaches = store.coaches(ctx.session, ctx.org.id)
    if target is None or target.id not in {c.id for c in coaches}:
        names = ", ".join(views.display_name(c) for c in coaches) or t(ctx.lang, "owner.none")
        return views.error(ctx.lang, "handover.not_coach", who=written or (views.display_name(target)), coaches=names)
    ownership.change_owner(ctx, found, target)
    return Reply(ReplyKind.INFO, t(ctx.lang, "handover.done", number=number, coach=views.display_name(target)),
                 idea_number=number, locale=ctx.lang)


def _person_named(ctx: Context, written: str) -> Person | None:
    """A coach as written in chat: a Slack mention, a person reference, or a coach's display name."""
    from storage.people import get_person

    mention = MENTION.match(written)
    if mention:
        return get_person(ctx.session, "slack", mention.group(1))
    try:
        platform, user_id = parse_person_ref(written)
        return get_person(ctx.session, platform, user_id)
    except ValueError:
        pass
    wanted = written.lstrip("@").casefold()
    matches = [c for c in store.coaches(ctx.session, ctx.org.id) if views.display_name(c).casefold() == wanted]
    return matches[0] if len(matches) == 1 else None


def _number_and_rest(rest: str) -> tuple[int | None, str]:
    words = rest.split(maxsplit=1)
    if not words:
        return None, ""
    return parse_number(words[0]), words[1] if len(words) > 1 else ""


@command("fråga", "ask")
def ask_command(ctx: Context, rest: str) -> Reply | None:
    number, text = _number_and_rest(rest)
    if not rest.strip():
        return Reply(ReplyKind.HELP, t(ctx.lang, "ask.usage"), locale=ctx.lang)
    return None if number is None else ask(ctx, number, text)  # "/idé fråga om lokalerna …" is an idea


@command("kommentar", "kommentera", "comment")
def comment_command(ctx: Context, rest: str) -> Reply | None:
    number, text = _number_and_rest(rest)
    if not rest.strip():
        return Reply(ReplyKind.HELP, t(ctx.lang, "comment.usage"), locale=ctx.lang)
    if number is None:
        return None
    if not text:
        return Reply(ReplyKind.HELP, t(ctx.lang, "comment.usage"), locale=ctx.lang)
    return ideas.comment(ctx, number, text, None)


@command("överlämna", "overlamna", "handover")
def handover_command(ctx: Context, rest: str) -> Reply | None:
    number, written = _number_and_rest(rest)
    written = written.removeprefix("till ").removeprefix("to ").strip()
    if number is None and rest.strip():
        return None  # "/idé överlämna ansvaret för … " is an idea
    if number is None or not written:
        return Reply(ReplyKind.HELP, t(ctx.lang, "handover.usage"), locale=ctx.lang)
    return hand_over(ctx, number, _person_named(ctx, written), written)


# -- buttons, choices and forms ---------------------------------------------------------------------------


def _text_form(ctx: Context, number: int, kind: str) -> Reply:
    if not ideas.is_coach(ctx):
        return views.error(ctx.lang, "error.not_allowed")
    found = ideas.find(ctx, number)
    if isinstance(found, Reply):
        return found
    if not ctx.forms:  # the shell: say the command instead
        return Reply(ReplyKind.HELP, t(ctx.lang, f"{kind}.usage"), locale=ctx.lang)
    form = views.text_form(t(ctx.lang, f"form.{kind}_title", number=number), t(ctx.lang, f"form.{kind}_field"),
                           t(ctx.lang, "form.send"), f"feedback:{kind}:{number}", idea_number=number,
                           max_length=ctx.max_length)
    return Reply(ReplyKind.OPEN_FORM, form.title, form=form, idea_number=number, locale=ctx.lang)


def on_action(ctx: Context, action_id: str, value: str) -> Reply | None:
    head, _, tail = value.partition(":")
    number = parse_number(head) or 0
    if action_id == ActionId.ASK:
        return _text_form(ctx, number, "ask")
    if action_id == ActionId.COMMENT:
        return _text_form(ctx, number, "comment")
    if action_id == ActionId.QUEUE:
        return queue(ctx)
    if action_id == ActionId.HANDOVER:
        if not tail.isdigit():
            return views.error(ctx.lang, "select.handover_placeholder")
        return hand_over(ctx, number, ctx.session.get(Person, int(tail)))
    return None


def on_form(ctx: Context, values: dict[str, object], context: str) -> Reply:
    """The one-field forms opened above: a question, a comment, a reason for declining."""
    _, kind, number_text = (context.split(":", 2) + ["", ""])[:3]
    number = parse_number(number_text) or 0
    text = clean_text(str(values.get("text") or ""))
    if not text:
        form = views.text_form(t(ctx.lang, f"form.{kind}_title", number=number), t(ctx.lang, f"form.{kind}_field"),
                               t(ctx.lang, "form.send"), context, idea_number=number, max_length=ctx.max_length)
        message = t(ctx.lang, "form.error.required")
        return Reply(ReplyKind.ERROR, message, form=form, errors={"text": message}, idea_number=number,
                     locale=ctx.lang)
    if kind == "ask":
        done = ask(ctx, number, text)
    elif kind == "decline":
        done = ideas.set_stage(ctx, number, "declined", text)
    else:
        done = ideas.comment(ctx, number, text, None)
    if done.kind is not ReplyKind.INFO:
        return done
    shown = ideas.show(ctx, number)
    if shown.kind is ReplyKind.IDEA:
        shown.notice = done.text
        return shown
    return done


CAPTURE_DECIDERS.append(promise_new)
AFTER_CAPTURE.append(promise_on_capture)
AFTER_COMMENT.append(after_comment)
MESSAGE_HANDLERS.append(answer_in_conversation)
FORM_HANDLERS["feedback:"] = on_form
for _action in (ActionId.ASK, ActionId.COMMENT, ActionId.HANDOVER, ActionId.QUEUE):
    ACTIONS[_action] = on_action
