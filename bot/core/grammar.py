"""The `/idé` grammar, Swedish words first with English aliases.

`parse` never fails: text that starts with a command word but does not fit the grammar is an idea
("Visa tydligare skyltar vid entrén" is captured, not shown).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.core.stages import match_stage
from storage.text import nfc

COMMAND_WORDS: dict[str, str] = {
    "lista": "list", "list": "list", "mina": "list",
    "sök": "search", "sok": "search", "search": "search",
    "visa": "show", "show": "show",
    "status": "status",
    "ångra": "undo", "undo": "undo", "återkalla": "undo",
    "hjälp": "help", "help": "help", "?": "help",
}

# How a chat message may start when it is meant for the bot: "/idé", "idé:", "idea", and the NFD spelling.
_PREFIX = re.compile(r"^\s*/?(?:idé|idea|ide)(?=$|[\s:,.!-])[\s:,.!-]*", re.IGNORECASE)
_NUMBER = re.compile(r"^(?:#|nr\.?|no\.?)?(\d{1,9})$", re.IGNORECASE)
# Another organisation's idea, as a shared coach writes it: `aneby#12` (or `Aneby #12`, two words).
_ORG_NUMBER = re.compile(r"^([^\W_][\w-]{0,99})#(\d{1,9})$")
_HASH_NUMBER = re.compile(r"^#(\d{1,9})$")


@dataclass(frozen=True, slots=True)
class Command:
    name: str  # capture | guided | list | search | show | status | undo | help | usage
    text: str = ""  # capture: the idea; search: the query; status: the comment
    number: int | None = None
    stage: str | None = None
    stage_word: str | None = None  # status with an unknown stage: what was written
    extra: dict[str, str] = field(default_factory=dict)
    org: str | None = None  # show/status/undo of another organisation's idea: the organisation as written


def strip_prefix(text: str) -> str | None:
    """The text after a leading `/idé`, `idé:` or `idea`; None when the message is not addressed so."""
    match = _PREFIX.match(nfc(text))
    if not match:
        return None
    return nfc(text)[match.end():]


def parse_number(token: str) -> int | None:
    match = _NUMBER.match(token.strip())
    return int(match.group(1)) if match else None


def parse_idea_ref(token: str) -> tuple[str | None, int] | None:
    """`12`, `#12`, `nr 12` -> (None, 12); `aneby#12` -> ("aneby", 12); anything else None."""
    number = parse_number(token)
    if number is not None:
        return None, number
    match = _ORG_NUMBER.match(token.strip())
    return (match.group(1), int(match.group(2))) if match else None


def _ref(words: list[str]) -> tuple[str | None, int, int] | None:
    """The idea named by the first word(s): (organisation as written or None, number, words used)."""
    if not words:
        return None
    single = parse_idea_ref(words[0])
    if single is not None:
        return single[0], single[1], 1
    if len(words) >= 2 and (match := _HASH_NUMBER.match(words[1])) and parse_number(words[0]) is None:
        return words[0], int(match.group(1)), 2  # "Aneby #12", as an idea is labelled
    return None


def parse(text: str) -> Command:
    text = nfc(text).strip()
    if not text:
        return Command("guided")
    words = text.split()
    head = words[0].casefold()
    name = COMMAND_WORDS.get(head)
    rest = words[1:]
    if name is None:
        return Command("capture", text)
    if name in ("list", "help"):
        return Command(name) if not rest else Command("capture", text)
    if name == "search":
        if not rest:
            return Command("usage", extra={"usage": "search"})
        return Command("search", " ".join(rest))
    if name in ("show", "undo"):
        if not rest:
            return Command("usage", extra={"usage": name})
        ref = _ref(rest)
        if ref is None or len(rest) > ref[2]:
            return Command("capture", text)
        return Command(name, number=ref[1], org=ref[0])
    # status <nr> <stage words> [comment]
    if not rest:
        return Command("usage", extra={"usage": "status"})
    ref = _ref(rest)
    if ref is None:
        return Command("capture", text)
    org, number, taken = ref
    if len(rest) < taken + 1:
        return Command("usage", extra={"usage": "status"})
    matched = match_stage(rest[taken:])
    if matched is None:
        return Command("status", number=number, stage=None, stage_word=rest[taken], org=org)
    code, used = matched
    comment = " ".join(rest[taken + used:]).lstrip("–-: ").strip()
    return Command("status", comment, number=number, stage=code, org=org)


def make_title(text: str, limit: int = 120) -> str:
    """The first line or sentence, at most `limit` characters, cut at a word with a visible ellipsis."""
    first = text.strip().split("\n", 1)[0].strip()
    sentence = re.split(r"(?<=[.!?])\s", first, maxsplit=1)[0].strip()
    title = sentence or first
    if len(title) <= limit:
        return title
    cut = title[: limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:–-") + "…"
