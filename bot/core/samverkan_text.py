"""Swedish and English text for several organisations: connections, shared coaches, challenges and spreading.

Registered in the one i18n catalogue on import, so every reader still gets text from `bot.core.i18n.t`.
"""

from __future__ import annotations

from bot.core.i18n import register, t

register({
    "sv": {
        "org.unconnected": "Den här arbetsytan är inte ansluten till någon idésluss ännu. Be den som sköter "
                           "idéslussen att ansluta den – inget av det du skrev har sparats.",
        "error.unknown_ref": "Det finns ingen idé {ref} som du kan se.",
        "n.idea.one": "1 idé", "n.idea": "{n} idéer",
        "n.org.one": "1 organisation", "n.org": "{n} organisationer",
        "n.vote.one": "1 röst", "n.vote": "{n} röster",
        "n.message.one": "1 meddelande", "n.message": "{n} meddelanden",
        # challenges
        "challenge.list_title": "Öppna utmaningar",
        "challenge.list_text": "Svara med en idé: tryck på knappen eller skriv /idé utmaning <nr> <din idé>.",
        "challenge.list_empty": "Det finns inga öppna utmaningar just nu.",
        "challenge.button.answer": "Idé till #{number}",
        "challenge.button.new": "Ny utmaning",
        "challenge.title": "Utmaning #{number}: {title}",
        "challenge.ends": "Sista dag: {date}.",
        "challenge.how": "Svara med /idé utmaning {number} <din idé>, eller tryck på Jag har en idé.",
        "challenge.closed": "Utmaningen är avslutad.",
        "challenge.unknown": "Det finns ingen utmaning #{number}.",
        "challenge.not_open": "Utmaning #{number} är inte öppen för din organisation (eller har redan avslutats). "
                              "Skriv /idé utmaningar för de öppna.",
        "challenge.not_allowed": "Bara chefer och administratörer kan anta en utmaning.",
        "challenge.usage": "Skriv /idé utmaning ny <sista dag ÅÅÅÅ-MM-DD> <rubrik>, "
                           "t.ex. /idé utmaning ny 2026-04-30 Hur når vi fler sommarvikarier?",
        "challenge.created": "Utmaning #{number} ”{title}” är antagen och meddelas nu ({count}).",
        "challenge.form_title": "Ny utmaning",
        "challenge.field.title": "Rubrik",
        "challenge.field.description": "Beskrivning",
        "challenge.field.ends": "Sista dag",
        "challenge.field.everyone": "Till alla i organisationen",
        "challenge.field.partners": "Dela med partnerorganisationerna",
        "challenge.field.group": "Till en pilotgrupp",
        "challenge.field.here": "Posta också i den här kanalen",
        "challenge.field.ideas": "Idéer",
        "challenge.field.answer": "Svar på utmaning",
        "challenge.field.answers": "Svarar på utmaning",
        "challenge.error.date": "Ange sista dag som ÅÅÅÅ-MM-DD.",
        "challenge.error.past": "Sista dagen har redan varit – välj i dag eller senare.",
        "challenge.error.nowhere": "Välj vart utmaningen ska gå: alla, partnerorganisationerna, en grupp eller "
                                   "den här kanalen.",
        "challenge.ideas_heading": "Idéer som svar:",
        "challenge.no_ideas": "Inga än",
        "challenge.announce.title": "Ny utmaning från {org}: {title}",
        "challenge.announce.default": "Har du en idé? Alla förslag är välkomna.",
        "challenge.summary.title": "Utmaning #{number} ”{title}” är avslutad",
        "challenge.summary.text": "{ideas} från {organisations}, {votes} sammanlagt.",
        "challenge.summary.top": "Mest stöd",
        "challenge.summary.top_line": "{org} #{number} {title} ({votes})",
        # spreading
        "spread.usage": "Skriv /idé sprid <nr> partner, /idé sprid <nr> här eller /idé sprid <nr> grupp <namn>.",
        "spread.not_implemented": "Idé #{number} kan spridas när den har status {stage}.",
        "spread.form_title": "Sprid idé #{number}",
        "spread.submit": "Erbjud",
        "spread.field.solved": "Vad den löste",
        "spread.field.partners": "Till partnerorganisationernas coacher och chefer",
        "spread.field.group": "Till en pilotgrupp",
        "spread.field.here": "Posta också i den här kanalen",
        "spread.field.contact": "Kontakt (idécoach)",
        "spread.field.from": "Spridd från",
        "spread.field.to": "Testas också i",
        "spread.error.nowhere": "Välj vart erbjudandet ska gå.",
        "spread.offered": "Idé #{number} är erbjuden för spridning ({count}).",
        "spread.offer_title": "Att testa: {title} ({label} #{number})",
        "spread.button.offer": "Erbjud spridning",
        "spread.button.adopt": "Vi vill testa",
        "spread.gone": "Idén som erbjöds finns inte längre.",
        "spread.already": "Ni testar redan idén: {label}.",
        "spread.adopted": "Tack! ”{title}” är nu idé #{number} med status {stage}, spridd från {source}.",
        "spread.comment_from": "Spridd från {source}",
        "spread.comment_to": "Testas i {org} ({label})",
        "spread.told_title": "Din idé #{number} sprids",
        "spread.told_author": "”{title}” testas nu i {org} ({label}). Tack för idén!",
        "spread.told_coach": "Idé #{number} ”{title}”, som du erbjöd, testas nu i {org} ({label}).",
        "digest.spreading": "Spridning",
        "digest.spreading_line": "{offered} idéer erbjudna, {elsewhere} testas på andra håll, "
                                 "{here} tagna hit från andra",
        # the Slack install pages
        "install.done_title": "Idéslussen är installerad",
        "install.done": "Idéslussen är installerad i {workspace}. Skriv /idé i Slack för att komma i gång.",
        "install.unconnected": "Den här arbetsytan ({workspace}) är inte ansluten till någon idésluss ännu, så "
                               "inget har installerats. Den som sköter idéslussen ansluter den med: {command} – "
                               "installera sedan igen.",
        "install.no_key": "Idéslussen kan inte spara arbetsytans nyckel: IDESLUSS_SECRET_KEY saknas på servern. "
                          "Inget har sparats.",
        "install.failed": "Installationen blev inte klar ({reason}). Försök igen från början.",
        "install.reinstall": "Idéslussen är inte installerad i den här arbetsytan längre. Be en administratör "
                             "installera den igen.",
    },
    "en": {
        "org.unconnected": "This workspace is not connected to an idea sluice yet. Ask whoever runs the idea sluice "
                           "to connect it – nothing you wrote was saved.",
        "error.unknown_ref": "There is no idea {ref} that you can see.",
        "n.idea.one": "1 idea", "n.idea": "{n} ideas",
        "n.org.one": "1 organisation", "n.org": "{n} organisations",
        "n.vote.one": "1 vote", "n.vote": "{n} votes",
        "n.message.one": "1 message", "n.message": "{n} messages",
        "challenge.list_title": "Open challenges",
        "challenge.list_text": "Answer with an idea: press the button or write /idea challenge <no> <your idea>.",
        "challenge.list_empty": "There are no open challenges right now.",
        "challenge.button.answer": "Idea for #{number}",
        "challenge.button.new": "New challenge",
        "challenge.title": "Challenge #{number}: {title}",
        "challenge.ends": "Last day: {date}.",
        "challenge.how": "Answer with /idea challenge {number} <your idea>, or press I have an idea.",
        "challenge.closed": "The challenge has ended.",
        "challenge.unknown": "There is no challenge #{number}.",
        "challenge.not_open": "Challenge #{number} is not open to your organisation (or has ended). Write "
                              "/idea challenges for the open ones.",
        "challenge.not_allowed": "Only managers and administrators can pose a challenge.",
        "challenge.usage": "Write /idea challenge new <last day YYYY-MM-DD> <title>, e.g. "
                           "/idea challenge new 2026-04-30 How do we reach more summer temps?",
        "challenge.created": "Challenge #{number} “{title}” is posed and being announced ({count}).",
        "challenge.form_title": "New challenge",
        "challenge.field.title": "Title",
        "challenge.field.description": "Description",
        "challenge.field.ends": "Last day",
        "challenge.field.everyone": "To everyone in the organisation",
        "challenge.field.partners": "Share with the partner organisations",
        "challenge.field.group": "To a pilot group",
        "challenge.field.here": "Also post in this channel",
        "challenge.field.ideas": "Ideas",
        "challenge.field.answer": "Answers challenge",
        "challenge.field.answers": "Answers challenge",
        "challenge.error.date": "Give the last day as YYYY-MM-DD.",
        "challenge.error.past": "That day has passed – choose today or later.",
        "challenge.error.nowhere": "Choose where the challenge goes: everyone, the partners, a group or this "
                                   "channel.",
        "challenge.ideas_heading": "Ideas in answer:",
        "challenge.no_ideas": "None yet",
        "challenge.announce.title": "New challenge from {org}: {title}",
        "challenge.announce.default": "Do you have an idea? Every suggestion is welcome.",
        "challenge.summary.title": "Challenge #{number} “{title}” has ended",
        "challenge.summary.text": "{ideas} from {organisations}, {votes} in all.",
        "challenge.summary.top": "Most supported",
        "challenge.summary.top_line": "{org} #{number} {title} ({votes})",
        "spread.usage": "Write /idea spread <no> partner, /idea spread <no> here or /idea spread <no> group <name>.",
        "spread.not_implemented": "Idea #{number} can be spread once it is {stage}.",
        "spread.form_title": "Spread idea #{number}",
        "spread.submit": "Offer",
        "spread.field.solved": "What it solved",
        "spread.field.partners": "To the partner organisations' coaches and managers",
        "spread.field.group": "To a pilot group",
        "spread.field.here": "Also post in this channel",
        "spread.field.contact": "Contact (idea coach)",
        "spread.field.from": "Spread from",
        "spread.field.to": "Also piloted in",
        "spread.error.nowhere": "Choose where the offer goes.",
        "spread.offered": "Idea #{number} is offered for spreading ({count}).",
        "spread.offer_title": "To try: {title} ({label} #{number})",
        "spread.button.offer": "Offer for spreading",
        "spread.button.adopt": "We want to try it",
        "spread.gone": "The offered idea no longer exists.",
        "spread.already": "You are piloting that idea already: {label}.",
        "spread.adopted": "Thank you! “{title}” is now idea #{number} with status {stage}, spread from {source}.",
        "spread.comment_from": "Spread from {source}",
        "spread.comment_to": "Piloted in {org} ({label})",
        "spread.told_title": "Your idea #{number} is spreading",
        "spread.told_author": "“{title}” is now being piloted in {org} ({label}). Thank you for the idea!",
        "spread.told_coach": "Idea #{number} “{title}”, which you offered, is now being piloted in {org} ({label}).",
        "digest.spreading": "Spreading",
        "digest.spreading_line": "{offered} ideas offered, {elsewhere} piloted elsewhere, {here} taken in from others",
        "install.done_title": "The idea sluice is installed",
        "install.done": "The idea sluice is installed in {workspace}. Type /idea in Slack to start.",
        "install.unconnected": "This workspace ({workspace}) is not connected to an idea sluice yet, so nothing was "
                               "installed. Whoever runs the idea sluice connects it with: {command} – then install "
                               "again.",
        "install.no_key": "The idea sluice cannot keep the workspace's token: IDESLUSS_SECRET_KEY is not set on the "
                          "server. Nothing was saved.",
        "install.failed": "The installation did not finish ({reason}). Please start again.",
        "install.reinstall": "The idea sluice is no longer installed in this workspace. Ask an administrator to "
                             "install it again.",
    },
})


def count(lang: str, noun: str, n: int) -> str:
    """"1 idé", "3 idéer": a number with its noun (idea, org, vote, message) in the right form."""
    return t(lang, f"n.{noun}.one") if n == 1 else t(lang, f"n.{noun}", n=n)
