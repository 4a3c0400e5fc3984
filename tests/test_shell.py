"""The shell as a complete fake: every flow a platform has, once, without any platform.

A coach's stage button, a vote by reaction and by button, a nudge answered in its thread, by its button's
form and by a reaction, the details form asked field by field, and switching person — each through the
console `idesluss shell` drives (`tests.conftest.ShellUser` is a thin wrapper over it).
"""

from __future__ import annotations

import re

from sqlmodel import select

from bot.core.replies import Reply, ReplyKind
from storage.ideas import export_ideas
from storage.models import Idea, NudgeEngagement, Person
from storage.people import get_or_create_org, get_or_create_person, grant_role
from tests.conftest import START, typed


def button(reply: Reply | None, label: str) -> int:
    """The number the console shows for the button `label` (what a person types after the colon)."""
    assert reply is not None
    labels = [b.label for b in reply.buttons]
    assert label in labels, labels
    return labels.index(label) + 1


def choice(reply: Reply | None, label: str) -> tuple[int, int]:
    """`:N.M` for the option `label` of a choice on the reply (the coach's stage, say), as the console numbers it."""
    from bot.shell.rendering import controls

    assert reply is not None
    for number, control in enumerate(controls(reply), start=1):
        for option, item in enumerate(getattr(control, "options", []), start=1):
            if item.label == label:
                return number, option
    raise AssertionError(f"no choice offers {label!r}")


def delivered(out, recipient: str, title: str) -> str:  # type: ignore[no-untyped-def]
    """The label ("m2") of the delivery to shell:recipient whose text starts with `title`, as printed."""
    match = re.search(rf"\[(m\d+)\] \[(?:till|to) shell:{recipient}\] {re.escape(title)}", out.getvalue())
    assert match, out.getvalue()
    return match.group(1)


def grant(db, name: str, role: str) -> None:  # type: ignore[no-untyped-def]
    with db.session() as session:
        org = get_or_create_org(session, "local", now=START)
        grant_role(session, get_or_create_person(session, org, "shell", name, display_name=name, now=START), role,
                   now=START)


def engagements(db) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        rows = session.exec(select(Person.user_id, NudgeEngagement.kind)
                            .join(Person, Person.id == NudgeEngagement.person_id)).all()
    return {(name, kind) for name, kind in rows}


def test_a_coach_presses_a_stage_button_and_the_author_is_told_and_can_answer(shell, anna, bertil, coach, out):
    anna.say("/idé Cykelparkering vid stationen")
    shown = coach.say("/idé visa 1")
    number, option = choice(shown, "Bedömning")
    assert f"{number}.{option} Bedömning" in out.getvalue()  # the choices are numbered as the console prints them
    assert coach.press(number).text.startswith(f":{number} är ett val")  # a choice needs its option
    moved = coach.press(number, option=option)
    assert moved.kind == ReplyKind.IDEA and moved.notice == "Idé #1 har nu status Bedömning."
    notice = delivered(out, "anna", "Din idé #1 har ny status: Bedömning")
    # The notice is Anna's latest message: its "Visa" button shows the idea, its thread takes her comment.
    assert anna.last is not None and anna.last.title == "Din idé #1 har ny status: Bedömning"
    assert ("Status", "Bedömning") in [(f.label, f.value) for f in anna.press(1).fields]
    assert anna.thread(notice, "Tack, jag kan visa var ställen behövs").text == "Din kommentar på idé #1 är sparad."
    assert "anna: Tack, jag kan visa var ställen behövs" in bertil.say("/idé visa 1").fields[-1].value
    refused = bertil.react(notice)
    assert refused.kind == ReplyKind.ERROR and refused.text.startswith(f"{notice} skickades till anna")


def test_a_vote_by_reaction_and_by_button_counts_once_and_can_be_taken_back(anna, bertil):
    anna.say("/idé Fler laddstolpar vid kommunhuset")
    assert bertil.react(2).text.startswith("Inget meddelande i shellet visar idé #2.")
    shown = bertil.say("/idé visa 1")
    assert bertil.react(1).text == "Din reaktion +1 på #1 är registrerad."
    again = bertil.press(button(shown, "+1"))
    assert again.notice == "Du har redan röstat på idé #1." and ("Röster", "1") in [(f.label, f.value)
                                                                                  for f in again.fields]
    assert bertil.react(1, added=False).text == "Din reaktion på #1 är borttagen."
    voted = bertil.press(1)
    assert voted.notice == "Tack för din röst på idé #1! Den har nu 1 röst."
    assert "ändrade ingenting" in anna.react(1).text  # never a vote on one's own idea


def test_a_nudge_is_answered_by_reaction_in_its_thread_by_its_form_and_skipped(shell, anna, db, out):
    grant(db, "admin", "admin")
    admin = anna.as_("admin")
    admin.say("/idé grupp skapa Skola")
    admin.say("/idé grupp lägg till Skola shell:anna shell:bertil shell:david")
    assert admin.enter(":nudge Skola").startswith("Frågan till ”Skola” är skickad. Mottagare: 3.")
    bertil, david = anna.as_("bertil"), anna.as_("david")
    to_anna = delivered(out, "anna", "Veckans fråga – Skola")

    assert anna.react(to_anna).text == f"Din reaktion +1 på {to_anna} är registrerad."
    answer = anna.thread(to_anna, "Schemat borde synas i appen")
    assert answer.kind == ReplyKind.CAPTURED and answer.idea_number == 1

    form = bertil.press(button(bertil.last, "Jag har en idé"))
    assert form.kind == ReplyKind.OPEN_FORM
    captured = bertil.fill_form({"title": "Nattbuss", "text": "En nattbuss till industriområdet"})
    assert captured.kind == ReplyKind.CAPTURED and captured.idea_number == 2

    assert david.press(2).text == "Okej, inga fler påminnelser om den här frågan den här veckan."

    with db.session() as session:
        assert {i.number: (i.nudge_id, i.group_id) for i in session.exec(select(Idea)).all()} == {1: (1, 1),
                                                                                                 2: (1, 1)}
    assert engagements(db) == {("anna", "reacted"), ("anna", "replied"), ("anna", "answered"),
                               ("bertil", "answered"), ("david", "skipped")}


def test_the_details_form_is_asked_field_by_field_and_the_cores_errors_come_back(anna, db):
    captured = anna.say("/idé Kortare möten")
    anna.press(button(captured, "Lägg till detaljer"))
    assert anna.console.prompt() == "Rubrik (obligatoriskt) [Kortare möten]: "
    assert anna.enter("-") == ""  # empty the title and the text: the core will say what is missing
    anna.enter("-")
    anna.enter("Tidsbrist")
    anna.enter("")  # Enter skips an optional field
    anna.enter("")
    assert anna.console.prompt() == "Skicka in anonymt (ja/nej) [nej]: "
    assert anna.enter("kanske") == "Svara ja eller nej.\n\n"
    assert anna.enter("nej") == ("Rätta det här och svara igen:\n  Rubrik: Fyll i det här fältet.\n"
                                 "  Beskrivning: Fyll i det här fältet.\n\n")
    assert anna.console.prompt() == "Rubrik (obligatoriskt): "
    anna.enter("")  # a title is not needed when there is a text
    assert anna.enter("Max 30 minuter per möte").startswith("Detaljerna för idé #1 är sparade.")
    assert anna.console.form is None
    with db.session() as session:
        (row,) = export_ideas(session)
    assert (row.title, row.text, row.problem, row.benefit, row.anonymous) == (
        "Kortare möten", "Max 30 minuter per möte", "Tidsbrist", None, False)


def test_a_form_can_be_closed_and_other_verbs_wait_for_it(anna, db):
    anna.say("/idé")  # the shell has no forms for a bare /idé: it asks step by step
    anna.say("avbryt")
    captured = anna.say("/idé Skyltar till återvinningen")
    anna.press(button(captured, "Lägg till detaljer"))
    assert "svara på frågan" in anna.enter(":react 1")
    assert anna.enter(":avbryt") == "Formuläret är stängt. Inget sparades.\n\n"
    assert "Inget formulär är öppet." in anna.enter(":avbryt")


def test_switching_person_keeps_each_persons_latest_message(console):
    printed = typed(console, "/idé Cykelparkering vid stationen")
    assert "[:1 Lägg till detaljer]  [:2 Ångra]  [:3 Visa]" in printed
    assert typed(console, ":as bertil") == "Du är nu bertil (shell:bertil).\n\n"
    assert console.prompt() == "bertil idé> "
    assert "något meddelande än" in typed(console, ":1")  # Bertil has seen nothing: nothing to press
    assert typed(console, ":react 1 +1") == "Din reaktion +1 på #1 är registrerad.\n\n"
    typed(console, ":as anna")
    assert typed(console, ":3").startswith("Idé #1: Cykelparkering vid stationen")  # Anna's "Visa"
    assert "Röster: 1" in typed(console, "/idé visa 1")
    assert "Det finns ingen knapp 4. Välj en knapp mellan 1 och 1." in typed(console, ":4")
    assert typed(console, ":as eve en") == "You are now eve (shell:eve).\n\n"
    assert typed(console, ":as") == "Write :as NAME, for example :as bertil (or :as eve en for English).\n\n"
    assert typed(console, ":fly").startswith("Unknown shell command “:fly”.")
    with_verbs = typed(console, "/idea help")
    assert "/idea list" in with_verbs and ":react REF [+1|-1]" in with_verbs


def test_the_shell_adds_its_verbs_to_the_help_and_the_core_stays_neutral(anna):
    reply = anna.say("/idé hjälp")
    assert ":react" not in reply.text  # the core's help knows no shell
    printed = anna.text("/idé hjälp")
    assert "/idé lista" in printed and ":thread REF <text>" in printed and ":as NAMN" in printed
    assert anna.enter(":hjälp").startswith("I shellet kan du också\n:1, :2")


def test_bad_verbs_get_a_clear_line_never_a_traceback(anna):
    for line, said in [(":react", "Skriv :react REF +1"), (":react 1 ++", "Skriv :react REF +1"),
                       (":react m7", "”m7” är inget meddelande"), (":react hej", "”hej” är inget meddelande"),
                       (":thread 12", "Skriv :thread REF <text>"), (":thread 12 Bra", "Inget meddelande i shellet"),
                       (":1", "något meddelande än"), (":2 m9", "”m9” är inget meddelande"),
                       (":nudge", "Skriv :nudge GRUPP"), (":nudge Skola", "kan inte skicka"),
                       (":as två ord", "Skriv :as NAMN"), (":0", "Du har inte fått")]:
        assert said in anna.enter(line), line
    assert anna.enter(":-)").startswith("Hej! Jag är Idéslussen.")  # a smiley is a message, not a verb


def test_idesluss_shell_fed_by_a_pipe_presses_buttons_switches_person_and_answers_a_nudge(database_url, db):
    from storage.groups import add_members, create_group
    from tests.test_cli import run

    grant(db, "cecilia", "coach")
    with db.session() as session:
        org = get_or_create_org(session, "local", now=START)
        school = create_group(session, org.id, "Skola", now=START)
        add_members(session, school, [get_or_create_person(session, org, "shell", n, now=START)
                                      for n in ("anna", "bertil")], now=START)
    lines = [
        "/idé Cykelparkering vid stationen",
        ":as cecilia", "/idé visa 1", ":4.1",  # the coach picks "Bedömning" in the stage choice
        ":as bertil", "/idé visa 1", ":react 1 +1",  # a vote by reaction
        ":as anna", ":1",  # "Visa" on the notice the outbox sent her
        ":nudge Skola",
        ":as bertil", ":1",  # "Jag har en idé" on his nudge opens the form, asked field by field
        "Nattbuss", "En nattbuss till industriområdet", "", "", "", "nej",
        ":1",  # "Lägg till detaljer" on the new idea; the input ends with the form open
    ]
    result = run(["shell", "--user", "anna"], database_url, "\n".join(lines) + "\n")
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    said = result.stdout
    assert "Idé #1 har nu status Bedömning." in said
    assert "] [till shell:anna] Din idé #1 har ny status: Bedömning" in said
    assert "Din reaktion +1 på #1 är registrerad." in said
    assert "Du är nu anna (shell:anna).\n\nIdé #1: Cykelparkering vid stationen" in said
    assert said.count("Veckans fråga – Skola") == 2  # one delivery each to Anna and Bertil, labelled
    assert "Rubrik (obligatoriskt):\nBeskrivning (obligatoriskt):\n" in said  # from a pipe, the questions print
    assert "Tack! Idé #2 är registrerad" in said
    assert said.rstrip().endswith("Formuläret är stängt. Inget sparades.")
    with db.session() as session:
        ideas = {i.number: (i.title, i.stage, i.nudge_id is not None) for i in session.exec(select(Idea)).all()}
    assert ideas == {1: ("Cykelparkering vid stationen", "in_review", False), 2: ("Nattbuss", "new", True)}
    assert engagements(db) == {("bertil", "answered")}


def test_a_long_running_sender_remembers_a_bounded_number_of_deliveries():
    """`serve` prints deliveries to shell users too, for months: the labels it keeps are bounded."""
    import asyncio
    import io

    from bot.core.delivery import OutboundMessage
    from bot.shell import ShellSender, Transcript

    sender = ShellSender(io.StringIO(), Transcript(deliveries=2, per_person=2))
    for n in range(1, 4):
        reply = Reply(ReplyKind.NOTIFICATION, f"Meddelande {n}")
        delivery = asyncio.run(sender.send(OutboundMessage(f"stage:{n}:1", "shell", "user", "anna", None, reply)))
        assert (delivery.message_id, delivery.channel) == (f"stage:{n}:1", "shell")
    assert sender.transcript.delivery("m1") is None
    assert [sender.transcript.delivery(label).message_ref for label in ("m2", "M3")] == ["stage:2:1", "stage:3:1"]
    assert "[m3] [till shell:anna] Meddelande 3" in sender.out.getvalue()
