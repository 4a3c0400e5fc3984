"""Swedish and English text for the feedback promise, the coach's queue, the ladder and the figures.

Registered in the one catalogue on import. Dates are written the Swedish way ("torsdag 17 december").
"""

from __future__ import annotations

from datetime import date

from bot.core.i18n import register

WEEKDAYS = {"sv": ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"),
            "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")}
MONTHS = {"sv": ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
                 "november", "december"),
          "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                 "November", "December")}


def long_date(day: date, lang: str) -> str:
    """"torsdag 17 december" / "Thursday 17 December"; the year only when it is not the current one is the
    caller's business (`with_year`)."""
    table = "en" if lang == "en" else "sv"
    return f"{WEEKDAYS[table][day.weekday()]} {day.day} {MONTHS[table][day.month - 1]}"


def long_date_year(day: date, lang: str, today: date) -> str:
    text = long_date(day, lang)
    return text if day.year == today.year else f"{text} {day.year}"


register({
    "sv": {
        "promise.text": "Du får besked senast {date}.",
        "promise.coach": "Din idé handläggs av {coach}.",
        "field.due": "Besked senast",
        "field.owner": "Ansvarig idécoach",
        "owner.none": "Ingen än",
        "owner.notify.title": "Idé #{number} har en ansvarig idécoach",
        "owner.notify.text": "Din idé ”{title}” handläggs nu av {coach}.",
        "handover.notify.title": "Du är ansvarig för idé #{number}",
        "handover.notify.text": "{who} lämnade över idé #{number} ”{title}” till dig.",
        "handover.done": "Idé #{number} handläggs nu av {coach}.",
        "handover.not_coach": "{who} är ingen idécoach. Välj en av: {coaches}.",
        "handover.usage": "Skriv /idé överlämna <nr> <idécoach>, t.ex. /idé överlämna 12 @Cecilia",
        "button.ask": "Fråga idégivaren",
        "button.comment": "Kommentera",
        "select.stage": "Ändra status",
        "select.stage_placeholder": "Välj status",
        "select.handover": "Lämna över",
        "select.handover_placeholder": "Välj idécoach",
        "select.menu": "Gör",
        "select.menu_placeholder": "Välj åtgärd",
        "menu.stage": "Status: {stage}",
        "menu.handover": "Lämna över till {coach}",
        "stage.choose": "Välj en status först.",
        "form.ask_title": "Fråga om idé #{number}",
        "form.comment_title": "Kommentar till idé #{number}",
        "form.decline_title": "Avsluta idé #{number}",
        "form.ask_field": "Din fråga till idégivaren",
        "form.comment_field": "Din kommentar",
        "form.decline_field": "Skäl (idégivaren får läsa det)",
        "form.send": "Skicka",
        "ask.done": "Frågan om idé #{number} är skickad till idégivaren.",
        "ask.usage": "Skriv /idé fråga <nr> <din fråga>, t.ex. /idé fråga 12 Vad skulle det kosta?",
        "ask.notify.title": "En fråga om din idé #{number}",
        "ask.notify.text": "{who} undrar: {question}\nSvara i tråden eller skriv ditt svar här.",
        "comment.usage": "Skriv /idé kommentar <nr> <text>, t.ex. /idé kommentar 12 Bra förslag!",
        "comment.notify.title": "Ny kommentar på din idé #{number}",
        "comment.notify.text": "{who}: {comment}",
        "answer.saved": "Tack! Ditt svar är sparat på idé #{number} och skickat till {coach}.",
        "answer.notify.title": "Svar om idé #{number}",
        "answer.notify.text": "{who} svarade på din fråga ”{question}”: {answer}",
        "answer.notify.comment": "{who} kommenterade idé #{number}: {answer}",
        "author.anonymous": "Idégivaren",
        "queue.title": "Väntar på din återkoppling",
        "queue.text": "{count} idéer väntar på första besked: dina först, sedan de som ingen har tagit.",
        "queue.one": "1 idé väntar på första besked.",
        "queue.empty": "Inga idéer väntar på dig. Bra jobbat!",
        "queue.not_coach": "Kön är för idécoacher.",
        "queue.unassigned": "ingen ansvarig",
        "due.left": "{n} arbetsdagar kvar",
        "due.left_one": "1 arbetsdag kvar",
        "due.today": "sista dagen i dag",
        "due.late": "{n} arbetsdagar sen",
        "due.late_one": "1 arbetsdag sen",
        "due.none": "inget löfte",
        "ladder.title": "Idéer som väntar på besked",
        "ladder.intro": "Idéslussen lovar idégivarna besked inom {days} arbetsdagar.",
        "ladder.soon": "Snart sista dag för besked – du är ansvarig ({count})",
        "ladder.soon_all": "Snart sista dag för besked – ingen är ansvarig ({count})",
        "ladder.late": "Löftet om besked har passerat ({count})",
        "ladder.managers": "Fortfarande utan besked fem arbetsdagar efter löftet ({count})",
        "ladder.line": "#{number} {title} – senast {date}{coach}",
        "ladder.line_coach": ", {coach}",
        "ladder.author_title": "Din idé #{number} har inte fått besked i tid",
        "ladder.author_text": "Vi lovade dig besked om ”{title}” senast {date}, och idén har inte bedömts i tid. "
                              "Idécoacherna har fått en påminnelse.",
        "ladder.author_text_nobody": "Vi lovade dig besked om ”{title}” senast {date}, och idén har inte bedömts "
                                     "i tid. Det finns ingen idécoach att påminna just nu; din chef kan hjälpa dig.",
        "button.queue": "Visa kön",
    },
    "en": {
        "promise.text": "You will hear back by {date}.",
        "promise.coach": "Your idea is handled by {coach}.",
        "field.due": "Answer by",
        "field.owner": "Responsible coach",
        "owner.none": "Nobody yet",
        "owner.notify.title": "Idea #{number} has a responsible coach",
        "owner.notify.text": "Your idea “{title}” is now handled by {coach}.",
        "handover.notify.title": "You are responsible for idea #{number}",
        "handover.notify.text": "{who} handed idea #{number} “{title}” over to you.",
        "handover.done": "Idea #{number} is now handled by {coach}.",
        "handover.not_coach": "{who} is not an idea coach. Choose one of: {coaches}.",
        "handover.usage": "Write /idea handover <no> <coach>, e.g. /idea handover 12 @Cecilia",
        "button.ask": "Ask the author",
        "button.comment": "Comment",
        "select.stage": "Change status",
        "select.stage_placeholder": "Choose a status",
        "select.handover": "Hand over",
        "select.handover_placeholder": "Choose a coach",
        "select.menu": "Do",
        "select.menu_placeholder": "Choose an action",
        "menu.stage": "Status: {stage}",
        "menu.handover": "Hand over to {coach}",
        "stage.choose": "Choose a status first.",
        "form.ask_title": "Question about idea #{number}",
        "form.comment_title": "Comment on idea #{number}",
        "form.decline_title": "Decline idea #{number}",
        "form.ask_field": "Your question to the author",
        "form.comment_field": "Your comment",
        "form.decline_field": "Reason (the author will read it)",
        "form.send": "Send",
        "ask.done": "The question about idea #{number} is sent to its author.",
        "ask.usage": "Write /idea ask <no> <your question>, e.g. /idea ask 12 What would it cost?",
        "ask.notify.title": "A question about your idea #{number}",
        "ask.notify.text": "{who} asks: {question}\nAnswer in the thread or write your answer here.",
        "comment.usage": "Write /idea comment <no> <text>, e.g. /idea comment 12 Good proposal!",
        "comment.notify.title": "New comment on your idea #{number}",
        "comment.notify.text": "{who}: {comment}",
        "answer.saved": "Thank you! Your answer is saved on idea #{number} and sent to {coach}.",
        "answer.notify.title": "Answer about idea #{number}",
        "answer.notify.text": "{who} answered your question “{question}”: {answer}",
        "answer.notify.comment": "{who} commented on idea #{number}: {answer}",
        "author.anonymous": "The author",
        "queue.title": "Waiting for your feedback",
        "queue.text": "{count} ideas wait for a first answer: yours first, then those nobody has taken.",
        "queue.one": "1 idea waits for a first answer.",
        "queue.empty": "No ideas are waiting for you. Well done!",
        "queue.not_coach": "The queue is for idea coaches.",
        "queue.unassigned": "nobody responsible",
        "due.left": "{n} working days left",
        "due.left_one": "1 working day left",
        "due.today": "due today",
        "due.late": "{n} working days late",
        "due.late_one": "1 working day late",
        "due.none": "no promise",
        "ladder.title": "Ideas waiting for an answer",
        "ladder.intro": "The idea sluice promises authors an answer within {days} working days.",
        "ladder.soon": "Answer due soon – you are responsible ({count})",
        "ladder.soon_all": "Answer due soon – nobody is responsible ({count})",
        "ladder.late": "The promised answer is late ({count})",
        "ladder.managers": "Still no answer five working days after the promise ({count})",
        "ladder.line": "#{number} {title} – by {date}{coach}",
        "ladder.line_coach": ", {coach}",
        "ladder.author_title": "Your idea #{number} has not been answered in time",
        "ladder.author_text": "We promised you an answer about “{title}” by {date}, and it has not been assessed "
                              "in time. The idea coaches have been reminded.",
        "ladder.author_text_nobody": "We promised you an answer about “{title}” by {date}, and it has not been "
                                     "assessed in time. There is no idea coach to remind right now; your manager "
                                     "can help.",
        "button.queue": "Show the queue",
    },
})
