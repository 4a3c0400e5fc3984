"""Render the core's `Reply` as Block Kit: messages, the idea modal and the App Home tab.

Every piece of user text that lands in `mrkdwn` (the top-level `text` included) goes through `mrkdwn()`,
which escapes `&`, `<` and `>`: that is what stops an idea titled `<!channel>` from pinging a channel.
Everything is cut to Block Kit's limits with a visible "…" so Slack never rejects a reply as
`invalid_blocks` because someone wrote a long idea.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot.core.replies import ActionId, Button, Form, FormField, Reply, ReplyKind, Select

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100  # modals and the Home tab
SECTION_TEXT = 3000
FIELD_TEXT = 2000
HEADER_TEXT = 150
MESSAGE_TEXT = 4000
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
MODAL_TITLE = 24  # modal title, submit and close labels
LABEL_TEXT = 2000
PLACEHOLDER_TEXT = 150
FIELDS_PER_SECTION = 10
ELEMENTS_PER_ACTIONS = 25
ELLIPSIS = "…"

FORM_CALLBACK_ID = "idea_form"
INPUT_ACTION_ID = "value"

_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,4}$")


def escape(text: str) -> str:
    """Slack's three control characters in mrkdwn; the only escaping Slack asks for."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cut(text: str, limit: int) -> str:
    """Plain text shortened to `limit` characters, the cut shown with "…"."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + ELLIPSIS


def mrkdwn(text: str, limit: int = SECTION_TEXT) -> str:
    """User text made safe for mrkdwn and cut to `limit` without leaving half an `&amp;` behind."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    head = _PARTIAL_ENTITY.sub("", escaped[: limit - 1])
    return head.rstrip() + ELLIPSIS


def plain(text: str, limit: int = LABEL_TEXT) -> dict[str, Any]:
    return {"type": "plain_text", "text": cut(text or " ", limit), "emoji": True}


def section(text: str) -> dict[str, Any]:
    """A section from text that is *already* mrkdwn-safe (escaped by the caller)."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:SECTION_TEXT] or " "}}


def fit(blocks: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """At most `limit` blocks; when some are dropped the last one left says so with "…"."""
    if len(blocks) <= limit:
        return blocks
    return [*blocks[: limit - 1], {"type": "context", "elements": [{"type": "mrkdwn", "text": ELLIPSIS}]}]


def button_element(button: Button, index: int) -> dict[str, Any]:
    """A button. Slack wants action ids unique within a block, so each carries a `#index` suffix
    (stripped again by `base_action_id`); the value is the core's string, unchanged."""
    element: dict[str, Any] = {
        "type": "button",
        "text": plain(button.label, BUTTON_TEXT),
        "action_id": f"{button.action_id}#{index}",
        "value": button.value[:BUTTON_VALUE],
    }
    if button.style in ("primary", "danger"):
        element["style"] = button.style
    return element


OPTION_TEXT = 75
OPTION_VALUE = 150
OPTIONS_PER_SELECT = 100


def select_element(select: Select, index: int) -> dict[str, Any]:
    """A choice as a static_select: Slack sends the action as soon as an option is chosen, with the option's
    value in `selected_option.value` (bot.slack.listeners passes that on as the action's value)."""
    element: dict[str, Any] = {
        "type": "static_select",
        "action_id": f"{select.action_id}#{index}",
        "placeholder": plain(select.placeholder or select.label, PLACEHOLDER_TEXT),
        "options": [{"text": plain(o.label, OPTION_TEXT), "value": o.value[:OPTION_VALUE]}
                    for o in select.options[:OPTIONS_PER_SELECT]],
    }
    return element


def base_action_id(action_id: str) -> str:
    return action_id.split("#", 1)[0]


def _idea_lines(reply: Reply) -> list[str]:
    lines = []
    for idea in reply.ideas:
        parts = [f"*{mrkdwn(idea.label, 250)}* {mrkdwn(idea.title, 500)}", f"_{mrkdwn(idea.stage_label, 100)}_"]
        if idea.author:
            parts.append(mrkdwn(idea.author, 200))
        if idea.votes:
            parts.append(f":+1: {idea.votes}")
        lines.append(" · ".join(parts))
    return lines


def _pack_lines(lines: list[str]) -> list[dict[str, Any]]:
    """Idea lines packed into as few sections as the 3,000-character limit allows."""
    blocks: list[dict[str, Any]] = []
    current = ""
    for line in lines:
        line = line[:SECTION_TEXT]
        if current and len(current) + 1 + len(line) > SECTION_TEXT:
            blocks.append(section(current))
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        blocks.append(section(current))
    return blocks


def reply_blocks(reply: Reply) -> list[dict[str, Any]]:
    """The body of a reply, without a block limit applied (callers fit it to their surface)."""
    blocks: list[dict[str, Any]] = []
    if reply.notice:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": mrkdwn(reply.notice, 2000)}]})
    if reply.title:
        blocks.append({"type": "header", "text": plain(reply.title, HEADER_TEXT)})
    if reply.text:
        blocks.append(section(mrkdwn(reply.text)))
    fields = [f"*{mrkdwn(f.label, 200)}*\n{mrkdwn(f.value, FIELD_TEXT - 220)}" for f in reply.fields]
    for start in range(0, len(fields), FIELDS_PER_SECTION):
        chunk = fields[start : start + FIELDS_PER_SECTION]
        blocks.append({"type": "section", "fields": [{"type": "mrkdwn", "text": t} for t in chunk]})
    if reply.ideas and reply.ideas_heading:
        blocks.append(section(f"*{mrkdwn(reply.ideas_heading, 200)}*"))
    if any(line.menu is not None and line.menu.options for line in reply.ideas):
        # Each idea its own section with its menu beside it: the coach's queue acts in one step per line.
        for n, (line, text) in enumerate(zip(reply.ideas, _idea_lines(reply), strict=True)):
            note = f"\n{mrkdwn(line.note, 300)}" if line.note else ""
            block = section(text + note)
            if line.menu is not None and line.menu.options:
                block["accessory"] = select_element(line.menu, 100 + n)
            blocks.append(block)
    else:
        blocks.extend(_pack_lines(_idea_lines(reply)))
    if reply.errors:
        blocks.append(section("\n".join(f":warning: {mrkdwn(m, 500)}" for m in reply.errors.values())))
    elements = [button_element(b, i) for i, b in enumerate(reply.buttons)]
    elements += [select_element(s, len(reply.buttons) + i) for i, s in enumerate(reply.selects) if s.options]
    for start in range(0, len(elements), ELEMENTS_PER_ACTIONS):
        blocks.append({"type": "actions", "elements": elements[start : start + ELEMENTS_PER_ACTIONS]})
    return blocks


def fallback_text(reply: Reply) -> str:
    """The message's top-level `text` (notifications, screen readers): escaped like everything else."""
    return mrkdwn(reply.plain_text() or " ", MESSAGE_TEXT)


def open_form_blocks(reply: Reply) -> list[dict[str, Any]]:
    """Where no modal can open (a DM message has no trigger id), offer the form behind a button."""
    label = reply.form.title if reply.form else reply.text
    value = str(reply.form.idea_number or "") if reply.form else ""
    action = ActionId.ADD_DETAILS if reply.form and reply.form.idea_number else ActionId.NEW_IDEA
    body = Reply(kind=ReplyKind.INFO, text=reply.text, buttons=[Button(label=label, action_id=action, value=value)])
    return reply_blocks(body)


def message(reply: Reply) -> dict[str, Any]:
    """Keyword arguments for chat.postMessage / respond(): `text` and `blocks`."""
    blocks = open_form_blocks(reply) if reply.kind == ReplyKind.OPEN_FORM else reply_blocks(reply)
    return {"text": fallback_text(reply), "blocks": fit(blocks, MESSAGE_BLOCKS)}


def home_view(replies: list[Reply]) -> dict[str, Any]:
    """The App Home tab ("Mina idéer", and "Väntar på återkoppling" for coaches)."""
    blocks: list[dict[str, Any]] = []
    for i, reply in enumerate(replies):
        if i:
            blocks.append({"type": "divider"})
        blocks.extend(reply_blocks(reply))
    return {"type": "home", "blocks": fit(blocks or [section(" ")], VIEW_BLOCKS)}


def info_modal(reply: Reply) -> dict[str, Any]:
    """A read-only modal (no submit button) for an answer to a button on the Home tab."""
    title = reply.title or (f"#{reply.idea_number}" if reply.idea_number is not None else "Idéslussen")
    return {"type": "modal", "title": plain(title, MODAL_TITLE), "blocks": fit(reply_blocks(reply), VIEW_BLOCKS)}


def _input_block(field: FormField) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": field.name,
        "label": plain(field.label, LABEL_TEXT),
        "optional": not field.required,
    }
    if field.kind == "checkbox":
        option = {"text": plain(field.placeholder or field.label, 75), "value": "yes"}
        element: dict[str, Any] = {"type": "checkboxes", "action_id": INPUT_ACTION_ID, "options": [option]}
        if field.value and field.value not in ("0", "false", "False"):
            element["initial_options"] = [option]
        block["optional"] = True
    elif field.kind == "choice":
        options = [{"text": plain(o.label, 75), "value": o.value[:150]} for o in field.options[:100]]
        element = {"type": "static_select", "action_id": INPUT_ACTION_ID, "options": options}
        chosen = next((o for o in options if o["value"] == field.value), None)
        if chosen is not None:
            element["initial_option"] = chosen
    elif field.kind == "date":
        element = {"type": "datepicker", "action_id": INPUT_ACTION_ID}
        if field.value:
            element["initial_date"] = field.value
    else:
        element = {"type": "plain_text_input", "action_id": INPUT_ACTION_ID, "multiline": field.kind == "multiline"}
        if field.max_length:
            element["max_length"] = min(field.max_length, 3000)
        if field.value:
            element["initial_value"] = field.value[: element.get("max_length", 3000)]
        if field.placeholder:
            element["placeholder"] = plain(field.placeholder, PLACEHOLDER_TEXT)
    block["element"] = element
    return block


def modal_view(form: Form, metadata: dict[str, Any]) -> dict[str, Any]:
    """The idea form as a modal. `metadata` (idea number, context, where to answer) rides along in
    `private_metadata` so the submission can be answered without server-side state."""
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK_ID,
        "title": plain(form.title, MODAL_TITLE),
        "submit": plain(form.submit_label, MODAL_TITLE),
        "private_metadata": json.dumps(metadata, separators=(",", ":"))[:3000],
        "blocks": fit([_input_block(f) for f in form.fields], VIEW_BLOCKS),
    }


def form_values(view: dict[str, Any]) -> dict[str, Any]:
    """A view_submission's state as the core's form values: strings (None when empty) and `anonymous`."""
    values: dict[str, Any] = {}
    for block_id, actions in (view.get("state") or {}).get("values", {}).items():
        element = actions.get(INPUT_ACTION_ID) or next(iter(actions.values()), {})
        if element.get("type") == "checkboxes":
            values[block_id] = bool(element.get("selected_options"))
        elif element.get("type") == "static_select":
            values[block_id] = (element.get("selected_option") or {}).get("value")
        elif element.get("type") == "datepicker":
            values[block_id] = element.get("selected_date")
        else:
            text = element.get("value")
            values[block_id] = text if text and text.strip() else None
    values["anonymous"] = bool(values.get("anonymous"))
    return values


def form_errors(errors: dict[str, str], view: dict[str, Any]) -> dict[str, str]:
    """The core's field errors keyed by the modal's block ids. Slack rejects an error for a block that
    is not in the view, so an error without a matching block is shown on the first input."""
    block_ids = [b.get("block_id") for b in view.get("blocks", []) if b.get("type") == "input"]
    first = block_ids[0] if block_ids else "title"
    result: dict[str, str] = {}
    for name, text in errors.items():
        key = name if name in block_ids else first
        result[key] = cut(f"{result[key]} {text}" if key in result else text, 2000)
    return result
