"""Swedish and English text for pilot groups, nudges, pauses and the weekly digest.

Registered in the one i18n catalog on import, so every reader still gets text from `bot.core.i18n.t`.
"""

from __future__ import annotations

from bot.core.i18n import register

# The default rotation: one prompt a week, Swedish first, each with its English twin.
DEFAULT_PROMPTS: tuple[tuple[str, str], ...] = (
    ("Vilken utmaning mötte du den här veckan?", "What challenge did you run into this week?"),
    ("Vad tog onödigt lång tid i veckan?", "What took longer than it should have this week?"),
    ("Vad har en brukare eller kollega önskat sig?", "What has a service user or a colleague wished for?"),
    ("Vilken regel eller rutin skulle du vilja ändra?", "Which rule or routine would you like to change?"),
    ("Vad gjorde någon annan bra som fler borde göra?", "What did someone do well that more of us should do?"),
    ("Vad skulle göra din arbetsdag lite enklare?", "What would make your working day a little easier?"),
)

register({
    "sv": {
        "nudge.title": "Veckans fråga – {group}",
        "nudge.hint": "Svara med /idé följt av din idé, eller tryck på knappen.",
        "nudge.reminder_title": "Påminnelse: veckans fråga – {group}",
        "nudge.skipped": "Okej, inga fler påminnelser om den här frågan den här veckan.",
        "nudge.challenge": "Veckans utmaning",
        "pause.done": "Du får inga frågor från pilotgrupper förrän {date}.",
        "pause.off": "Frågorna från pilotgrupper är på igen.",
        "pause.stop": "Du får inga fler frågor från pilotgrupper. Skriv /idé paus av för att ångra.",
        "pause.usage": "Skriv /idé paus 2v (veckor), /idé paus 3d (dagar), /idé paus stopp eller /idé paus av.",
        "group.usage": ("Grupper (för administratörer):\n"
                        "/idé grupp lista\n"
                        "/idé grupp skapa <namn>\n"
                        "/idé grupp lägg till <namn> <person> …\n"
                        "/idé grupp ta bort <namn> <person> …\n"
                        "/idé grupp fråga <namn> <fråga>"),
        "group.not_admin": "Bara administratörer kan ändra pilotgrupper.",
        "group.created": "Gruppen ”{name}” är skapad (schema {schedule}, {timezone}).",
        "group.exists": "Det finns redan en grupp som heter ”{name}”.",
        "group.unknown": "Det finns ingen grupp som heter ”{name}”.",
        "group.members_added": "{count} nya medlemmar i ”{name}”.",
        "group.members_removed": "{count} medlemmar borttagna ur ”{name}”.",
        "group.prompt_added": "Frågan är tillagd i ”{name}”.",
        "group.list_title": "Pilotgrupper",
        "group.list_empty": "Det finns inga pilotgrupper än.",
        "group.line": "{name}: {members} medlemmar, {schedule} ({timezone}){channel}",
        "digest.title": "Veckosammanfattning {week}",
        "digest.summary": "{new} nya idéer, {changes} statusändringar, {waiting} väntar på återkoppling.",
        "digest.scope_org": "Hela organisationen",
        "digest.scope_groups": "Grupper: {groups}",
        "digest.new": "Nya idéer ({count})",
        "digest.changes": "Statusändringar ({count})",
        "digest.waiting": "Väntar på första återkoppling mer än {days} arbetsdagar ({count})",
        "digest.groups": "Pilotgrupper",
        "digest.group_line": "{name}: {sent} frågor skickade, {answered} idéer som svar",
        "digest.voted": "Mest röstade i veckan",
        "digest.votes": "{votes} röster",
        "digest.more": "… och {count} till",
        "digest.nothing": "Inget nytt den här veckan.",
        "digest.change_line": "#{number} {title}: {from_stage} → {to_stage}",
    },
    "en": {
        "nudge.title": "This week's question – {group}",
        "nudge.hint": "Answer with /idea followed by your idea, or press the button.",
        "nudge.reminder_title": "Reminder: this week's question – {group}",
        "nudge.skipped": "All right, no more reminders about this question this week.",
        "nudge.challenge": "This week's challenge",
        "pause.done": "You get no questions from pilot groups until {date}.",
        "pause.off": "Questions from pilot groups are on again.",
        "pause.stop": "You get no more questions from pilot groups. Write /idea pause off to undo.",
        "pause.usage": "Write /idea pause 2w (weeks), /idea pause 3d (days), /idea pause stop or /idea pause off.",
        "group.usage": ("Groups (for administrators):\n"
                        "/idea group list\n"
                        "/idea group create <name>\n"
                        "/idea group add <name> <person> …\n"
                        "/idea group remove <name> <person> …\n"
                        "/idea group prompt <name> <question>"),
        "group.not_admin": "Only administrators can change pilot groups.",
        "group.created": "The group “{name}” is created (schedule {schedule}, {timezone}).",
        "group.exists": "There is a group called “{name}” already.",
        "group.unknown": "There is no group called “{name}”.",
        "group.members_added": "{count} new members in “{name}”.",
        "group.members_removed": "{count} members removed from “{name}”.",
        "group.prompt_added": "The question is added to “{name}”.",
        "group.list_title": "Pilot groups",
        "group.list_empty": "There are no pilot groups yet.",
        "group.line": "{name}: {members} members, {schedule} ({timezone}){channel}",
        "digest.title": "Weekly digest {week}",
        "digest.summary": "{new} new ideas, {changes} stage changes, {waiting} waiting for feedback.",
        "digest.scope_org": "The whole organisation",
        "digest.scope_groups": "Groups: {groups}",
        "digest.new": "New ideas ({count})",
        "digest.changes": "Stage changes ({count})",
        "digest.waiting": "Waiting for first feedback more than {days} working days ({count})",
        "digest.groups": "Pilot groups",
        "digest.group_line": "{name}: {sent} questions sent, {answered} ideas in answer",
        "digest.voted": "Most voted this week",
        "digest.votes": "{votes} votes",
        "digest.more": "… and {count} more",
        "digest.nothing": "Nothing new this week.",
        "digest.change_line": "#{number} {title}: {from_stage} → {to_stage}",
    },
})
