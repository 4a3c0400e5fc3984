"""The programme's figures on a small seeded month whose answers are worked out by hand below."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import event

from bot.core.figures import median, parse_period, percentile
from tests.conftest import ShellUser

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=STOCKHOLM)


def seed_march(core, clock, coach: ShellUser) -> None:  # type: ignore[no-untyped-def]
    """March 2026 in a small sluice (ten working days promised; Easter: 3 and 6 April are holidays).

    #1 anna   Mon 2 Mar 09:30, due Mon 16 Mar, moved Thu 5 Mar       -> 3 working days, in time
    #2 bertil Mon 2 Mar 10:00, due Mon 16 Mar, coach's comment Fri 13 -> 9 working days, in time
    #3 anna   Tue 3 Mar 10:00, due Tue 17 Mar, implemented Wed 18 Mar -> 11 working days, late
    #4 david  Mon 23 Mar,      due Wed 8 Apr (Easter), never answered -> not in time, overdue on 9 April
    #5 anna   Tue 24 Mar, withdrawn                                    -> not counted at all
    #6 bertil Tue 31 Mar 23:30 (21:30 UTC), answered Wed 1 Apr 09:00   -> a March idea, 1 working day, in time
    """
    anna, bertil, david = (ShellUser(core, n) for n in ("anna", "bertil", "david"))
    anna.say("/idé Cykelpumpar vid stationen")
    clock.set(at(2026, 3, 2, 10))
    bertil.say("/idé Digital anslagstavla")
    clock.set(at(2026, 3, 3, 10))
    anna.say("/idé Lånecyklar för personalen")
    clock.set(at(2026, 3, 5, 14))
    coach.say("/idé status 1 bedömning")
    clock.set(at(2026, 3, 13, 16))
    coach.say("/idé kommentar 2 Vi pratar med IT om skärmarna.")
    clock.set(at(2026, 3, 18, 9))
    coach.say("/idé status 3 införd")
    clock.set(at(2026, 3, 23, 9))
    david.say("/idé Tystare fläktar i matsalen")
    clock.set(at(2026, 3, 24, 9))
    anna.say("/idé Glömd idé")
    anna.say("/idé ångra 5")
    clock.set(at(2026, 3, 31, 23, 30))
    bertil.say("/idé Nattbuss till sjukhuset")
    clock.set(at(2026, 4, 1, 9))
    coach.say("/idé status 6 bedömning")
    clock.set(at(2026, 4, 9, 10))


def test_march_figures_worked_out_by_hand(core, clock, coach):
    seed_march(core, clock, coach)
    reply = coach.say("/idé statistik 2026-03")
    fields = dict((f.label, f.value) for f in reply.fields)
    # 5 ideas (withdrawn #5 left out); 3 authors of the 4 people the bot knows (anna, bertil, david, cecilia).
    assert fields["Idéer"].startswith("5 ↑")
    assert fields["Delaktighet (andel som skickat in minst en idé)"].startswith("75 %")
    assert fields["Idéer per 100 personer som idéslussen känner (antal anställda saknas: idesluss orgs "
                  "set-headcount)"].startswith("125")
    # All five promises are decided by 9 April (#4's passed on the 8th); #1, #2 and #6 were kept: 3 of 5.
    assert fields["Besked inom löftet"].startswith("60 %")
    # Working days 1, 3, 9, 11: median (3 + 9) / 2 = 6, 90th percentile (nearest rank 4 of 4) = 11.
    assert fields["Arbetsdagar till första besked (median / 90:e percentil)"] == "6 / 11 dagar"
    assert fields["Väntar på besked efter löftet nu"].startswith("1")  # #4
    assert fields["Beslutade idéer som införts eller spridits"].startswith("100 %")  # #3, decided 18 March
    assert reply.charts[0].kind == "bar" and sum(p.value for p in reply.charts[0].points) == 5
    donut = {p.label: p.value for p in reply.charts[-1].points}
    assert donut == {"Inkommen": 2, "Bedömning": 2, "Införd": 1}  # #2 and #4 new, #1 and #6 in review, #3 done


def test_the_json_of_idesluss_stats_has_the_contracted_fields(core, clock, coach, database_url):
    seed_march(core, clock, coach)
    env = {**os.environ, "IDESLUSS_DATABASE_URL": database_url, "PYTHONIOENCODING": "utf-8"}
    out = subprocess.run([sys.executable, "-m", "bot.cli", "stats", "--org", "local", "--period", "2026-03",
                          "--format", "json", "--at", "2026-04-09T10:00"], capture_output=True, text=True, env=env,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert {k: data[k] for k in ("ideas", "participants", "participation_rate", "first_feedback_in_time_rate",
                                 "median_days_to_first_feedback", "p90_days_to_first_feedback", "overdue",
                                 "implemented_rate")} == {
        "ideas": 5, "participants": 3, "participation_rate": 0.75, "first_feedback_in_time_rate": 0.6,
        "median_days_to_first_feedback": 6.0, "p90_days_to_first_feedback": 11.0, "overdue": 1,
        "implemented_rate": 1.0}
    assert data["period"] == {"label": "2026-03", "start": "2026-03-01", "end": "2026-03-31"}
    assert data["previous"]["ideas"] == 0 and data["headcount_source"] == "people_known"
    csv_out = subprocess.run([sys.executable, "-m", "bot.cli", "stats", "--org", "local", "--period", "2026-03",
                              "--format", "csv", "--at", "2026-04-09T10:00"], capture_output=True, text=True,
                             env=env, timeout=60)
    assert csv_out.stdout.splitlines()[1].startswith("organisation,local,2026-03,2026-03-01,2026-03-31,5,")


def test_an_employee_sees_the_short_public_version(core, clock, coach, anna):
    seed_march(core, clock, coach)
    reply = anna.say("/idé statistik")
    assert reply.title == "Idéslussen i år" and "5 idéer" in reply.text and "1 har införts" in reply.text
    assert not reply.fields and not reply.charts


def test_figures_take_the_same_number_of_queries_for_3_or_30_ideas(core, clock, coach, db, anna):
    def queries() -> int:
        seen: list[str] = []

        def listener(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            coach.say("/idé statistik kvartal")
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    for n in range(3):
        anna.say(f"/idé Idé {n}")
    coach.say("/idé hjälp")  # the coach's first request records their locale: not part of the figures
    few = queries()
    for n in range(27):
        clock.advance(3600 * 7)
        anna.say(f"/idé Idé nummer {n}")
        if n % 3 == 0:
            coach.say(f"/idé status {n + 4} bedömning")
    assert queries() == few


def test_periods_and_their_comparisons():
    now = at(2026, 11, 18, 12)
    q4 = parse_period("2026-Q4", now, "Europe/Stockholm")  # running: to date, against Q3 to the same day
    assert (q4.first_day.isoformat(), q4.last_day.isoformat(), q4.running) == ("2026-10-01", "2026-11-18", True)
    assert (q4.previous_first_day.isoformat(), q4.previous_last_day.isoformat()) == ("2026-07-01", "2026-08-18")
    week = parse_period("2026-W44", now, "Europe/Stockholm")
    assert (week.first_day.isoformat(), week.last_day.isoformat(), week.previous_first_day.isoformat()) == (
        "2026-10-26", "2026-11-01", "2026-10-19")
    days = parse_period("90d", now, "Europe/Stockholm")
    assert (days.first_day.isoformat(), days.previous_first_day.isoformat()) == ("2026-08-21", "2026-05-23")
    assert median([(1, 1), (3, 1), (9, 1), (11, 1)]) == 6 and percentile([(1, 9), (20, 1)], 90) == 1
