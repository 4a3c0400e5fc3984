"""Challenges (utmaningar): a manager or admin poses one, the outbox announces it with a button "Jag har en idé",
ideas answer it until its last day, and its owner gets a summary when it ends.

Where it goes: every known person of the organisation (`everyone`), a pilot group (its channel, else its
members), a channel (the one the form was opened in, or `--slack-channel` / `--teams-conversation`). Shared with
partners (`partners`), it is announced in each partner organisation too (to everyone there with `everyone`,
else to their coaches and managers, who pass it on), and their people may answer; each idea stays in its own
organisation. Registered through bot.core.extensions like every feature; the messages themselves (the
announcement, the summary) are in bot/core/challenge_messages.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date

from bot.core.challenge_messages import IDEA_CONTEXT, announce, counts_text, lines, local_today
from bot.core.context import Context, Origin
from bot.core.extensions import (
    ACTIONS,
    CAPTURE_ENRICHERS,
    FORMS,
    IDEA_FORM_FIELDS,
    IDEA_VIEWS,
    command,
)
from bot.core.grammar import parse_number
from bot.core.i18n import t
from bot.core.ideas import capture, is_coach_or_manager
from bot.core.replies import ActionId, Button, Field, Form, FormField, Option, Reply, ReplyKind
from bot.core.samverkan_text import count
from storage import challenges as store
from storage import groups as group_store
from storage import orgs as org_store
from storage.models import Challenge, Idea, Organisation
from storage.people import has_role

FORM = "challenge-form"  # the challenge form's context: "challenge-form" or "challenge-form:<platform>:<channel>"
ANSWER_FIELD = "challenge"  # the idea form's field: the challenge the idea answers
TRUE = (True, "true", "1", "on", "yes")


def _today(ctx: Context) -> date:
    return local_today(ctx.now, ctx.timezone)


def available(ctx: Context) -> list[Challenge]:
    """Open challenges the person may answer: their organisation's, and its partners' shared ones."""
    return store.open_challenges_for(ctx.session, ctx.org.id, org_store.partner_ids(ctx.session, ctx.org.id),
                                     today=_today(ctx))


def _answerable(ctx: Context, number: int | None) -> Challenge | None:
    return next((c for c in available(ctx) if c.id == number), None) if number is not None else None


def may_pose(ctx: Context) -> bool:
    return has_role(ctx.session, ctx.person, "manager", "admin", org_id=ctx.org.id)


def _org_tag(ctx: Context, challenge: Challenge) -> str:
    """" (Tranås)" after a partner's challenge, nothing after the person's own organisation's."""
    if challenge.org_id == ctx.org.id:
        return ""
    org = ctx.session.get(Organisation, challenge.org_id)
    return f" ({org_store.label(org)})" if org else ""


def _error(ctx: Context, key: str, **values: object) -> Reply:
    return Reply(ReplyKind.ERROR, t(ctx.lang, key, **values), locale=ctx.lang)


# -- /idé utmaningar, /idé utmaning … -------------------------------------------------------------------------


@command("utmaningar", "challenges")
def list_command(ctx: Context, rest: str) -> Reply | None:
    return challenge_list(ctx) if not rest.strip() else None


@command("utmaning", "challenge")
def challenge_command(ctx: Context, rest: str) -> Reply | None:
    words = rest.split(maxsplit=1)
    if not words:
        return challenge_list(ctx)
    if words[0].casefold() in ("ny", "new"):
        return new_challenge(ctx, words[1] if len(words) > 1 else "")
    number = parse_number(words[0])
    if number is None:
        return None  # "/idé utmaning att hitta vikarier …" is an idea, not a command
    if len(words) == 1:
        return show(ctx, number)
    return answer(ctx, number, words[1])


def challenge_list(ctx: Context) -> Reply:
    found = available(ctx)
    buttons = [Button(t(ctx.lang, "challenge.button.answer", number=c.id), ActionId.NEW_IDEA,
                      f"{IDEA_CONTEXT}:{c.id}", style="primary" if i == 0 else None) for i, c in enumerate(found[:5])]
    if may_pose(ctx):
        buttons.append(Button(t(ctx.lang, "challenge.button.new"), ActionId.CHALLENGE_NEW, ""))
    if not found:
        return Reply(ReplyKind.INFO, t(ctx.lang, "challenge.list_empty"), title=t(ctx.lang, "challenge.list_title"),
                     buttons=buttons, locale=ctx.lang)
    fields = [Field(f"#{c.id} {c.title}{_org_tag(ctx, c)}", _summary_line(ctx, c)) for c in found]
    return Reply(ReplyKind.INFO, t(ctx.lang, "challenge.list_text", count=len(found)),
                 title=t(ctx.lang, "challenge.list_title"), fields=fields, buttons=buttons, locale=ctx.lang)


def _summary_line(ctx: Context, challenge: Challenge) -> str:
    parts = [challenge.description] if challenge.description else []
    parts.append(t(ctx.lang, "challenge.ends", date=challenge.ends_on.isoformat()))
    parts.append(t(ctx.lang, "challenge.how", number=challenge.id))
    return "\n".join(parts)


def show(ctx: Context, number: int) -> Reply:
    """One challenge: what it asks, until when; for its own organisation's coaches and managers, its ideas (from
    every organisation that took part, each with its organisation, without names)."""
    challenge = store.get_challenge(ctx.session, number)
    visible = challenge is not None and (challenge.org_id == ctx.org.id or _answerable(ctx, number) is not None)
    if not visible or challenge is None:
        return _error(ctx, "challenge.unknown", number=number)
    answers = store.answers(ctx.session, challenge.id)  # type: ignore[arg-type]
    mine = [a for a in answers if a.idea.org_id == ctx.org.id]
    staff = challenge.org_id == ctx.org.id and is_coach_or_manager(ctx)
    shown = answers if staff else mine
    fields = [Field(t(ctx.lang, "challenge.field.ends"), challenge.ends_on.isoformat()),
              Field(t(ctx.lang, "challenge.field.ideas"), counts_text(answers, ctx.lang))]
    state = t(ctx.lang, "challenge.closed") if challenge.state == store.CLOSED else t(
        ctx.lang, "challenge.how", number=challenge.id)
    reply = Reply(ReplyKind.INFO, "\n".join(p for p in (challenge.description, state) if p),
                  title=t(ctx.lang, "challenge.title", number=challenge.id, title=challenge.title) + _org_tag(
                      ctx, challenge),
                  fields=fields, ideas=lines(shown, ctx.lang, labelled=staff), locale=ctx.lang,
                  ideas_heading=t(ctx.lang, "challenge.ideas_heading") if shown else None)
    if challenge.state == store.OPEN and _answerable(ctx, number) is not None:
        reply.buttons.append(Button(t(ctx.lang, "button.new_idea"), ActionId.NEW_IDEA,
                                    f"{IDEA_CONTEXT}:{challenge.id}", style="primary"))
    return reply


def answer(ctx: Context, number: int, text: str) -> Reply:
    """`/idé utmaning 3 <idé>`: an idea answering challenge 3."""
    if _answerable(ctx, number) is None:
        return _error(ctx, "challenge.not_open", number=number)
    origin = ctx.origin or Origin()
    return capture(ctx, text, replace(origin, fields={**origin.fields, ANSWER_FIELD: str(number)}))


# -- linking ideas to their challenge -------------------------------------------------------------------------


def _chosen(origin: Origin) -> int | None:
    value = origin.fields.get(ANSWER_FIELD)
    if value is None:
        head, _, tail = origin.context.partition(":")
        value = tail if head == IDEA_CONTEXT else None
    return int(value) if value and value.isdigit() else None


def link_capture_to_challenge(ctx: Context, origin: Origin) -> Origin:
    """An idea from the challenge's button, its form field or `/idé utmaning <nr>` answers it — when the challenge
    is open to the person's organisation (its own, or a partner's shared one)."""
    challenge = _answerable(ctx, _chosen(origin))
    return replace(origin, challenge_id=challenge.id) if challenge is not None else origin


def answer_field(ctx: Context, context: str) -> list[FormField]:
    """The idea form's "Svar på utmaning" choice, when there are open challenges to answer."""
    found = available(ctx)
    if not found:
        return []
    chosen = _chosen(Origin(context=context))
    return [FormField(ANSWER_FIELD, t(ctx.lang, "challenge.field.answer"), kind="choice",
                      value=str(chosen) if chosen in {c.id for c in found} else None,
                      options=[Option(value=str(c.id), label=f"#{c.id} {c.title}{_org_tag(ctx, c)}"[:75])
                               for c in found[:50]])]


def show_challenge_of_idea(ctx: Context, idea: Idea, reply: Reply) -> None:
    if idea.challenge_id is None or reply.kind not in (ReplyKind.IDEA, ReplyKind.CAPTURED):
        return
    challenge = store.get_challenge(ctx.session, idea.challenge_id)
    if challenge is not None:
        reply.fields.append(Field(t(ctx.lang, "challenge.field.answers"),
                                  f"#{challenge.id} {challenge.title}{_org_tag(ctx, challenge)}"))


# -- posing one -----------------------------------------------------------------------------------------------


def new_challenge(ctx: Context, rest: str) -> Reply:
    """`/idé utmaning ny`: the form (Slack, Teams), or in the shell `/idé utmaning ny 2026-04-30 <rubrik>`."""
    if not may_pose(ctx):
        return _error(ctx, "challenge.not_allowed")
    if ctx.forms and not rest.strip():
        form = challenge_form(ctx)
        return Reply(ReplyKind.OPEN_FORM, form.title, form=form, locale=ctx.lang)
    ends, _, title = rest.strip().partition(" ")
    ends_on = _parse_date(ends)
    if ends_on is None or not title.strip():
        return Reply(ReplyKind.HELP, t(ctx.lang, "challenge.usage"), locale=ctx.lang)
    if ends_on < _today(ctx):
        return _error(ctx, "challenge.error.past")
    challenge = store.create_challenge(ctx.session, ctx.org.id, store.NewChallenge(
        title=title, ends_on=ends_on, owner_id=ctx.person.id, everyone=True), now=ctx.now)
    sent = announce(ctx.session, challenge, default_lang=ctx.lang, now=ctx.now)
    return Reply(ReplyKind.INFO, t(ctx.lang, "challenge.created", number=challenge.id, title=challenge.title,
                                   count=count(ctx.lang, "message", sent)), locale=ctx.lang)


def challenge_form(ctx: Context, values: Mapping[str, object] | None = None) -> Form:
    values = values or {}
    partners = org_store.partner_ids(ctx.session, ctx.org.id)
    groups = group_store.all_groups(ctx.session, ctx.org.id)
    here = ctx.origin.channel if ctx.origin and ctx.origin.channel else None

    def current(name: str) -> str | None:
        value = values.get(name)
        return None if value in (None, "") else str(value)

    def checked(name: str, default: bool) -> str | None:
        value = values.get(name, default)
        return "true" if value in TRUE else None

    fields = [
        FormField("title", t(ctx.lang, "challenge.field.title"), required=True, max_length=120, value=current("title")),
        FormField("description", t(ctx.lang, "challenge.field.description"), kind="multiline", max_length=2000,
                  value=current("description")),
        FormField("ends_on", t(ctx.lang, "challenge.field.ends"), kind="date", required=True,
                  value=current("ends_on")),
        FormField("everyone", t(ctx.lang, "challenge.field.everyone"), kind="checkbox",
                  value=checked("everyone", True)),
    ]
    if partners:
        fields.append(FormField("partners", t(ctx.lang, "challenge.field.partners"), kind="checkbox",
                                value=checked("partners", False)))
    if groups:
        fields.append(FormField("group", t(ctx.lang, "challenge.field.group"), kind="choice", value=current("group"),
                                options=[Option(value=str(g.id), label=g.name[:75]) for g in groups[:100]]))
    if here:
        fields.append(FormField("here", t(ctx.lang, "challenge.field.here"), kind="checkbox",
                                value=checked("here", False)))
    context = f"{FORM}:{ctx.person.platform}:{here}" if here else FORM
    return Form(title=t(ctx.lang, "challenge.form_title"), submit_label=t(ctx.lang, "form.submit"), fields=fields,
                context=context)


def _parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def submit_challenge_form(ctx: Context, values: Mapping[str, object], origin: Origin | None, context: str) -> Reply:
    if not may_pose(ctx):
        return _error(ctx, "challenge.not_allowed")
    ctx.origin = ctx.origin or origin
    errors: dict[str, str] = {}
    title = str(values.get("title") or "").strip()
    description = str(values.get("description") or "").strip()
    if not title:
        errors["title"] = t(ctx.lang, "form.error.required")
    elif len(title) > 120:
        errors["title"] = t(ctx.lang, "form.error.too_long", limit=120, length=len(title))
    if len(description) > 2000:
        errors["description"] = t(ctx.lang, "form.error.too_long", limit=2000, length=len(description))
    ends_on = _parse_date(str(values.get("ends_on") or ""))
    if ends_on is None:
        errors["ends_on"] = t(ctx.lang, "challenge.error.date")
    elif ends_on < _today(ctx):
        errors["ends_on"] = t(ctx.lang, "challenge.error.past")
    group_id = None
    if values.get("group") not in (None, ""):
        group = next((g for g in group_store.all_groups(ctx.session, ctx.org.id) if str(g.id) == str(values["group"])),
                     None)
        group_id = group.id if group else None
    _, _, where = context.partition(":")
    platform, _, channel = where.partition(":")
    here = values.get("here") in TRUE and bool(channel)
    everyone = values.get("everyone") in TRUE
    partners = values.get("partners") in TRUE and bool(org_store.partner_ids(ctx.session, ctx.org.id))
    if not (everyone or partners or group_id or here):
        errors["everyone"] = t(ctx.lang, "challenge.error.nowhere")
    if errors or ends_on is None:
        form = challenge_form(ctx, values)
        return Reply(ReplyKind.ERROR, "; ".join(errors.values()), form=form, errors=errors, locale=ctx.lang)
    new = store.NewChallenge(title=title, description=description, ends_on=ends_on, owner_id=ctx.person.id,
                             everyone=everyone, partners=partners, group_id=group_id,
                             slack_channel=channel if here and platform == "slack" else None,
                             teams_conversation=channel if here and platform == "teams" else None)
    challenge = store.create_challenge(ctx.session, ctx.org.id, new, now=ctx.now)
    sent = announce(ctx.session, challenge, default_lang=ctx.lang, now=ctx.now, workspace=ctx.person.workspace)
    return Reply(ReplyKind.INFO, t(ctx.lang, "challenge.created", number=challenge.id, title=challenge.title,
                                   count=count(ctx.lang, "message", sent)), locale=ctx.lang)


def open_challenge_form(ctx: Context, action_id: str, value: str) -> Reply | None:
    return new_challenge(ctx, "")


def show_action(ctx: Context, action_id: str, value: str) -> Reply | None:
    number = parse_number(value)
    return show(ctx, number) if number is not None else None


CAPTURE_ENRICHERS.append(link_capture_to_challenge)
IDEA_FORM_FIELDS.append(answer_field)
IDEA_VIEWS.append(show_challenge_of_idea)
FORMS[FORM] = submit_challenge_form
ACTIONS[ActionId.CHALLENGE_NEW] = open_challenge_form
ACTIONS[ActionId.CHALLENGE_SHOW] = show_action
