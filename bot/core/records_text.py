"""Swedish and English text for anonymity, name consent, revealing an author and erased people (issue 10).

Registered in the one i18n catalogue on import, so every reader still gets text from `bot.core.i18n.t`.
"""

from __future__ import annotations

from bot.core.i18n import register
from storage.erasure import FORMER as FORMER_EMPLOYEE  # one wording, also in stored messages the erasure rewrites

register({
    "sv": {
        "person.former": FORMER_EMPLOYEE["sv"],
        "captured.anonymous": "Idén är anonym: ditt namn visas inte för någon utom idéns ansvariga idécoach "
                              "och organisationens administratörer.",
        "anonymous.usage": "Skriv din idé efter ordet, t.ex. /idé anonym Fler laddplatser vid förrådet. Ditt "
                           "namn visas inte för någon utom idéns ansvariga idécoach och administratörerna.",
        "anonymous.off": "Anonyma idéer är avstängda i din organisation. Inget sparades – skicka in idén med "
                         "ditt namn, eller fråga din idécoach.",
        "anonymous.public": "Inget sparades: här syns ditt meddelande för alla i kanalen. Skicka anonyma idéer "
                            "där bara du ser dem – i ett direktmeddelande till mig (i Slack går även "
                            "/idé anonym …).",
        "form.error.anonymous_off": "Anonyma idéer är avstängda i din organisation.",
        "button.reveal": "Visa idégivare",
        "reveal.text": "Idé #{number} skickades in av {name} ({ref}). Uppgiften är bara för dig, och att du "
                       "har sett den är loggat.",
        "reveal.former": "Idé #{number} skickades in av en tidigare medarbetare: uppgifterna om vem det var är "
                         "raderade.",
        "reveal.not_anonymous": "Idé #{number} är inte anonym: idégivaren står redan på idén.",
        "reveal.not_allowed": "Bara idéns ansvariga idécoach och organisationens administratörer kan se vem som "
                              "skickade in en anonym idé.",
        "consent.title": "Får ditt namn visas? Idé #{number}",
        "consent.text": "Din idé ”{title}” har nått {stage}. När idén presenteras bredare – när den sprids till "
                        "andra verksamheter, i inlägg i kanaler och i den öppna delen av statistiken – får ditt "
                        "namn stå med då? Tills du svarar visas inget namn.",
        "button.name_yes": "Ja, visa mitt namn",
        "button.name_no": "Nej, utan namn",
        "consent.yes": "Tack! Ditt namn visas när idé #{number} presenteras bredare. Du kan ändra dig med "
                       "knapparna i frågan.",
        "consent.no": "Okej, ditt namn visas inte när idé #{number} presenteras bredare. Du kan ändra dig med "
                      "knapparna i frågan.",
        "consent.anonymous": "Idé #{number} är anonym: ditt namn visas aldrig.",
    },
    "en": {
        "person.former": FORMER_EMPLOYEE["en"],
        "captured.anonymous": "The idea is anonymous: your name is shown to no one but the idea's responsible "
                              "coach and the organisation's administrators.",
        "anonymous.usage": "Write your idea after the word, e.g. /idea anonymous More charging points by the "
                           "store. Your name is shown to no one but the idea's responsible coach and the "
                           "administrators.",
        "anonymous.off": "Anonymous ideas are turned off in your organisation. Nothing was saved – submit the "
                         "idea with your name, or ask your idea coach.",
        "anonymous.public": "Nothing was saved: everyone in the channel sees your message here. Send anonymous "
                            "ideas where only you see them – in a direct message to me (in Slack, "
                            "/idea anonymous … works too).",
        "form.error.anonymous_off": "Anonymous ideas are turned off in your organisation.",
        "button.reveal": "Show idea giver",
        "reveal.text": "Idea #{number} was submitted by {name} ({ref}). This is for you alone, and that you "
                       "looked is logged.",
        "reveal.former": "Idea #{number} was submitted by a former employee: who it was has been erased.",
        "reveal.not_anonymous": "Idea #{number} is not anonymous: its author is shown on it already.",
        "reveal.not_allowed": "Only the idea's responsible coach and the organisation's administrators can see "
                              "who submitted an anonymous idea.",
        "consent.title": "May your name be shown? Idea #{number}",
        "consent.text": "Your idea “{title}” has reached {stage}. When the idea is presented more widely – "
                        "spread to other units, in channel posts and in the public part of the statistics – may "
                        "your name be shown with it? Until you answer, no name is shown.",
        "button.name_yes": "Yes, show my name",
        "button.name_no": "No, without my name",
        "consent.yes": "Thank you! Your name is shown when idea #{number} is presented more widely. You can "
                       "change your mind with the buttons in the question.",
        "consent.no": "All right, your name is not shown when idea #{number} is presented more widely. You can "
                      "change your mind with the buttons in the question.",
        "consent.anonymous": "Idea #{number} is anonymous: your name is never shown.",
    },
})
