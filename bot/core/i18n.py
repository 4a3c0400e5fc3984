"""Every string a person reads, in Swedish (first) and English, chosen by the person's locale.

Adapters and the scheduler may add their own keys with `register` (a module of their own), so that all
user-facing text still comes from this one catalog.
"""

from __future__ import annotations

from typing import Any

LANGUAGES = ("sv", "en")

CATALOG: dict[str, dict[str, str]] = {
    "sv": {
        "captured.title": "Tack! Idé #{number} är registrerad",
        "captured.text": "Din idé ”{title}” har fått nummer #{number} och status {stage}.",
        "captured.again": "Idén finns redan som #{number} ({stage}).",
        "captured.similar": "Liknande idéer:",
        "button.details": "Lägg till detaljer",
        "button.undo": "Ångra",
        "button.show": "Visa",
        "button.vote": "+1",
        "button.take": "Ta ansvar",
        "button.request_info": "Be om komplettering",
        "button.all": "Visa alla",
        "button.new_idea": "Jag har en idé",
        "button.skip_week": "Inte den här veckan",
        "field.title": "Rubrik",
        "field.text": "Beskrivning",
        "field.problem": "Problem den löser",
        "field.benefit": "Vem har nytta av den",
        "field.unit": "Enhet/verksamhet",
        "field.anonymous": "Skicka in anonymt",
        "field.stage": "Status",
        "field.author": "Inskickad av",
        "field.votes": "Röster",
        "field.source": "Länk",
        "field.original_author": "Ursprungligen skriven av",
        "field.history": "Historik",
        "field.comments": "Kommentarer",
        "form.title": "Ny idé",
        "form.title_details": "Detaljer för idé #{number}",
        "form.submit": "Skicka",
        "form.placeholder.title": "Kort rubrik, t.ex. Bättre cykelparkering vid stationen",
        "form.error.required": "Fyll i det här fältet.",
        "form.error.too_long": "Högst {limit} tecken (du skrev {length}).",
        "details.saved": "Detaljerna för idé #{number} är sparade.",
        "list.title": "Mina idéer",
        "list.text": "Du har {count} idéer.",
        "list.one": "Du har 1 idé.",
        "list.empty": "Du har inga idéer än. Skriv /idé följt av din idé, så registreras den.",
        "search.title": "Sökresultat för ”{query}”",
        "search.text": "{count} idéer matchar.",
        "search.one": "1 idé matchar.",
        "search.empty": "Inga idéer matchar ”{query}”.",
        "show.title": "Idé #{number}: {title}",
        "show.anonymous": "Anonym",
        "history.line": "{date} {stage}",
        "history.by": " ({who})",
        "history.comment": " – {comment}",
        "recent.title": "Senaste idéerna",
        "recent.text": "De {count} senaste idéerna i organisationen.",
        "recent.empty": "Organisationen har inga idéer än.",
        "waiting.title": "Väntar på återkoppling",
        "waiting.text": "{count} idéer har ännu inte fått något svar.",
        "waiting.one": "1 idé har ännu inte fått något svar.",
        "waiting.empty": "Alla idéer har fått återkoppling. Bra jobbat!",
        "stage.changed": "Idé #{number} har nu status {stage}.",
        "stage.same": "Idé #{number} har redan status {stage}.",
        "stage.notify.title": "Din idé #{number} har ny status: {stage}",
        "stage.notify.text": "”{title}” har flyttats från {from_stage} till {stage}.",
        "stage.notify.comment": "Kommentar: {comment}",
        "stage.declined_needs_reason": "Ange ett skäl när en idé avslutas, t.ex. /idé status {number} avslutad "
                                       "Ingår redan i ordinarie verksamhet.",
        "take.done": "Du är nu ansvarig för idé #{number}.",
        "undo.done": "Idé #{number} är återkallad och syns inte längre.",
        "vote.done": "Tack för din röst på idé #{number}! Den har nu {votes} röster.",
        "vote.done.one": "Tack för din röst på idé #{number}! Den har nu 1 röst.",
        "vote.again": "Du har redan röstat på idé #{number}.",
        "vote.removed": "Din röst på idé #{number} är borttagen. Den har nu {votes} röster.",
        "vote.own": "Du kan inte rösta på din egen idé.",
        "comment.done": "Din kommentar på idé #{number} är sparad.",
        "error.too_long": "Idén är för lång: högst {limit} tecken (din text har {length}). Inget sparades – "
                          "korta texten och försök igen.",
        "error.unknown_number": "Det finns ingen idé med nummer #{number}.",
        "error.bad_number": "”{value}” är inget idénummer. Skriv till exempel #12 eller 12.",
        "error.unknown_stage": "”{stage}” är ingen status. Välj en av: {stages}.",
        "error.not_coach": "Bara idécoacher kan ändra status på idéer.",
        "error.not_author": "Bara den som skickade in idé #{number} kan göra det.",
        "error.not_allowed": "Det har du inte behörighet till.",
        "error.internal": "Något gick fel hos oss, och inget av det du bad om har sparats. Försök igen om en stund.",
        "error.not_saved": "Idén kunde inte sparas just nu – försök igen om en stund.",
        "error.empty_comment": "Kommentaren är tom.",
        "usage.search": "Skriv vad du söker efter, t.ex. /idé sök cykel",
        "usage.show": "Skriv numret på idén, t.ex. /idé visa 12",
        "usage.status": "Skriv /idé status <nummer> <status> [kommentar], t.ex. /idé status 12 bedömning",
        "usage.undo": "Skriv numret på idén du vill återkalla, t.ex. /idé ångra 12",
        "guided.idea": "Vad är din idé? Beskriv den med en eller några meningar. (Skriv ”avbryt” för att avbryta.)",
        "guided.problem": "Vilket problem löser den? (Skriv ”hoppa över” om du inte vet.)",
        "guided.benefit": "Vem har nytta av den? (Skriv ”hoppa över” om du inte vet.)",
        "guided.cancelled": "Okej, ingen idé sparades.",
        "guided.empty": "Jag behöver en beskrivning av idén för att kunna spara den.",
        "hint.title": "Hej! Jag är Idéslussen.",
        "hint.text": "Skriv ”idé” följt av din idé, så registrerar jag den. Skriv ”hjälp” för allt jag kan.",
        "help.title": "Idéslussen – så här gör du",
        "help.text": (
            "/idé <din idé> – skicka in en idé\n"
            "/idé anonym <din idé> – skicka in en idé utan ditt namn\n"
            "/idé – skicka in en idé steg för steg\n"
            "/idé lista – dina idéer och deras status\n"
            "/idé sök <ord> – sök bland organisationens idéer\n"
            "/idé visa <nr> – en idé med historik\n"
            "/idé ångra <nr> – återkalla din egen idé\n"
            "/idé kommentar <nr> <text> – kommentera en idé\n"
            "/idé statistik [vecka|månad|kvartal|år] – idéslussen i siffror\n"
            "För idécoacher: /idé kö, /idé status <nr> <status> [kommentar], /idé fråga <nr> <fråga>, "
            "/idé överlämna <nr> <idécoach>\n"
            "/idé hjälp – den här hjälpen\n"
            "Statusar: {stages}"
        ),
    },
    "en": {
        "captured.title": "Thank you! Idea #{number} is registered",
        "captured.text": "Your idea “{title}” is number #{number} with status {stage}.",
        "captured.again": "That idea is already registered as #{number} ({stage}).",
        "captured.similar": "Similar ideas:",
        "button.details": "Add details",
        "button.undo": "Undo",
        "button.show": "Show",
        "button.vote": "+1",
        "button.take": "Take ownership",
        "button.request_info": "Ask for details",
        "button.all": "Show all",
        "button.new_idea": "I have an idea",
        "button.skip_week": "Not this week",
        "field.title": "Title",
        "field.text": "Description",
        "field.problem": "Problem it solves",
        "field.benefit": "Who benefits",
        "field.unit": "Unit/department",
        "field.anonymous": "Submit anonymously",
        "field.stage": "Status",
        "field.author": "Submitted by",
        "field.votes": "Votes",
        "field.source": "Link",
        "field.original_author": "Originally written by",
        "field.history": "History",
        "field.comments": "Comments",
        "form.title": "New idea",
        "form.title_details": "Details for idea #{number}",
        "form.submit": "Submit",
        "form.placeholder.title": "Short title, e.g. Better bike parking at the station",
        "form.error.required": "Please fill in this field.",
        "form.error.too_long": "At most {limit} characters (you wrote {length}).",
        "details.saved": "The details of idea #{number} are saved.",
        "list.title": "My ideas",
        "list.text": "You have {count} ideas.",
        "list.one": "You have 1 idea.",
        "list.empty": "You have no ideas yet. Type /idea followed by your idea to register it.",
        "search.title": "Search results for “{query}”",
        "search.text": "{count} ideas match.",
        "search.one": "1 idea matches.",
        "search.empty": "No ideas match “{query}”.",
        "show.title": "Idea #{number}: {title}",
        "show.anonymous": "Anonymous",
        "history.line": "{date} {stage}",
        "history.by": " ({who})",
        "history.comment": " – {comment}",
        "recent.title": "Latest ideas",
        "recent.text": "The organisation's {count} latest ideas.",
        "recent.empty": "The organisation has no ideas yet.",
        "waiting.title": "Waiting for feedback",
        "waiting.text": "{count} ideas have had no answer yet.",
        "waiting.one": "1 idea has had no answer yet.",
        "waiting.empty": "Every idea has had feedback. Well done!",
        "stage.changed": "Idea #{number} now has status {stage}.",
        "stage.same": "Idea #{number} already has status {stage}.",
        "stage.notify.title": "Your idea #{number} has a new status: {stage}",
        "stage.notify.text": "“{title}” moved from {from_stage} to {stage}.",
        "stage.notify.comment": "Comment: {comment}",
        "stage.declined_needs_reason": "Give a reason when declining an idea, e.g. /idea status {number} declined "
                                       "Already part of ordinary operations.",
        "take.done": "You now own idea #{number}.",
        "undo.done": "Idea #{number} is withdrawn and no longer shown.",
        "vote.done": "Thanks for voting for idea #{number}! It now has {votes} votes.",
        "vote.done.one": "Thanks for voting for idea #{number}! It now has 1 vote.",
        "vote.again": "You have already voted for idea #{number}.",
        "vote.removed": "Your vote for idea #{number} is removed. It now has {votes} votes.",
        "vote.own": "You cannot vote for your own idea.",
        "comment.done": "Your comment on idea #{number} is saved.",
        "error.too_long": "The idea is too long: at most {limit} characters (yours has {length}). Nothing was "
                          "saved – shorten it and try again.",
        "error.unknown_number": "There is no idea number #{number}.",
        "error.bad_number": "“{value}” is not an idea number. Write e.g. #12 or 12.",
        "error.unknown_stage": "“{stage}” is not a status. Choose one of: {stages}.",
        "error.not_coach": "Only idea coaches can change the status of ideas.",
        "error.not_author": "Only the person who submitted idea #{number} can do that.",
        "error.not_allowed": "You are not allowed to do that.",
        "error.internal": "Something went wrong on our side, and nothing you asked for was saved. Please try again "
                          "shortly.",
        "error.not_saved": "Your idea could not be saved just now – please try again in a moment.",
        "error.empty_comment": "The comment is empty.",
        "usage.search": "Write what you are looking for, e.g. /idea search bike",
        "usage.show": "Write the idea's number, e.g. /idea show 12",
        "usage.status": "Write /idea status <number> <status> [comment], e.g. /idea status 12 in_review",
        "usage.undo": "Write the number of the idea to withdraw, e.g. /idea undo 12",
        "guided.idea": "What is your idea? Describe it in a sentence or a few. (Type “cancel” to stop.)",
        "guided.problem": "What problem does it solve? (Type “skip” if you don't know.)",
        "guided.benefit": "Who benefits from it? (Type “skip” if you don't know.)",
        "guided.cancelled": "OK, no idea was saved.",
        "guided.empty": "I need a description of the idea to save it.",
        "hint.title": "Hi! I am the idea sluice bot.",
        "hint.text": "Type “idea” followed by your idea and I will register it. Type “help” to see everything I do.",
        "help.title": "Idea sluice – how it works",
        "help.text": (
            "/idea <your idea> – submit an idea\n"
            "/idea anonymous <your idea> – submit an idea without your name\n"
            "/idea – submit an idea step by step\n"
            "/idea list – your ideas and their status\n"
            "/idea search <words> – search the organisation's ideas\n"
            "/idea show <no> – one idea with its history\n"
            "/idea undo <no> – withdraw your own idea\n"
            "/idea comment <no> <text> – comment on an idea\n"
            "/idea stats [week|month|quarter|year] – the idea sluice in figures\n"
            "For idea coaches: /idea queue, /idea status <no> <status> [comment], /idea ask <no> <question>, "
            "/idea handover <no> <coach>\n"
            "/idea help – this help\n"
            "Statuses: {stages}"
        ),
    },
}


def language(locale: str | None, default: str = "sv") -> str:
    """`sv-SE` -> sv, `en-GB` -> en; anything else falls back to `default`."""
    if locale:
        code = locale.replace("_", "-").split("-")[0].lower()
        if code in LANGUAGES:
            return code
        if code in ("nb", "nn", "no", "da"):  # Scandinavian neighbours read Swedish better than English
            return "sv"
    return default if default in LANGUAGES else "sv"


def t(lang: str, key: str, **values: Any) -> str:
    table = CATALOG.get(lang) or CATALOG["sv"]
    template = table.get(key) or CATALOG["sv"].get(key) or key
    return template.format(**values) if values else template


def register(strings: dict[str, dict[str, str]]) -> None:
    """Add keys for a feature module: {"sv": {...}, "en": {...}}."""
    for lang, table in strings.items():
        CATALOG.setdefault(lang, {}).update(table)
