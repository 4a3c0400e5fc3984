"""Text hygiene on the way into the store: NFC, no control characters, tidy line ends."""

from __future__ import annotations

import re
import unicodedata

# C0/C1 control characters except TAB and LF, plus bidi overrides and zero-width junk that only hides text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u202a-\u202e\u2066-\u2069\ufeff]")


def clean_text(value: str | None) -> str:
    """Return `value` as NFC text without control characters, with LF line ends and no outer whitespace."""
    if not value:
        return ""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = nfc(value)
    return _CONTROL.sub("", value).strip()


def nfc(value: str | None) -> str:
    """Unicode NFC: Slack and Teams may send "é" as one character or as "e" plus an accent; compare as one."""
    return unicodedata.normalize("NFC", value or "")
