"""Issue 10's "done when", in Slack over the wire: a newcomer's anonymous idea reads "Anonym" in an employee's
search and a manager's digest; the export leaves its author out unless asked for identities, and that is audited."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from urllib.parse import parse_qsl, urlencode

from bot.app import Runtime
from scheduler.digests import build_digests
from storage.people import get_or_create_org, get_or_create_person, grant_role
from tests.conftest import START
from tests.slack.conftest import NFC_COMMAND, SlackClient, ideas
from tests.slack.test_events import mention

NEWCOMER, NEWCOMER_NAME = "U0NEWCOM1", "nyanstalld.nora"


def command_as(slack: SlackClient, text: str, user: str, user_name: str):  # type: ignore[no-untyped-def]
    fields = dict(parse_qsl(slack.command_body(text, NFC_COMMAND, user).decode()))
    fields["user_name"] = user_name
    return slack.post(urlencode(fields).encode(), "application/x-www-form-urlencoded")


def cli(args: list[str], database_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "IDESLUSS_DATABASE_URL": database_url, "IDESLUSS_ORGANISATION": "testkommun",
           "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, env=env,
                          timeout=60, check=True)


def test_a_newcomers_anonymous_idea_stays_anonymous_in_search_digest_and_export(slack: SlackClient, runtime: Runtime,
                                                                              db, clock, database_url):
    assert command_as(slack, "anonym Gemensam cykelpool för hemtjänsten", NEWCOMER, NEWCOMER_NAME).status_code == 200
    (captured,) = slack.standin.wait_for("response_url")
    assert "Idé #1" in json.dumps(captured.args, ensure_ascii=False) and "anonym" in captured.args["text"]

    command_as(slack, "sök cykelpool", "U0EMPLOY1", "erik.employee")
    found = slack.standin.wait_for("response_url", 2)[1]
    shown = json.dumps(found.args, ensure_ascii=False)
    assert "Gemensam cykelpool" in shown and "Anonym" in shown

    with db.session() as session:
        org = get_or_create_org(session, "testkommun", now=START)
        grant_role(session, get_or_create_person(session, org, "slack", "U0MANAGE1", now=START), "manager", now=START)
    clock.advance(3600)
    build_digests(db, runtime.settings, now=clock.now())
    runtime.dispatch_now(max_wait=0)
    (digest,) = [c for c in slack.standin.calls_to("chat.postMessage") if c.args["channel"] == "U0MANAGE1"]
    assert "Gemensam cykelpool för hemtjänsten (Inkommen) – Anonym" in digest.args["text"]
    for call in slack.standin.calls:  # nothing the bot said to Slack names the newcomer to anyone else
        if call is not captured:
            assert NEWCOMER not in json.dumps(call.args) and NEWCOMER_NAME not in json.dumps(call.args)

    exported = json.loads(cli(["ideas", "export", "--format", "json"], database_url).stdout)
    assert [(r["anonymous"], r["author"], r["author_name"]) for r in exported] == [(True, None, None)]
    named = json.loads(cli(["ideas", "export", "--format", "json", "--with-identities"], database_url).stdout)
    assert [(r["author"], r["author_name"]) for r in named] == [(f"slack:{NEWCOMER}", NEWCOMER_NAME)]
    trail = json.loads(cli(["audit", "list", "--format", "json"], database_url).stdout)
    assert [(e["action"], e["detail"]["with_identities"]) for e in trail if e["action"] == "ideas.export"] == [
        ("ideas.export", False), ("ideas.export", True)]


def test_an_anonymous_idea_mentioned_in_a_channel_is_refused_in_its_thread(slack: SlackClient, db):
    slack.event(mention("idé anonym Lönerna är orättvisa"))
    (post,) = slack.standin.wait_for("chat.postMessage")
    assert post.args["thread_ts"] == "1515449483.000108"
    assert "Inget sparades" in post.args["text"] and "direktmeddelande" in post.args["text"]
    assert ideas(db) == []
