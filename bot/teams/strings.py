"""The few words the Teams adapter adds around the core's text (card chrome), Swedish first.

They go into the core's one catalogue (`bot.core.i18n.register`) so all user-facing text lives in one
place; these are only labels that exist because of Teams (the message extension's dialog, a vote count
inside a card line).
"""

from __future__ import annotations

from bot.core.i18n import language, register, t

register({
    "sv": {
        "teams.votes": "{n} röster",
        "teams.more": "… och {n} till",
        "teams.required": "Måste fyllas i",
        "teams.save_as_idea": "Spara som idé",
        "teams.from_message": "Från ett meddelande av {name}",
        "teams.message_unavailable": "Meddelandet kunde inte läsas.",
    },
    "en": {
        "teams.votes": "{n} votes",
        "teams.more": "… and {n} more",
        "teams.required": "Required",
        "teams.save_as_idea": "Save as idea",
        "teams.from_message": "From a message by {name}",
        "teams.message_unavailable": "The message could not be read.",
    },
})


def chrome(key: str, locale: str | None, **values: object) -> str:
    return t(language(locale), f"teams.{key}", **values)
