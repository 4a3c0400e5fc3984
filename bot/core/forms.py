"""Saying more than one line: the idea form (Slack modal, Teams card) and the guided capture (shell).

The guided capture's state is stored, so a conversation survives a restart of the bot.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from bot.core import ideas, views
from bot.core.context import Context, Origin
from bot.core.extensions import IDEA_FORM_FIELDS
from bot.core.i18n import t
from bot.core.replies import Form, FormField, Reply, ReplyKind
from storage import guided
from storage import ideas as store
from storage.text import clean_text

TEXT_FIELDS = ("title", "text", "problem", "benefit", "unit")
# Every key an idea form submits, whatever the platform renders it as (modal, card, dialog).
FORM_KEYS = (*TEXT_FIELDS, "anonymous")
_LIMITS = {"title": 120, "problem": 2000, "benefit": 2000, "unit": 200}
_CANCEL = {"avbryt", "cancel", "stopp", "stop"}
_SKIP = {"hoppa över", "hoppa", "skip", "-", "vet inte", "nej", "no"}


def _extra_fields(ctx: Context, context: str, values: Mapping[str, object] | None = None) -> list[FormField]:
    """Fields features add to a new idea's form (the challenge it answers), filled from `values` when given."""
    fields = [f for provide in IDEA_FORM_FIELDS for f in provide(ctx, context)]
    for f in fields:
        if values is not None and values.get(f.name) not in (None, ""):
            f.value = str(values[f.name])
    return fields


def _with_extras(ctx: Context, form: Form, context: str, values: Mapping[str, object] | None = None) -> Form:
    if form.idea_number is None:
        form.fields += _extra_fields(ctx, context, values)
    return form


def open_form(ctx: Context, idea_number: int | None = None, context: str = "") -> Reply:
    idea = None
    if idea_number is not None:
        found = ideas.find_own(ctx, idea_number)
        if isinstance(found, Reply):
            return found
        idea = found
    form = _with_extras(ctx, views.idea_form(ctx.lang, idea=idea, max_length=ctx.max_length, context=context,
                                             anonymous_allowed=ctx.org.anonymous_ideas), context)
    return Reply(ReplyKind.OPEN_FORM, form.title, form=form, idea_number=idea_number, locale=ctx.lang)


def validate(ctx: Context, values: Mapping[str, object], *, was_anonymous: bool = False
             ) -> tuple[dict[str, object], dict[str, str]]:
    cleaned: dict[str, object] = {}
    errors: dict[str, str] = {}
    for name in TEXT_FIELDS:
        raw = values.get(name)
        cleaned[name] = clean_text(str(raw)) if raw not in (None, False) else ""
    cleaned["anonymous"] = values.get("anonymous") in (True, "true", "1", "on", "yes", "anonymous")
    text = str(cleaned["text"])
    if not text and cleaned["title"]:
        cleaned["text"] = text = str(cleaned["title"])
    if not cleaned["title"] and not text:
        errors["title"] = t(ctx.lang, "form.error.required")
    if not text:
        errors["text"] = t(ctx.lang, "form.error.required")
    if cleaned["anonymous"] and not was_anonymous and not ctx.org.anonymous_ideas:
        errors["anonymous"] = t(ctx.lang, "form.error.anonymous_off")
    for name in TEXT_FIELDS:
        limit = ctx.max_length if name == "text" else _LIMITS[name]
        length = len(str(cleaned[name]))
        if length > limit:
            errors[name] = t(ctx.lang, "form.error.too_long", limit=limit, length=length)
    return cleaned, errors


def submit_form(ctx: Context, values: Mapping[str, object], origin: Origin | None, *, idea_number: int | None,
                context: str = "") -> Reply:
    existing = ideas.find_own(ctx, idea_number) if idea_number is not None else None
    if isinstance(existing, Reply):
        return existing
    cleaned, errors = validate(ctx, values, was_anonymous=bool(existing and existing.anonymous))
    if errors:
        form = views.idea_form(ctx.lang, values=cleaned, max_length=ctx.max_length, context=context,
                               anonymous_allowed=ctx.org.anonymous_ideas)
        form.idea_number = idea_number
        _with_extras(ctx, form, context, values)
        return Reply(ReplyKind.ERROR, "; ".join(errors.values()), form=form, errors=errors, idea_number=idea_number,
                     locale=ctx.lang)
    if existing is not None:
        store.update_details(ctx.session, existing, now=ctx.now, **{k: cleaned[k] for k in FORM_KEYS})
        return Reply(ReplyKind.INFO, t(ctx.lang, "details.saved", number=idea_number), idea_number=idea_number,
                     locale=ctx.lang)
    extras = {f.name: str(values[f.name]).strip() for f in _extra_fields(ctx, context)
              if values.get(f.name) not in (None, "", False)}
    if context or extras:
        origin = replace(origin or Origin(), context=context, fields=extras)
    return ideas.capture(ctx, str(cleaned["text"]), origin, title=str(cleaned["title"]) or None,
                         problem=str(cleaned["problem"]) or None, benefit=str(cleaned["benefit"]) or None,
                         unit=str(cleaned["unit"]) or None, anonymous=bool(cleaned["anonymous"]))


def start_guided(ctx: Context, context: str = "") -> Reply:
    guided.save_guided(ctx.session, ctx.person, "idea", {}, context, now=ctx.now)
    return Reply(ReplyKind.QUESTION, t(ctx.lang, "guided.idea"), locale=ctx.lang)


def has_guided(ctx: Context) -> bool:
    return guided.get_guided(ctx.session, ctx.person) is not None


def cancel_guided(ctx: Context) -> None:
    guided.clear_guided(ctx.session, ctx.person)


def answer_guided(ctx: Context, text: str, origin: Origin | None) -> Reply:
    """Take the answer to the pending question and ask the next, or store the idea after the last."""
    row = guided.get_guided(ctx.session, ctx.person)
    assert row is not None
    data = guided.guided_data(row)
    answer = clean_text(text)
    if answer.casefold() in _CANCEL:
        guided.clear_guided(ctx.session, ctx.person)
        return Reply(ReplyKind.INFO, t(ctx.lang, "guided.cancelled"), locale=ctx.lang)
    skipped = answer.casefold() in _SKIP
    if row.step == "idea":
        if not answer or skipped:
            return Reply(ReplyKind.QUESTION, t(ctx.lang, "guided.empty") + " " + t(ctx.lang, "guided.idea"),
                         locale=ctx.lang)
        if (reply := ideas.too_long(ctx, answer)) is not None:
            return reply
        data["text"] = answer
        guided.save_guided(ctx.session, ctx.person, "problem", data, row.context, now=ctx.now)
        return Reply(ReplyKind.QUESTION, t(ctx.lang, "guided.problem"), locale=ctx.lang)
    if row.step == "problem":
        data["problem"] = None if skipped else answer[:2000]
        guided.save_guided(ctx.session, ctx.person, "benefit", data, row.context, now=ctx.now)
        return Reply(ReplyKind.QUESTION, t(ctx.lang, "guided.benefit"), locale=ctx.lang)
    data["benefit"] = None if skipped else answer[:2000]
    guided.clear_guided(ctx.session, ctx.person)
    if row.context:
        origin = replace(origin or Origin(), context=row.context)
    return ideas.capture(ctx, data.get("text") or "", origin, problem=data.get("problem"),
                         benefit=data.get("benefit"))
