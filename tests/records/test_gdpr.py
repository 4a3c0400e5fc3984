"""A person's rights: everything the bot holds about them in one document, and an erasure that leaves no trace of
them but "Tidigare medarbetare" while the organisation's records stay."""

from __future__ import annotations

import json

import pytest
from sqlmodel import SQLModel, select

from bot.core import Core, Origin
from bot.core.replies import ActionId
from scheduler.digests import build_digests
from scheduler.nudges import send_nudge
from storage.conversations import RefData, save_ref
from storage.db import Database
from storage.groups import add_members, create_group
from storage.models import Person
from storage.people import get_or_create_org, get_person
from storage.register_extract import PERSON_COLUMNS
from tests.conftest import START
from tests.records.conftest import (
    AGNES,
    AGNES_ID,
    BERTIL,
    COACH,
    MANAGER,
    ORG,
    audit_rows,
    every_text_in_the_database,
    give_role,
    renderings,
)

TRACES = (AGNES_ID, "Agnes", "Anonymsson")


@pytest.fixture
def agnes_everywhere(core: Core, db: Database, settings, clock, staff) -> None:
    """Agnes has done everything the bot keeps: ideas (one anonymous), comments, votes, stage changes as a
    coach, roles, a group, nudge answers, a snooze, a half-finished guided capture, a digest, messages."""
    give_role(db, AGNES, "coach")
    give_role(db, AGNES, "manager")
    core.handle_message(AGNES, "idé Solceller på förskolan", Origin(channel="C0PUBLIC1", message_ref="111.222",
                                                                     link="https://x.slack.com/archives/C0PUBLIC1/p1"))
    core.handle_command(AGNES, "anonym Lönerna i hemtjänsten")
    bertils = core.handle_command(BERTIL, "Bättre kaffe i fikarummet").idea_number
    core.comment(AGNES, bertils, "Håller med!")
    core.vote(AGNES, bertils)
    core.handle_command(AGNES, f"status {bertils} bedömning")
    core.submit_form(BERTIL, {"text": "Ett inlägg från kanalen", "anonymous": False},
                     Origin(channel="C0PUBLIC1", message_ref="333.444", original_author=f"slack:{AGNES_ID}"))
    core.handle_command(COACH, "status 1 pilot")  # Agnes hears about it and is asked for her name
    core.handle_action(AGNES, ActionId.NAME_CONSENT_YES, "1")
    core.first_time(f"slack:action:{AGNES_ID}:1700000000.1")
    with db.session() as session:
        org = get_or_create_org(session, ORG, now=START)
        group = create_group(session, org.id, "Förskolan Solen", now=START)
        add_members(session, group, [get_person(session, "slack", AGNES_ID)], now=START)
        group_id = group.id
    nudge = send_nudge(db, settings, group_id, now=clock.now(), manual=True)
    core.handle_action(AGNES, ActionId.NUDGE_SKIP, str(nudge.nudge_id))
    core.handle_command(AGNES, "paus 2v")
    core.handle_command(AGNES, "")  # a guided capture (no forms here) she never finished
    clock.advance(3600)
    build_digests(db, settings, now=clock.now())  # her digest as a manager, and Maria's naming her idea


def test_the_register_extract_lists_everything_the_bot_holds_about_the_person(cli, db, agnes_everywhere):
    result = cli("people", "export", f"slack:{AGNES_ID}")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["person"]["display_name"] == "Agnes Anonymsson" and data["person"]["user_id"] == AGNES_ID
    assert [(i["number"], i["anonymous"]) for i in data["ideas"]] == [(1, False), (2, True)]
    assert data["ideas_saved_from_their_messages"] == [{"number": 4, "title": "Ett inlägg från kanalen"}]
    assert [c["text"] for c in data["comments"]] == ["Håller med!"]
    assert [v["idea"] for v in data["votes"]] == [3]
    assert [(c["idea"], c["to_stage"], c["role"]) for c in data["stage_changes"]] == [(3, "in_review", "coach")]
    assert sorted(r["role"] for r in data["roles"]) == ["coach", "manager"]
    assert data["group_memberships"][0]["group"] == "Förskolan Solen"
    assert [n["kind"] for n in data["nudges"]["received"]] == ["dm"]
    assert [n["kind"] for n in data["nudges"]["engagement"]] == ["skipped"]
    assert data["snoozes"]["paused_until"] and data["guided_capture"]["step"] == "idea"
    assert data["name_consents"] == [{"idea": 1, "answer": True, "asked_at": data["name_consents"][0]["asked_at"],
                                      "answered_at": data["name_consents"][0]["answered_at"]}]
    assert [d["week"] for d in data["digests"]] == ["2026-W10"]
    assert sorted(m["kind"] for m in data["messages_sent_to_them"]) == ["consent", "digest", "nudge:dm", "stage"]
    assert all("payload" not in m for m in data["messages_sent_to_them"])  # time and kind, not the text
    assert {a["action"] for a in data["audit"]} >= {"idea.stage", "idea.name_consent"}
    (extract,) = audit_rows(db, "person.export")
    assert extract.subject_id == data["person"]["id"]


def test_erasure_leaves_no_trace_but_tidigare_medarbetare_and_keeps_the_records(cli, core, db, agnes_everywhere):
    before = every_text_in_the_database(db)
    assert all(trace in before for trace in TRACES)  # the test would see her if she were left anywhere
    refused = cli("people", "erase", f"slack:{AGNES_ID}")
    assert refused.exit_code == 2 and "--yes" in refused.output
    erased = cli("people", "erase", f"slack:{AGNES_ID}", "--yes")
    assert erased.exit_code == 0, erased.output
    assert "Tidigare medarbetare" in erased.output and "2 ideas, 1 comments" in erased.output

    after = every_text_in_the_database(db)
    for trace in TRACES:
        assert trace not in after, [line for line in after.splitlines() if trace in line][:3]
    for args in (["ideas", "export"], ["ideas", "export", "--with-identities"], ["ideas", "export", "-f", "csv"],
                 ["audit", "list", "--format", "json"], ["audit", "list"]):
        output = cli(*args).stdout
        assert not any(trace in output for trace in TRACES), args
    rows = {r["number"]: r for r in json.loads(cli("ideas", "export", "--with-identities").stdout)}
    assert (rows[1]["author"], rows[1]["author_name"]) == ("Tidigare medarbetare", "Tidigare medarbetare")
    assert rows[2]["author"] == "Tidigare medarbetare" and rows[2]["anonymous"]
    assert rows[1]["title"] == "Solceller på förskolan" and rows[1]["source_link"] is None
    erasure = [e for e in json.loads(cli("audit", "list", "--format", "json").stdout) if e["action"] == "person.erase"]
    assert erasure[0]["subject"] == "Tidigare medarbetare"

    for who, number in ((BERTIL, 1), (BERTIL, 3), (MANAGER, 1)):
        shown = core.handle_command(who, f"visa {number}")
        assert not any(trace in text for text in renderings(shown).values() for trace in TRACES)
    assert "Tidigare medarbetare: Håller med!" in {f.label: f.value for f in core.handle_command(
        BERTIL, "visa 3").fields}["Kommentarer"]
    assert "Bedömning (Tidigare medarbetare)" in {f.label: f.value for f in core.handle_command(
        BERTIL, "visa 3").fields}["Historik"]

    settled = every_text_in_the_database(db)
    again = cli("people", "erase", f"slack:{AGNES_ID}", "--yes")  # running it twice is harmless
    assert again.exit_code == 0 and "Nothing to erase" in again.output
    assert every_text_in_the_database(db) == settled
    assert cli("people", "export", f"slack:{AGNES_ID}").exit_code == 2
    with db.session() as session:
        assert get_person(session, "slack", AGNES_ID) is None


def test_the_audit_trail_needs_no_rewriting_when_a_person_is_erased(cli, db, agnes_everywhere):
    trail = [(e.id, e.actor_id, e.subject_id, e.detail) for e in audit_rows(db)]
    assert not any(trace in str(trail) for trace in TRACES)  # ids and codes only, from the start
    cli("people", "erase", f"slack:{AGNES_ID}", "--yes")
    assert [(e.id, e.actor_id, e.subject_id, e.detail) for e in audit_rows(db)][:len(trail)] == trail


def test_an_erased_teams_person_loses_their_conversation_references(core, db, clock):
    from bot.core import Actor
    from storage.erasure import erase_person

    megan = Actor("teams", "aad-megan-0001", workspace="tenant-1", display_name="Megan Bowen")
    core.handle_command(megan, "Digitala nycklar")
    with db.session() as session:
        save_ref(session, RefData("a:personal-megan", "https://smba.example/", "personal", "tenant-1", "28:bot",
                                  user_id="aad-megan-0001", member_id="29:megan"), now=clock.now())
        save_ref(session, RefData("member:aad-megan-0001", "https://smba.example/", "member", "tenant-1", "28:bot",
                                  user_id="aad-megan-0001", member_id="29:megan"), now=clock.now())
    with db.session() as session:
        report = erase_person(session, get_person(session, "teams", "aad-megan-0001"), now=clock.now())
    assert report.conversation_references == 2
    text = every_text_in_the_database(db)
    assert "megan" not in text.lower() and "29:" not in text


def test_unknown_people_are_not_created_by_looking_them_up(cli, db):
    assert cli("people", "export", "slack:U0NOBODY1").exit_code == 2
    assert "Nothing to erase" in cli("people", "erase", "slack:U0NOBODY1", "--yes").output
    with db.session() as session:
        assert session.exec(select(Person)).all() == []


def test_every_column_that_points_at_a_person_is_covered_by_the_extract_and_the_erasure():
    pointing = {(t.name, fk.parent.name) for t in SQLModel.metadata.sorted_tables for fk in t.foreign_keys
                if fk.column.table.name == "person"}
    covered = {(table, column) for table, columns in PERSON_COLUMNS.items() for column in columns}
    assert pointing == covered
