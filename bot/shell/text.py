"""The shell's own words (prompts, its verbs' help, "no such button"), in the one i18n catalogue.

Everything the console says is user-facing, so it is Swedish first and English second like the rest of
the bot; the core's keys stay the core's.
"""

from __future__ import annotations

from bot.core.i18n import register

register({
    "sv": {
        "shell.prompt": "{name} idé> ",
        "shell.to": "till",
        "shell.help.title": "I shellet kan du också",
        "shell.help.text": (
            ":1, :2 … – tryck på knapp 1, 2 … i det senaste meddelandet till dig (:2 m3 – i meddelande m3)\n"
            ":4.2 – välj alternativ 2 i val 4 (t.ex. en ny status)\n"
            ":react REF [+1|-1] – reagera med tummen upp på ett meddelande (-1 tar bort reaktionen)\n"
            ":thread REF <text> – svara i ett meddelandes tråd\n"
            ":as NAMN [sv|en] – byt person: du blir shell:NAMN\n"
            ":nudge GRUPP – skicka pilotgruppens fråga nu (som idesluss nudge send)\n"
            ":hjälp – de här kommandona\n"
            "REF är ett idénummer (12 = meddelandet som visar idé #12) eller ett utskick ([m3] = m3).\n"
            "I ett formulär: Enter hoppar över ett frivilligt fält eller behåller det som står inom [ ], "
            "- tömmer fältet, ja/nej för kryssrutor, :avbryt stänger formuläret."
        ),
        "shell.unknown_verb": "Okänt shellkommando ”:{verb}”. Skriv :hjälp för att se vad shellet kan.",
        "shell.nothing_shown": "Du har inte fått något meddelande än, så det finns ingen knapp att trycka på.",
        "shell.no_buttons": "Meddelandet har inga knappar.",
        "shell.choose_option": ":{number} är ett val: skriv :{number}.1 … :{number}.{count} för det du väljer.",
        "shell.not_a_choice": ":{number} är en knapp, inget val: skriv :{number}.",
        "shell.no_such_button": "Det finns ingen knapp {number}. Välj en knapp mellan 1 och {count}.",
        "shell.unknown_ref": "”{ref}” är inget meddelande i shellet. Skriv ett idénummer (12) eller ett "
                             "utskick (m3).",
        "shell.idea_not_shown": "Inget meddelande i shellet visar idé #{number}. Visa den först med "
                                "/idé visa {number}.",
        "shell.not_yours": "{ref} skickades till {name}, inte till dig. Byt person med :as {name}.",
        "shell.react.usage": "Skriv :react REF +1 eller :react REF -1, till exempel :react 12 +1.",
        "shell.react.added": "Din reaktion +1 på {ref} är registrerad.",
        "shell.react.removed": "Din reaktion på {ref} är borttagen.",
        "shell.react.not_counted": "Reaktionen på {ref} ändrade ingenting: du röstar inte på din egen idé, och "
                                   "bara en gång på andras.",
        "shell.react.ignored": "Idéslussen gör ingenting med reaktioner på {ref}.",
        "shell.react.nothing_to_remove": "Du hade ingen reaktion på {ref} att ta bort.",
        "shell.thread.usage": "Skriv :thread REF <text>, till exempel :thread 12 Bra idé!",
        "shell.as.usage": "Skriv :as NAMN, till exempel :as bertil (eller :as eve en för engelska).",
        "shell.as.done": "Du är nu {name} (shell:{name}).",
        "shell.nudge.usage": "Skriv :nudge GRUPP, till exempel :nudge Skola.",
        "shell.nudge.unavailable": "Det här shellet kan inte skicka pilotgruppers frågor.",
        "shell.nudge.unknown": "Det finns ingen pilotgrupp som heter ”{name}” i shellet. Skapa den med "
                               "idesluss groups create {name} --platform shell.",
        "shell.nudge.sent": "Frågan till ”{name}” är skickad. Mottagare: {count}.",
        "shell.nudge.sent_paused": "Frågan till ”{name}” är skickad. Mottagare: {count} ({skipped} har "
                                   "pausat frågorna).",
        "shell.nudge.nothing": "”{name}” har redan fått dagens fråga, eller har inga medlemmar att fråga.",
        "shell.form.intro": "{title} – fyll i fälten ett i taget. Enter hoppar över ett frivilligt fält, "
                            ":avbryt stänger formuläret.",
        "shell.form.required": " (obligatoriskt)",
        "shell.form.yes_no": " (ja/nej)",
        "shell.form.yes": "ja",
        "shell.form.no": "nej",
        "shell.form.bad_checkbox": "Svara ja eller nej.",
        "shell.form.bad_choice": "Skriv numret på ett av alternativen, 1–{count}.",
        "shell.form.fix": "Rätta det här och svara igen:",
        "shell.form.busy": "Formuläret är öppet: svara på frågan, eller skriv :avbryt för att stänga det.",
        "shell.form.cancelled": "Formuläret är stängt. Inget sparades.",
        "shell.form.none": "Inget formulär är öppet.",
    },
    "en": {
        "shell.prompt": "{name} idea> ",
        "shell.to": "to",
        "shell.help.title": "In the shell you can also",
        "shell.help.text": (
            ":1, :2 … – press button 1, 2 … of the latest message to you (:2 m3 – of message m3)\n"
            ":4.2 – pick option 2 of choice 4 (a new stage, say)\n"
            ":react REF [+1|-1] – react with a thumbs-up to a message (-1 takes the reaction back)\n"
            ":thread REF <text> – reply in a message's thread\n"
            ":as NAME [sv|en] – switch person: you become shell:NAME\n"
            ":nudge GROUP – send the pilot group's question now (like idesluss nudge send)\n"
            ":help – these commands\n"
            "REF is an idea number (12 = the message that shows idea #12) or a delivery ([m3] = m3).\n"
            "In a form: Enter skips an optional field or keeps what is shown in [ ], - empties the field, "
            "yes/no for checkboxes, :cancel closes the form."
        ),
        "shell.unknown_verb": "Unknown shell command “:{verb}”. Type :help to see what the shell can do.",
        "shell.nothing_shown": "You have had no message yet, so there is no button to press.",
        "shell.no_buttons": "That message has no buttons.",
        "shell.choose_option": ":{number} is a choice: write :{number}.1 … :{number}.{count} for the one you pick.",
        "shell.not_a_choice": ":{number} is a button, not a choice: write :{number}.",
        "shell.no_such_button": "There is no button {number}. Choose a button from 1 to {count}.",
        "shell.unknown_ref": "“{ref}” is not a message in the shell. Write an idea number (12) or a delivery (m3).",
        "shell.idea_not_shown": "No message in the shell shows idea #{number}. Show it first with /idea show {number}.",
        "shell.not_yours": "{ref} was sent to {name}, not to you. Switch person with :as {name}.",
        "shell.react.usage": "Write :react REF +1 or :react REF -1, for example :react 12 +1.",
        "shell.react.added": "Your +1 reaction on {ref} is counted.",
        "shell.react.removed": "Your reaction on {ref} is removed.",
        "shell.react.not_counted": "The reaction on {ref} changed nothing: you do not vote for your own idea, and "
                                   "only once for others'.",
        "shell.react.ignored": "The bot does nothing with reactions on {ref}.",
        "shell.react.nothing_to_remove": "You had no reaction on {ref} to remove.",
        "shell.thread.usage": "Write :thread REF <text>, for example :thread 12 Good idea!",
        "shell.as.usage": "Write :as NAME, for example :as bertil (or :as eve en for English).",
        "shell.as.done": "You are now {name} (shell:{name}).",
        "shell.nudge.usage": "Write :nudge GROUP, for example :nudge School.",
        "shell.nudge.unavailable": "This shell cannot send pilot groups' questions.",
        "shell.nudge.unknown": "There is no pilot group called “{name}” in the shell. Create it with "
                               "idesluss groups create {name} --platform shell.",
        "shell.nudge.sent": "The question to “{name}” is sent. Recipients: {count}.",
        "shell.nudge.sent_paused": "The question to “{name}” is sent. Recipients: {count} ({skipped} "
                                   "paused the questions).",
        "shell.nudge.nothing": "“{name}” has had today's question already, or has no members to ask.",
        "shell.form.intro": "{title} – fill in the fields one at a time. Enter skips an optional field, :cancel "
                            "closes the form.",
        "shell.form.required": " (required)",
        "shell.form.yes_no": " (yes/no)",
        "shell.form.yes": "yes",
        "shell.form.no": "no",
        "shell.form.bad_checkbox": "Answer yes or no.",
        "shell.form.bad_choice": "Write the number of one of the options, 1–{count}.",
        "shell.form.fix": "Please correct this and answer again:",
        "shell.form.busy": "The form is open: answer the question, or type :cancel to close it.",
        "shell.form.cancelled": "The form is closed. Nothing was saved.",
        "shell.form.none": "No form is open.",
    },
})
