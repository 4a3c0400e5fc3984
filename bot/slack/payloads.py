"""Who and where, read from Slack payloads: the only Slack knowledge the listeners need to call the core.

Slash commands, events and interactivity name the user, team and channel in different places; these
functions hide that. Enterprise Grid org-wide installs may send no team, so the enterprise id stands in.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot.core.context import Actor
from bot.core.grammar import nfc

_LEADING_MENTION = re.compile(r"^\s*<@[UWB][A-Z0-9]+(?:\|[^>]*)?>\s*[:,]?\s*")
_MARKUP = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
_BROADCASTS = {"channel", "here", "everyone"}
VOTE_REACTIONS = frozenset({"+1", "thumbsup"})


def _id(value: Any) -> str | None:
    found = value.get("id") if isinstance(value, dict) else value
    return str(found) if found else None


def _workspace(team: Any, enterprise: Any) -> str | None:
    return _id(team) or _id(enterprise)


def actor_from_command(command: dict[str, Any]) -> Actor:
    return Actor(platform="slack", user_id=command["user_id"],
                 workspace=_workspace(command.get("team_id"), command.get("enterprise_id")),
                 display_name=command.get("user_name") or None, enterprise=_id(command.get("enterprise_id")))


def actor_from_interaction(body: dict[str, Any]) -> Actor:
    user = body.get("user") or {}
    name = user.get("name") or user.get("username") or None
    return Actor(platform="slack", user_id=user["id"],
                 workspace=_workspace(body.get("team") or user.get("team_id"), body.get("enterprise")),
                 display_name=name, enterprise=_id(body.get("enterprise")))


def actor_from_event(body: dict[str, Any], user_id: str) -> Actor:
    enterprise = body.get("enterprise_id") or (body.get("authorizations") or [{}])[0].get("enterprise_id")
    return Actor(platform="slack", user_id=user_id,
                 workspace=_workspace(body.get("team_id"), enterprise), enterprise=_id(enterprise))


def _markup_as_text(match: re.Match[str]) -> str:
    target, label = match.group(1), match.group(2)
    if target[:1] in ("@", "#"):
        return target[0] + (label or target[1:])
    if target.startswith("!"):
        name = target[1:].split("^", 1)[0]
        return label or (f"@{name}" if name in _BROADCASTS else name)
    if target.startswith("mailto:"):
        return label or target[len("mailto:"):]
    return f"{label} ({target})" if label and label != target else target


def message_text(text: str | None) -> str:
    """A message's text as a person reads it. Events carry Slack's markup (`<url|label>`, `<@U1>`,
    `<!here>`) with `&`, `<`, `>` as entities; the core stores plain text, so both are undone here
    (a stored `<!here>` would otherwise be one rendering bug away from pinging a channel)."""
    plain = _MARKUP.sub(_markup_as_text, nfc(text))
    return plain.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def without_mention(text: str | None) -> str:
    """An app_mention's text without the leading `@Idéslussen`, as plain text."""
    return message_text(_LEADING_MENTION.sub("", nfc(text), count=1))


def thread_parent(event: dict[str, Any]) -> str | None:
    """The ts of the message this one replies to in a thread; None for a top-level message."""
    parent = event.get("thread_ts")
    return parent if parent and parent != event.get("ts") else None


def is_vote_reaction(name: str | None) -> bool:
    return (name or "").split("::", 1)[0] in VOTE_REACTIONS


def load_metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
