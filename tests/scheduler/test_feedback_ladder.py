"""The escalation ladder, rung by rung, with a controlled clock: each rung once per idea, in working hours,
one message per person per day, and nothing more once a coach has answered."""

from __future__ import annotations

import json

from sqlmodel import select

from bot.core import Actor
from bot.core.replies import Reply
from scheduler.feedback import remind
from storage.models import Idea, OutboxMessage
from storage.people import get_person, grant_role
from tests.conftest import START
from tests.scheduler.conftest import cli, local, person


def slack_actor(user: str) -> Actor:
    return Actor("slack", user, workspace="T061EG9R6", display_name=user.lower(), locale="sv-SE")


def staff(db) -> None:  # type: ignore[no-untyped-def]
    for ref, role in (("slack:UCOACH", "coach"), ("slack:UADMIN", "admin"), ("slack:UMGR", "manager")):
        person(db, ref)
        with db.session() as session:
            grant_role(session, get_person(session, "slack", ref.split(":")[1]), role, now=START)


def sent(db, since: int = 0) -> list[tuple[str, Reply]]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.id > since).order_by(OutboxMessage.id)).all()
        return [(r.recipient, Reply.from_dict(json.loads(r.payload))) for r in rows if r.key.startswith("feedback:")]


def last_id(db) -> int:  # type: ignore[no-untyped-def]
    with db.session() as session:
        return max([r.id for r in session.exec(select(OutboxMessage)).all()] or [0])


def test_the_four_rungs_come_once_each_in_working_hours(db, core, sched_settings):
    staff(db)
    core.handle_command(slack_actor("UANNA"), "Belysning på gångvägen till skolan")  # Mon 2 March: due 16 March
    core.handle_command(slack_actor("UBERTIL"), "Fler cykelställ vid simhallen")

    assert remind(db, sched_settings, now=local(2026, 3, 12, 9)).steps == {}  # Thursday: too early
    assert remind(db, sched_settings, now=local(2026, 3, 13, 7)).held_back  # Friday 07:00: before working hours

    first = remind(db, sched_settings, now=local(2026, 3, 13, 9))  # Friday: two working days left
    assert first.steps == {1: 2} and first.messages == 1
    ((to, soon),) = sent(db)
    assert to == "UCOACH" and soon.fields[0].label == "Snart sista dag för besked – du är ansvarig (2)"
    assert "#1 Belysning på gångvägen till skolan – senast måndag 16 mars, UCOACH" in soon.fields[0].value
    assert remind(db, sched_settings, now=local(2026, 3, 13, 9)).messages == 0  # a rerun sends nothing
    assert remind(db, sched_settings, now=local(2026, 3, 16, 9)).steps == {}  # the promised day itself: in time

    mark = last_id(db)
    late = remind(db, sched_settings, now=local(2026, 3, 17, 9))  # Tuesday: the promise has passed
    assert late.steps == {2: 2, 4: 2}
    told = dict(sent(db, mark))
    assert set(told) == {"UCOACH", "UADMIN", "UANNA", "UBERTIL"}
    assert told["UADMIN"].fields[0].label == "Löftet om besked har passerat (2)"
    assert told["UANNA"].title == "Din idé #1 har inte fått besked i tid"
    assert "har inte bedömts i tid. Idécoacherna har fått en påminnelse." in told["UANNA"].text
    assert "UMGR" not in told

    mark = last_id(db)
    assert remind(db, sched_settings, now=local(2026, 3, 23, 9)).steps == {}  # four working days after
    managers = remind(db, sched_settings, now=local(2026, 3, 24, 9))  # five working days after the promise
    assert managers.steps == {3: 2}
    ((to, escalated),) = sent(db, mark)
    assert to == "UMGR" and escalated.fields[0].label.startswith("Fortfarande utan besked fem arbetsdagar")
    assert remind(db, sched_settings, now=local(2026, 3, 31, 9)).ideas == 0  # off the ladder


def test_first_feedback_takes_an_idea_off_the_ladder(db, core, sched_settings, clock):
    staff(db)
    core.handle_command(slack_actor("UANNA"), "Vattenautomat i sporthallen")
    core.handle_command(slack_actor("UBERTIL"), "Ramp vid biblioteket")
    remind(db, sched_settings, now=local(2026, 3, 13, 9))
    clock.set(local(2026, 3, 16, 10))
    core.handle_command(slack_actor("UCOACH"), "status 2 bedömning")  # answered on the promised day
    mark = last_id(db)
    late = remind(db, sched_settings, now=local(2026, 3, 17, 9))
    assert late.steps == {2: 1, 4: 1}
    assert sent(db, mark) and all("Ramp" not in reply.plain_text() for _, reply in sent(db, mark))
    assert remind(db, sched_settings, now=local(2026, 3, 24, 9)).steps == {3: 1}


def test_an_organisation_may_turn_the_authors_line_off(db, core, sched_settings):
    from storage.people import get_or_create_org

    staff(db)
    with db.session() as session:
        org = get_or_create_org(session, "testkommun", now=START)
        org.tell_author_when_overdue = False
        session.add(org)
    core.handle_command(slack_actor("UANNA"), "Tystare ventilation")
    remind(db, sched_settings, now=local(2026, 3, 17, 9))
    assert "UANNA" not in {to for to, _ in sent(db)}


def test_a_holiday_morning_sends_nothing_and_the_next_working_day_catches_up(db, core, sched_settings, clock):
    staff(db)
    clock.set(local(2026, 12, 7, 10))  # Monday 7 December: due Monday 21 December
    core.handle_command(slack_actor("UANNA"), "Julgran i entrén")
    with db.session() as session:
        assert str(session.exec(select(Idea)).one().feedback_due) == "2026-12-21"
    assert remind(db, sched_settings, now=local(2026, 12, 24, 9)).held_back  # julafton
    # The promise passed on the 21st; rung 2 was due the 22nd; the run of the 23rd takes it, once.
    assert remind(db, sched_settings, now=local(2026, 12, 23, 9)).steps == {1: 1, 2: 1, 4: 1}
    assert [to for to, r in sent(db) if r.fields and "Snart" in r.fields[0].label] == []  # rung 1 passed over


def test_feedback_remind_at_past_the_deadline_reminds_the_coach_once(db, core, database_url, standin):
    person(db, "slack:UCOACH")
    with db.session() as session:
        grant_role(session, get_person(session, "slack", "UCOACH"), "coach", now=START)
    core.handle_command(slack_actor("UANNA"), "Skyltar till återvinningen")
    env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": standin.api_url}
    at = "2026-03-17T09:00+01:00"
    first = cli(["feedback", "remind", "--at", at], database_url, **env)
    again = cli(["feedback", "remind", "--at", at], database_url, **env)
    assert first.returncode == 0 and again.returncode == 0, first.stderr + again.stderr
    assert "2 messages" in first.stdout and "0 messages" in again.stdout
    posts = sorted(c.args["channel"] for c in standin.calls_to("chat.postMessage"))
    assert posts == ["UANNA", "UCOACH"]  # the coach's one reminder, the author's honest line
    evening = cli(["feedback", "remind", "--at", "2026-03-17T19:00"], database_url, **env)
    assert "Nothing sent" in evening.stdout
