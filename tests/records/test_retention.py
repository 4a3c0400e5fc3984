"""Retention removes exactly what the policy says, when it says, with a controlled clock."""

from __future__ import annotations

import asyncio
import io
import json
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.config import Settings
from bot.core import Actor, Core
from bot.core.replies import ActionId
from bot.core.retention import apply_retention
from bot.shell import ShellSender
from scheduler.dispatcher import Dispatcher
from scheduler.nudges import send_nudge
from storage.db import Database
from storage.exports import export_ideas
from storage.groups import add_members, create_group
from storage.models import (
    Comment,
    GuidedCapture,
    NudgeDelivery,
    NudgeEngagement,
    OutboxMessage,
    ProcessedEvent,
    Vote,
)
from storage.people import get_or_create_org, get_person, grant_role
from tests.conftest import START
from tests.records.conftest import audit_rows

DAY = 86400
ANNA, BERTIL, CECILIA = (Actor("shell", name, display_name=name.title()) for name in ("anna", "bertil", "cecilia"))


def policy(database_url: str, **records: object) -> Settings:
    return Settings(database_url=database_url, organisation="testkommun", **records)


@pytest.fixture
def operations(core: Core, db: Database, settings: Settings, clock) -> None:
    """At START: one of every operational thing retention knows, and one idea in each closing stage."""
    with db.session() as session:
        org = get_or_create_org(session, "local", now=START)
        grant_role(session, get_person(session, "shell", "cecilia") or _person(session, org, "cecilia"), "coach",
                   now=START)
        group = create_group(session, org.id, "Kök", now=START)
        add_members(session, group, [_person(session, org, "anna")], now=START)
        group_id = group.id
    for title in ("Avslås", "Vilar", "Återkallas", "Införs"):
        core.handle_command(ANNA, title)
    core.comment(BERTIL, 1, "Synd")
    core.vote(BERTIL, 1)
    core.handle_command(CECILIA, "status 1 avslutad Ingår redan")
    core.handle_command(CECILIA, "status 2 vilande")
    core.handle_command(ANNA, "ångra 3")
    core.handle_command(CECILIA, "status 4 införd")
    nudge = send_nudge(db, settings, group_id, now=clock.now(), manual=True)
    core.handle_action(ANNA, ActionId.NUDGE_SKIP, str(nudge.nudge_id))
    core.first_time("slack:event:Ev0001")
    core.handle_command(BERTIL, "")  # a guided capture, never finished
    asyncio.run(Dispatcher(db, {"shell": ShellSender(io.StringIO())}, clock=clock).drain(max_wait=0))


def _person(session, org, name):  # type: ignore[no-untyped-def]
    from storage.people import get_or_create_person

    return get_or_create_person(session, org, "shell", name, display_name=name.title(), now=START)


def counts(db: Database) -> dict[str, int]:
    with db.session() as session:
        outbox = session.exec(select(OutboxMessage)).all()
        return {"payloads": sum(1 for m in outbox if m.payload != "{}"), "outbox rows": len(outbox),
                "events": len(session.exec(select(ProcessedEvent)).all()),
                "guided": len(session.exec(select(GuidedCapture)).all()),
                "deliveries": len(session.exec(select(NudgeDelivery)).all()),
                "engagement": len(session.exec(select(NudgeEngagement)).all())}


def test_operational_data_goes_exactly_when_its_period_is_over(db, settings, operations):
    start = counts(db)
    # Messages: three stage notices to Anna, her consent question (#4 was introduced), the nudge's DM.
    assert start == {"payloads": 5, "outbox rows": 5, "events": 1, "guided": 1, "deliveries": 1, "engagement": 1}

    def at(days: float, *, dry_run: bool = False) -> dict[str, int]:
        return apply_retention(db, settings, now=START + timedelta(days=days), dry_run=dry_run).counts

    assert at(6.9) == dict.fromkeys(("outbox_payloads", "processed_events", "guided_captures", "nudge_deliveries",
                                     "nudge_engagement"), 0)
    assert at(7.1, dry_run=True)["processed_events"] == 1 and counts(db) == start  # dry: counted, kept
    assert at(7.1)["processed_events"] == 1 and counts(db) == {**start, "events": 0}
    assert at(30.1)["guided_captures"] == 1
    assert at(90.1)["outbox_payloads"] == 5
    assert counts(db) == {**start, "events": 0, "guided": 0, "payloads": 0}  # rows stay: keys, times, recipients
    with db.session() as session:
        sent = session.exec(select(OutboxMessage)).all()
    assert all(m.state == "sent" and m.sent_at and m.recipient for m in sent)
    assert at(365.1) == {"outbox_payloads": 0, "processed_events": 0, "guided_captures": 0, "nudge_deliveries": 1,
                         "nudge_engagement": 1}
    assert set(at(400).values()) == {0}  # nothing left to do: a rerun changes nothing
    with db.session() as session:
        assert len(export_ideas(session, include_withdrawn=True)) == 4  # records are kept by default
    runs = audit_rows(db, "retention.run")
    assert len(runs) == 6 and json.loads(runs[1].detail)["processed_events"] == 1  # dry runs are not recorded


def test_closed_ideas_are_pseudonymised_when_their_years_have_passed(db, database_url, operations):
    settings = policy(database_url, retention_declined_years=1, retention_parked_years=3)
    early = apply_retention(db, settings, now=START + timedelta(days=364))
    assert early.ideas == {"declined": [], "parked": []} and early.kept == ["withdrawn"]
    report = apply_retention(db, settings, now=START + timedelta(days=366))
    assert report.ideas == {"declined": [("local", 1)], "parked": []}
    assert "1 declined ideas were pseudonymised: local #1" in report.lines()
    with db.session() as session:
        rows = {r.number: r for r in export_ideas(session, include_withdrawn=True)}
        assert session.exec(select(Comment)).one().person_id != get_person(session, "shell", "bertil").id
        assert session.exec(select(Vote)).all() == []
    declined = rows[1]
    assert (declined.title, declined.stage, declined.decision_reason, declined.decided_by_role) == (
        "Avslås", "declined", "Ingår redan", "coach")  # the record stays
    assert declined.author_erased and declined.author is None  # no link to Anna any more
    assert {n: r.author for n, r in rows.items() if n != 1} == {2: "shell:anna", 3: "shell:anna", 4: "shell:anna"}
    again = apply_retention(db, settings, now=START + timedelta(days=367))
    assert again.ideas["declined"] == []  # pseudonymised once
    (run,) = [e for e in audit_rows(db, "retention.run") if json.loads(e.detail).get("declined_idea_ids")]
    assert json.loads(run.detail)["records_action"] == "pseudonymise"


def test_withdrawn_ideas_are_deleted_when_the_organisation_chose_deletion(core, db, database_url, operations):
    settings = policy(database_url, retention_withdrawn_years=2, retention_records_action="delete")
    two_years = START.replace(year=START.year + 2)  # calendar years: 2028 has a 29 February
    assert apply_retention(db, settings, now=two_years - timedelta(minutes=1)).ideas["withdrawn"] == []
    dry = apply_retention(db, settings, now=two_years + timedelta(minutes=1), dry_run=True)
    assert dry.ideas["withdrawn"] == [("local", 3)]
    report = apply_retention(db, settings, now=two_years + timedelta(minutes=1))
    assert report.ideas["withdrawn"] == [("local", 3)]
    with db.session() as session:
        assert [r.number for r in export_ideas(session, include_withdrawn=True)] == [1, 2, 4]
    assert core.handle_command(BERTIL, "sök återkallas").ideas == []  # gone from the search index too
    assert core.handle_command(BERTIL, "sök införs").ideas[0].number == 4  # implemented: always a record


def test_the_scheduler_runs_retention_under_its_lease_and_catches_up_after_downtime(db, settings, clock,
                                                                                    operations):
    from bot.app import build_runtime

    runtime = build_runtime(settings, clock, db=db)
    leader, follower = runtime.scheduler(holder="a"), runtime.scheduler(holder="b")
    clock.advance(8 * DAY)
    leader.run_retention()
    follower.run_retention()  # the lease is a's: b does nothing
    assert len(audit_rows(db, "retention.run")) == 1 and counts(db)["events"] == 0
    clock.advance(3600)
    leader.catch_up()
    assert len(audit_rows(db, "retention.run")) == 1  # ran within the last day: no second run
    clock.advance(2 * DAY)  # the nightly job was missed (downtime)
    leader.catch_up()
    assert len(audit_rows(db, "retention.run")) == 2 and audit_rows(db, "retention.run")[1].via == "scheduler"


def test_retention_apply_prints_what_it_removes(cli, operations):
    result = cli("retention", "apply", "--dry-run", "--at", (START + timedelta(days=8)).isoformat())
    assert result.exit_code == 0, result.output
    assert "Dry run – nothing removed" in result.output and "1 processed event ids deleted" in result.output
    assert "declined ideas are kept (IDESLUSS_RETENTION_DECLINED_YEARS is not set)" in result.output
    done = cli("retention", "apply", "--at", (START + timedelta(days=8)).isoformat(),
               env={"IDESLUSS_RETENTION_DECLINED_YEARS": "keep"})
    assert "1 processed event ids deleted" in done.output
    assert "Dry run" not in cli("retention", "apply", "--at", START.isoformat()).output
    assert cli("retention", "apply", "--at", "i morgon").exit_code == 2
