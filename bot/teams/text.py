"""Teams message text → the plain NFC text the core expects.

Teams sends the text with `<at>…</at>` around mentions, often HTML (`<p>`, `<br>`, `&nbsp;`, entities),
and sometimes decomposed Unicode. The bot's own mention is dropped (in a channel it is how people
address the bot, not part of the idea); other mentions keep the person's name.
"""

from __future__ import annotations

import html
import re
from typing import Any

from bot.core.grammar import nfc

# Only tags Teams is known to send: a literal "a < b > c" in plain text must survive.
_BLOCK_TAGS = re.compile(r"</?(?:p|div|br|li|ul|ol|blockquote|pre|h[1-6])(?:\s[^<>]*)?/?>", re.IGNORECASE)
_INLINE_TAGS = re.compile(r"</?(?:at|span|strong|em|b|i|u|s|a|code|font|sup|sub)(?:\s[^<>]*)?>", re.IGNORECASE)
_AT_TAG = re.compile(r"<at(?:\s[^<>]*)?>(.*?)</at>", re.IGNORECASE | re.DOTALL)
_SPACES = re.compile(r"[ \t\u00a0]+")


def _mentions(activity: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in activity.get("entities") or [] if isinstance(e, dict) and e.get("type") == "mention"]


def mentions_bot(activity: dict[str, Any]) -> bool:
    bot_id = (activity.get("recipient") or {}).get("id")
    return any((e.get("mentioned") or {}).get("id") == bot_id for e in _mentions(activity)) if bot_id else False


def strip_bot_mention(text: str, activity: dict[str, Any]) -> str:
    bot_id = (activity.get("recipient") or {}).get("id")
    for entity in _mentions(activity):
        if (entity.get("mentioned") or {}).get("id") == bot_id and entity.get("text"):
            text = text.replace(entity["text"], " ")
    bot_name = (activity.get("recipient") or {}).get("name")
    if bot_name:  # the entity text and the message text do not always agree on "@"
        text = re.sub(rf"<at>@?{re.escape(bot_name)}</at>", " ", text, flags=re.IGNORECASE)
    return text


def to_plain(text: str) -> str:
    """HTML-ish Teams text → plain NFC text with tidy whitespace and line breaks."""
    text = _AT_TAG.sub(lambda m: m.group(1), text)
    text = _BLOCK_TAGS.sub("\n", text)
    text = _INLINE_TAGS.sub("", text)
    text = html.unescape(text)
    text = nfc(text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line).strip()


def message_text(activity: dict[str, Any]) -> str:
    """The words the person wrote to the bot, without the bot's own mention."""
    return to_plain(strip_bot_mention(str(activity.get("text") or ""), activity))
