"""The core's `Reply` as an Adaptive Card (version 1.5, the newest Teams renders for bots).

Every button becomes an `Action.Execute` whose `verb` is the core's action id and whose data carries the
value: Teams sends it back as an `adaptiveCard/action` invoke, answered with the next card in the HTTP
response, so the card updates in place (a coach's stage change, a form's validation messages). Text
is the core's plain text; Adaptive Cards TextBlocks render a subset of Markdown, so user text is escaped.
"""

from __future__ import annotations

import re
from typing import Any

from bot.core.replies import ActionId, Chart, Form, Reply, ReplyKind, Select
from bot.teams.strings import chrome

CARD_VERSION = "1.5"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
FORM_SUBMIT = "teams.form.submit"  # the verb of the form's submit button; the core never sees it
# Buttons that open a form: in a dialog, so a form never replaces a card others can see.
DIALOG_ACTIONS = frozenset({ActionId.ADD_DETAILS, ActionId.NEW_IDEA, ActionId.CHALLENGE_NEW, ActionId.SPREAD_OFFER})
MAX_LINES = 40  # ideas shown in one card: far below Teams' ~80 KB message limit
# TextBlocks render bold, italic and links: escape what could start one, nothing else (no visible noise).
_MARKDOWN = re.compile(r"([\\*_`\[\]])")
_STYLES = {"primary": "positive", "danger": "destructive"}


def escape(text: str) -> str:
    """Keep user text literal in a TextBlock (which renders Markdown)."""
    return _MARKDOWN.sub(r"\\\1", text)


def _text(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": escape(text), "wrap": True, **extra}


def _card(body: list[dict[str, Any]], actions: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": CARD_VERSION,
        "body": body,
        "msteams": {"width": "Full"},
    }
    if actions:
        card["actions"] = actions
    return card


def execute_action(title: str, action_id: str, value: str = "", style: str | None = None,
                   **data: Any) -> dict[str, Any]:
    action: dict[str, Any] = {"type": "Action.Execute", "title": title, "verb": action_id,
                              "data": {"action_id": action_id, "value": value, **data}}
    if style in _STYLES:
        action["style"] = _STYLES[style]
    return action


def dialog_action(title: str, action_id: str, value: str = "") -> dict[str, Any]:
    """A button that opens a dialog (task module): private to the presser, even on a card in a channel."""
    return {"type": "Action.Submit", "title": title,
            "data": {"msteams": {"type": "task/fetch"}, "action_id": action_id, "value": value}}


CHOICE_KEY = "choice"  # in an Action.Execute's data: the id of the Input.ChoiceSet whose value it sends


def choice_input(select: Select, input_id: str) -> dict[str, Any]:
    return {"type": "Input.ChoiceSet", "id": input_id, "style": "compact", "label": select.label,
            "placeholder": select.placeholder or select.label,
            "choices": [{"title": o.label, "value": o.value} for o in select.options]}


def choice_action(select: Select, input_id: str) -> dict[str, Any]:
    """The one button that sends the ChoiceSet's value: Teams merges the inputs into `data`, and the adapter
    hands the core the chosen value (or `select.value` when nothing was chosen)."""
    return execute_action(select.label, select.action_id, select.value, **{CHOICE_KEY: input_id})


def chosen_value(data: dict[str, Any]) -> str:
    """The value a pressed button stands for: the chosen option of its ChoiceSet, if it has one."""
    input_id = data.get(CHOICE_KEY)
    chosen = data.get(input_id) if isinstance(input_id, str) else None
    return str(chosen or data.get("value") or "")


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 2)


def chart_element(chart: Chart) -> dict[str, Any]:
    """Teams' chart elements (Chart.VerticalBar, Chart.Line, Chart.Donut), each with a text fallback for
    clients that draw no charts: the same figures as words."""
    fallback = _text(f"{chart.title}: " + ", ".join(f"{p.label} {_number(p.value)}" for p in chart.points),
                     isSubtle=True)
    element: dict[str, Any]
    if chart.kind == "line":
        element = {"type": "Chart.Line", "title": chart.title,
                   "data": [{"legend": chart.title, "values": [{"x": p.label, "y": _number(p.value)}
                                                               for p in chart.points]}]}
    elif chart.kind == "donut":
        element = {"type": "Chart.Donut", "title": chart.title,
                   "data": [{"legend": p.label, "value": _number(p.value)} for p in chart.points]}
    else:
        element = {"type": "Chart.VerticalBar", "title": chart.title,
                   "data": [{"x": p.label, "y": _number(p.value)} for p in chart.points]}
    for key, value in (("xAxisTitle", chart.x_title), ("yAxisTitle", chart.y_title)):
        if value and chart.kind != "donut":
            element[key] = value
    element["fallback"] = fallback
    return element


def reply_card(reply: Reply) -> dict[str, Any]:
    """Any reply as a card; a reply that asks for the form gets the form."""
    if reply.form is not None and reply.kind in (ReplyKind.OPEN_FORM, ReplyKind.ERROR):
        return form_card(reply.form, reply.errors, reply.text if reply.kind is ReplyKind.ERROR else "",
                         reply.locale)
    body: list[dict[str, Any]] = []
    if reply.notice:
        body.append(_text(reply.notice, color="Good", isSubtle=True))
    if reply.title:
        body.append(_text(reply.title, size="Medium", weight="Bolder"))
    if reply.text:
        color = {"color": "Attention"} if reply.kind is ReplyKind.ERROR else {}
        body.append(_text(reply.text, **color))
    if reply.fields:
        body.append({"type": "FactSet",
                     "facts": [{"title": escape(f.label), "value": escape(f.value)} for f in reply.fields]})
    if reply.ideas and reply.ideas_heading:
        body.append(_text(reply.ideas_heading, weight="Bolder"))
    for n, line in enumerate(reply.ideas[:MAX_LINES]):
        who = f" – {line.author}" if line.author else ""
        votes = f" · {chrome('votes', reply.locale, n=line.votes)}" if line.votes else ""
        note = f" · {line.note}" if line.note else ""
        text = _text(f"{line.label} {line.title} [{line.stage_label}]{who}{votes}{note}", spacing="Small")
        if line.menu is None or not line.menu.options:
            body.append(text)
            continue
        input_id = f"choice.line{n}"  # each line acts on its own idea, in one step
        body.append({"type": "Container", "separator": True, "items": [
            text, choice_input(line.menu, input_id),
            {"type": "ActionSet", "actions": [choice_action(line.menu, input_id)]}]})
    if len(reply.ideas) > MAX_LINES:
        body.append(_text(chrome("more", reply.locale, n=len(reply.ideas) - MAX_LINES), isSubtle=True))
    for chart in reply.charts:
        if chart.points:
            body.append(chart_element(chart))
    for name, message in reply.errors.items():
        body.append(_text(f"{name}: {message}", color="Attention"))
    actions = [dialog_action(b.label, b.action_id, b.value) if b.action_id in DIALOG_ACTIONS
               else execute_action(b.label, b.action_id, b.value, b.style) for b in reply.buttons]
    for n, select in enumerate(s for s in reply.selects if s.options):
        input_id = f"choice.{n}"
        body.append(choice_input(select, input_id))
        actions.append(choice_action(select, input_id))
    return _card(body or [_text(reply.plain_text() or " ")], actions)


def form_card(form: Form, errors: dict[str, str] | None = None, message: str = "", locale: str = "sv", *,
              submit_type: str = "Action.Execute", extra_data: dict[str, Any] | None = None) -> dict[str, Any]:
    """The idea form; `errors` (field name → message) are shown under their fields.

    In a chat the submit is an Action.Execute (the card updates in place); a task module (the message
    extension's dialog) only knows Action.Submit.
    """
    errors = errors or {}
    body: list[dict[str, Any]] = [_text(form.title, size="Medium", weight="Bolder")]
    if message:
        body.append(_text(message, color="Attention"))
    for field in form.fields:
        if field.kind == "checkbox":
            body.append({"type": "Input.Toggle", "id": field.name, "title": field.label,
                         "value": "true" if (field.value or "").lower() in ("1", "true", "yes") else "false",
                         "valueOn": "true", "valueOff": "false"})
        elif field.kind == "choice":
            choice: dict[str, Any] = {"type": "Input.ChoiceSet", "id": field.name, "label": field.label,
                                      "style": "compact", "isRequired": field.required,
                                      "choices": [{"title": o.label, "value": o.value} for o in field.options]}
            if field.value:
                choice["value"] = field.value
            body.append(choice)
        elif field.kind == "date":
            item_date: dict[str, Any] = {"type": "Input.Date", "id": field.name, "label": field.label,
                                         "isRequired": field.required}
            if field.value:
                item_date["value"] = field.value
            if field.required:
                item_date["errorMessage"] = errors.get(field.name) or chrome("required", locale)
            body.append(item_date)
        else:
            item: dict[str, Any] = {"type": "Input.Text", "id": field.name, "label": field.label,
                                    "isMultiline": field.kind == "multiline", "isRequired": field.required}
            if field.max_length:
                item["maxLength"] = field.max_length
            if field.value:
                item["value"] = field.value
            if field.placeholder:
                item["placeholder"] = field.placeholder
            if field.required:
                item["errorMessage"] = errors.get(field.name) or chrome("required", locale)
            body.append(item)
        if field.name in errors:
            body.append(_text(errors[field.name], color="Attention", spacing="None", size="Small"))
    for name, text in errors.items():  # errors about fields the form does not show
        if name not in {f.name for f in form.fields}:
            body.append(_text(text, color="Attention"))
    submit = execute_action(form.submit_label, FORM_SUBMIT, "", "primary", idea_number=form.idea_number,
                            context=form.context, **(extra_data or {}))
    if submit_type != "Action.Execute":
        submit = {"type": submit_type, "title": submit["title"], "data": submit["data"], "style": "positive"}
    return _card(body, [submit])


def card_activity(card: dict[str, Any], fallback_text: str = "") -> dict[str, Any]:
    """A message activity carrying one card; `summary`/text is what notifications and old clients show."""
    activity: dict[str, Any] = {"type": "message",
                                "attachments": [{"contentType": CARD_CONTENT_TYPE, "content": card}]}
    if fallback_text:
        activity["summary"] = fallback_text[:200]
    return activity


def reply_activity(reply: Reply) -> dict[str, Any]:
    return card_activity(reply_card(reply), reply.title or reply.text)


def invoke_card_response(card: dict[str, Any]) -> dict[str, Any]:
    """The body that answers an `adaptiveCard/action` invoke with a card that replaces the pressed one."""
    return {"statusCode": 200, "type": CARD_CONTENT_TYPE, "value": card}


def task_card(card: dict[str, Any], title: str) -> dict[str, Any]:
    """A dialog (task module) showing `card`; the answer to task/fetch, or to task/submit with errors."""
    return {"task": {"type": "continue", "value": {
        "title": title, "height": "large", "width": "medium",
        "card": {"contentType": CARD_CONTENT_TYPE, "content": card},
    }}}


def task_message(text: str) -> dict[str, Any]:
    """Close the dialog with a short message."""
    return {"task": {"type": "message", "value": text}}


def invoke_message_response(text: str) -> dict[str, Any]:
    return {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": text}
