"""The message extension "Spara som idé": save any Teams message as an idea, with a link back to it.

`composeExtension/fetchTask` opens a dialog (task module) with the idea form filled from the message;
`composeExtension/submitAction` stores it through the core's form. The link and the message's author
ride along in the card's submit data, so nothing about the dialog needs to be kept server-side.
"""

from __future__ import annotations

from typing import Any

from bot.core import Actor, Core, Origin
from bot.core.forms import FORM_KEYS
from bot.core.replies import ReplyKind
from bot.teams.cards import form_card, task_card, task_message
from bot.teams.strings import chrome
from bot.teams.text import to_plain


def _message_author(payload: dict[str, Any]) -> tuple[str | None, str | None]:
    user = ((payload.get("from") or {}).get("user") or {})
    if user.get("id"):
        return f"teams:{user['id']}", user.get("displayName")
    return None, None


def fetch_task(core: Core, actor: Actor, value: dict[str, Any]) -> dict[str, Any]:
    """The dialog: the idea form with the message's text as the description."""
    payload = value.get("messagePayload") or {}
    text = to_plain(str((payload.get("body") or {}).get("content") or ""))
    opened = core.open_form(actor)
    title = chrome("save_as_idea", actor.locale)
    if opened.form is None:  # the core said no (an error): show its text in the dialog
        return task_message(opened.text)
    form = opened.form
    for field in form.fields:
        if field.name == "text":
            field.value = text
    author_ref, author_name = _message_author(payload)
    message = chrome("from_message", actor.locale, name=author_name) if author_name else ""
    data = {"link": payload.get("linkToMessage"), "original_author": author_ref, "message_id": payload.get("id")}
    card = form_card(form, message=message, locale=opened.locale, submit_type="Action.Submit", extra_data=data)
    return task_card(card, title)


def submit_action(core: Core, actor: Actor, value: dict[str, Any], origin: Origin) -> dict[str, Any]:
    """Store the idea; on validation errors show the dialog again with the messages in it."""
    data = value.get("data") or {}
    values = {k: data.get(k) for k in FORM_KEYS}
    original_author = data.get("original_author")
    saved_from = Origin(link=data.get("link") or origin.link, channel=origin.channel,
                        message_ref=data.get("message_id") or origin.message_ref,
                        original_author=original_author,
                        dedup_key=origin.dedup_key)
    reply = core.submit_form(actor, values, saved_from)
    if reply.kind is ReplyKind.ERROR and reply.form is not None:
        extra = {k: data.get(k) for k in ("link", "original_author", "message_id")}
        card = form_card(reply.form, reply.errors, reply.text, reply.locale, submit_type="Action.Submit",
                         extra_data=extra)
        return task_card(card, chrome("save_as_idea", actor.locale))
    return task_message("\n".join(p for p in (reply.title, reply.text) if p))
