"""Nudges as a pilot group lives them: at 09:00 local all year, never on holidays, paused people left alone."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta

from sqlmodel import select

from bot.core import Actor, Origin
from bot.core.clock import ManualClock
from bot.shell import ShellSender
from scheduler.dispatcher import Dispatcher
from scheduler.nudges import send_nudge, send_reminders
from scheduler.runner import group_trigger
from storage.models import Idea, OutboxMessage
from tests.conftest import START
from tests.scheduler.conftest import STOCKHOLM, cli, group, local, person, scheduler_service


def outbox_keys(db, like: str = "nudge:") -> list[str]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        return sorted(r.key for r in session.exec(select(OutboxMessage)).all() if r.key.startswith(like))


def fire_times(trigger, start, end):  # type: ignore[no-untyped-def]
    fire, times = trigger.get_next_fire_time(None, start), []
    while fire is not None and fire < end:
        times.append(fire)
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return times


def test_nudges_land_at_nine_local_across_both_daylight_saving_changes_of_2026(db, sched_settings):
    team = group(db, "Hemtjänst", ["slack:U1"])
    trigger = group_trigger(team)
    spring = fire_times(trigger, local(2026, 3, 16), local(2026, 4, 14))
    autumn = fire_times(trigger, local(2026, 10, 12), local(2026, 11, 3))
    for fire in spring + autumn:
        assert (fire.astimezone(STOCKHOLM).hour, fire.astimezone(STOCKHOLM).minute) == (9, 0)
        assert fire.astimezone(STOCKHOLM).weekday() == 0
    assert [f.utcoffset() for f in spring] == [timedelta(hours=1)] * 2 + [timedelta(hours=2)] * 3  # 29 March
    assert [f.utcoffset() for f in autumn] == [timedelta(hours=2)] * 2 + [timedelta(hours=1)] * 2  # 25 October
    sent = {f.date().isoformat(): send_nudge(db, sched_settings, team.id, now=f) for f in spring + autumn}
    assert sent["2026-04-06"].held_back == "holiday"  # annandag påsk
    assert all(o.enqueued == 1 for d, o in sent.items() if d != "2026-04-06")


def test_no_nudge_on_midsummer_eve_christmas_eve_a_saturday_or_after_hours(db, sched_settings):
    team = group(db, "Kök", ["slack:U1"], schedule="fri 09:00")
    assert send_nudge(db, sched_settings, team.id, now=local(2026, 6, 19, 9)).held_back == "holiday"
    assert send_nudge(db, sched_settings, team.id, now=local(2026, 12, 24, 9)).held_back == "holiday"
    assert send_nudge(db, sched_settings, team.id, now=local(2026, 12, 31, 9)).held_back == "holiday"
    assert send_nudge(db, sched_settings, team.id, now=local(2026, 11, 28, 9)).held_back == "weekend"
    assert send_nudge(db, sched_settings, team.id, now=local(2026, 11, 27, 7, 30)).held_back == "outside working hours"
    assert send_nudge(db, sched_settings, team.id, now=local(2026, 11, 27, 17)).held_back == "outside working hours"
    assert outbox_keys(db) == []
    assert send_nudge(db, sched_settings, team.id, now=local(2026, 11, 27, 9)).enqueued == 1


def test_snoozed_and_opted_out_members_get_no_nudge_until_they_turn_it_back_on(db, core, sched_settings, clock):
    team = group(db, "Skola", ["shell:anna", "shell:bertil", "shell:cecilia"], platform="shell")
    anna, cecilia = (Actor("shell", n, display_name=n) for n in ("anna", "cecilia"))
    assert "Du får inga frågor från pilotgrupper förrän" in core.handle_message(anna, "/idé paus 2v").text
    assert "inga fler frågor" in core.handle_message(cecilia, "/idé paus stopp").text
    outcome = send_nudge(db, sched_settings, team.id, now=clock.now(), manual=True)
    assert (outcome.enqueued, outcome.skipped_people) == (1, 2)
    assert [k.rsplit(":", 1)[1] for k in outbox_keys(db)] == ["bertil"]
    # Two weeks and a day later Anna's snooze is over; Cecilia opted out until she says otherwise.
    assert send_nudge(db, sched_settings, team.id, now=clock.now() + timedelta(days=15), manual=True).enqueued == 2
    core.handle_message(cecilia, "/idé paus av")
    assert send_nudge(db, sched_settings, team.id, now=clock.now() + timedelta(days=16), manual=True).enqueued == 3


def test_one_reminder_only_and_only_to_members_who_neither_answered_nor_reacted(db, core, sched_settings, clock):
    team = group(db, "Vård", ["shell:anna", "shell:bertil", "shell:cecilia", "shell:david"], platform="shell")
    clock.set(local(2026, 3, 30, 9))  # Monday
    outcome = send_nudge(db, sched_settings, team.id, now=clock.now())
    out = io.StringIO()
    asyncio.run(Dispatcher(db, {"shell": ShellSender(out)}, clock=clock).drain(max_wait=0))
    assert out.getvalue().count("Veckans fråga – Vård") == 4
    anna, cecilia, david = (Actor("shell", n, display_name=n) for n in ("anna", "cecilia", "david"))
    # Anna answers through the button's form, Cecilia says "not this week", David reacts to the message.
    values = {"title": "Digitala scheman", "text": "Scheman i appen", "anonymous": False}
    assert core.submit_form(anna, values, context=f"nudge:{outcome.nudge_id}").kind == "captured"
    core.handle_action(cecilia, "nudge.skip", str(outcome.nudge_id))
    assert core.react(david, "", f"nudge:{outcome.nudge_id}:dm:shell:david")
    with db.session() as session:
        idea = session.exec(select(Idea)).one()
        assert (idea.group_id, idea.nudge_id) == (team.id, outcome.nudge_id)
    assert send_reminders(db, sched_settings, now=local(2026, 3, 31, 9, 30)) == 0  # one working day: too early
    assert send_reminders(db, sched_settings, now=local(2026, 4, 1, 9, 5)) == 1  # two working days
    assert send_reminders(db, sched_settings, now=local(2026, 4, 2, 9, 5)) == 0
    assert send_reminders(db, sched_settings, now=local(2026, 4, 3, 10)) == 0
    assert outbox_keys(db, "nudge:1:reminder") == ["nudge:1:reminder:shell:bertil"]


def test_an_idea_the_same_week_answers_the_members_nudge(db, core, sched_settings, clock):
    team = group(db, "Bibliotek", ["shell:anna"], platform="shell")
    outcome = send_nudge(db, sched_settings, team.id, now=clock.now(), manual=True)
    core.handle_message(Actor("shell", "anna"), "/idé Längre öppettider på lördagar")
    core.handle_message(Actor("shell", "bertil"), "/idé Fler cykelställ")  # no member: no link
    with db.session() as session:
        ideas = {i.title: (i.group_id, i.nudge_id) for i in session.exec(select(Idea)).all()}
    assert ideas == {"Längre öppettider på lördagar": (team.id, outcome.nudge_id), "Fler cykelställ": (None, None)}


def test_a_missed_nudge_is_sent_within_the_grace_and_skipped_after_it(db, sched_settings):
    early = group(db, "Tidig", ["slack:U1"], schedule="mon 09:00")
    service = scheduler_service(sched_settings, db, ManualClock(local(2026, 3, 30, 9, 10)))
    service.catch_up()
    late = group(db, "Sen", ["slack:U2"], schedule="mon 08:00")
    service.catch_up()  # 70 minutes after Sen's time: skipped, not sent late
    service.catch_up()
    assert outbox_keys(db) == ["nudge:1:dm:slack:U1"]
    assert early.id == 1 and late.id == 2


def test_nudge_send_from_the_cli_dms_each_member_once_a_day_through_slack(db, database_url, standin):
    person(db, "slack:U1"), person(db, "slack:U2"), person(db, "slack:U3")
    env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": standin.api_url}
    assert cli(["groups", "create", "Gata", "--schedule", "tue 10:00", "--slack-channel", "CGATA"], database_url,
               **env).returncode == 0
    assert cli(["groups", "add-member", "Gata", "slack:U1", "slack:U2", "slack:U3"], database_url).returncode == 0
    first = cli(["nudge", "send", "Gata", "--dm"], database_url, **env)
    second = cli(["nudge", "send", "Gata", "--dm"], database_url, **env)
    assert first.returncode == 0, first.stderr
    assert "sent 4" in first.stdout and "0 new messages" in second.stdout
    channels = sorted(c.args["channel"] for c in standin.calls_to("chat.postMessage"))
    assert channels == ["CGATA", "U1", "U2", "U3"]
    assert all("Veckans fråga – Gata" in c.args["text"] for c in standin.calls_to("chat.postMessage"))


def test_a_reply_in_the_nudge_thread_becomes_a_linked_idea_and_a_reaction_counts_as_engagement(
        db, core, sched_settings, standin, clock):
    from bot.slack.client import make_web_client
    from bot.slack.sender import SlackSender
    from storage.models import NudgeEngagement

    team = group(db, "Parker", ["slack:UANNA", "slack:UBO"], channel="CPARK")
    outcome = send_nudge(db, sched_settings, team.id, now=clock.now(), manual=True)
    sender = SlackSender(make_web_client(sched_settings, retry_rate_limits=False))
    asyncio.run(Dispatcher(db, {"slack": sender}, clock=clock).drain(max_wait=0))
    ts = standin.calls_to("chat.postMessage")[0]
    with db.session() as session:
        row = session.exec(select(OutboxMessage)).one()
    assert ts
    anna, bo = Actor("slack", "UANNA", workspace="T061EG9R6"), Actor("slack", "UBO", workspace="T061EG9R6")
    origin = Origin(channel="CPARK", message_ref="1.001")
    reply = core.handle_message(anna, "Fler bänkar i parken", origin, thread_ref=row.message_id)
    assert reply.kind == "captured"
    assert core.handle_message(anna, "idé: Sittplatser vid lekplatsen", origin, thread_ref=row.message_id
                               ).kind == "captured"  # the prefix is not part of the idea
    assert core.handle_message(anna, "lista", origin, thread_ref=row.message_id).kind == "list"  # still a command
    assert core.handle_message(anna, "Inget svar", origin, thread_ref="1.000").kind == "help"  # no nudge's thread
    assert core.react(bo, "CPARK", row.message_id)
    assert core.react(bo, "CPARK", row.message_id)  # a nudge's reaction: counted, recorded once
    with db.session() as session:
        texts = sorted(i.text for i in session.exec(select(Idea)).all())
    assert texts == ["Fler bänkar i parken", "Sittplatser vid lekplatsen"]
    with db.session() as session:
        ideas = session.exec(select(Idea)).all()
        kinds = sorted(e.kind for e in session.exec(select(NudgeEngagement)).all())
    assert {(i.group_id, i.nudge_id) for i in ideas} == {(team.id, outcome.nudge_id)}
    assert kinds == ["answered", "reacted", "replied"]


def test_an_admin_runs_a_group_from_chat_and_english_members_get_the_english_prompt(db, core, sched_settings, clock):
    from storage.people import get_or_create_org, get_or_create_person, grant_role

    with db.session() as session:
        local_org = get_or_create_org(session, "local", now=START)
        grant_role(session, get_or_create_person(session, local_org, "shell", "admin", now=START), "admin", now=START)
    admin, anna = Actor("shell", "admin"), Actor("shell", "anna")
    person(db, "shell:eve", locale="en-GB")
    person(db, "shell:anna")
    assert "Bara administratörer" in core.handle_message(anna, "/idé grupp skapa Hemligt").text
    assert "är skapad" in core.handle_message(admin, '/idé grupp skapa "Äldreomsorg Norr"').text
    assert "2 nya medlemmar" in core.handle_message(admin, '/idé grupp lägg till "Äldreomsorg Norr" '
                                                           "shell:anna shell:eve").text
    assert "Äldreomsorg Norr: 2 medlemmar" in core.handle_message(admin, "/idé grupp lista").text
    # An idea that merely starts with the word is still an idea.
    assert core.handle_message(anna, "/idé grupp träning för äldre").kind == "captured"
    with db.session() as session:
        from storage.groups import find_group

        group_id = find_group(session, "Äldreomsorg Norr").id
    out = io.StringIO()
    clock.set(local(2026, 3, 30, 9))
    send_nudge(db, sched_settings, group_id, now=clock.now())
    asyncio.run(Dispatcher(db, {"shell": ShellSender(out)}, clock=clock).drain(max_wait=0))
    assert "Veckans fråga – Äldreomsorg Norr" in out.getvalue()
    english = "This week's question – Äldreomsorg Norr\nWhat has a service user or a colleague wished for?"
    assert english in out.getvalue()
    assert "[:1 I have an idea]  [:2 Not this week]" in out.getvalue()  # numbered: `:1` presses it


def test_an_operator_is_stopped_from_scheduling_in_the_dst_hour_or_with_a_crontab_number(database_url):
    assert "outside 02:00–03:00" in cli(["groups", "create", "Natt", "--schedule", "sun 02:30"], database_url).stderr
    assert "day names" in cli(["groups", "create", "Siffra", "--schedule", "1 09:00"], database_url).stderr
    early = cli(["groups", "create", "Tidig", "--schedule", "mon 07:00"], database_url)
    assert early.returncode == 0 and "outside working hours" in early.stderr
    assert "exists already" in cli(["groups", "create", "Tidig"], database_url).stderr
    assert "No group called" in cli(["nudge", "send", "Saknas"], database_url).stderr
