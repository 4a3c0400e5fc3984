"""The weekly digest as a manager reads it: their scope, escaped on Slack, exactly once a week."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import timedelta

from sqlalchemy import event, update
from sqlmodel import select

from bot.core import Actor
from bot.core.clock import ManualClock
from bot.core.replies import Reply
from scheduler.digests import build_digests
from scheduler.dispatcher import Dispatcher
from scheduler.nudges import send_nudge
from storage.models import Idea, OutboxMessage
from storage.people import get_or_create_org, get_person, grant_role
from tests.conftest import START
from tests.scheduler.conftest import ORG, cli, group, local, person, scheduler_service

CHANNEL_IDEA = "Larm när <!channel> & <@U999> skriver"


def slack_actor(user: str) -> Actor:
    return Actor("slack", user, workspace="T061EG9R6", display_name=user.lower(), locale="sv-SE")


def make_manager(db, ref: str, group_id: int | None = None) -> None:  # type: ignore[no-untyped-def]
    platform, user_id = ref.split(":", 1)
    person(db, ref)
    with db.session() as session:
        grant_role(session, get_person(session, platform, user_id), "manager", group_id, now=START)


def digests(db) -> dict[str, Reply]:  # type: ignore[no-untyped-def]
    import json

    with db.session() as session:
        return {r.recipient: Reply.from_dict(json.loads(r.payload))
                for r in session.exec(select(OutboxMessage)).all() if r.key.startswith("digest:")}


def text_of(reply: Reply) -> str:
    return reply.plain_text() + "\n" + "\n".join(b.label for b in reply.buttons)


def test_each_manager_sees_their_scope_anonymous_authors_hidden_and_waiting_ideas(db, core, sched_settings, clock):
    team = group(db, "Hemtjänst", ["slack:UANNA"])
    make_manager(db, "slack:UORG")
    make_manager(db, "slack:UGRP", team.id)
    coach = person(db, "slack:UCOACH")
    with db.session() as session:
        grant_role(session, get_person(session, "slack", "UCOACH"), "coach", now=START)
    anna, bertil = slack_actor("UANNA"), slack_actor("UBERTIL")
    core.handle_command(anna, "Nattlarm som väcker alla")
    core.handle_command(bertil, CHANNEL_IDEA)
    core.submit_form(bertil, {"title": "Hemlig idé", "text": "Anonym text", "anonymous": True})
    core.handle_command(slack_actor("UCOACH"), "status 1 bedömning")
    for voter in ("UV1", "UV2"):
        core.vote(slack_actor(voter), 2)
    old = clock.now() - timedelta(days=30)
    core.handle_command(anna, "Gammal idé utan svar")
    with db.session() as session:
        session.execute(update(Idea).where(Idea.number == 4).values(created_at=old))
    send_nudge(db, sched_settings, team.id, now=clock.now(), manual=True)
    assert coach.id

    clock.advance(3600)  # the digest is built an hour later
    run = build_digests(db, sched_settings, now=clock.now())
    assert (run.managers, run.enqueued) == (2, 2)
    org, grp = digests(db)["UORG"], digests(db)["UGRP"]
    org_text, grp_text = text_of(org), text_of(grp)
    assert "Hela organisationen" in org_text and "Nya idéer (3)" in org_text
    assert CHANNEL_IDEA in org_text  # plain text in the Reply: each adapter escapes for its own markup
    [secret] = [line for line in org_text.splitlines() if "Hemlig idé" in line]
    assert secret.endswith("Hemlig idé (Inkommen) – Anonym")  # the author (ubertil) is not named
    assert "#1 Nattlarm som väcker alla: Inkommen → Bedömning" in org_text
    assert "Väntar på första återkoppling mer än 10 arbetsdagar (1)" in org_text and "#4 Gammal idé" in org_text
    assert "Mest röstade i veckan" in org_text and "2 röster" in org_text
    assert "Hemtjänst: 1 frågor skickade, 0 idéer som svar" in org_text
    # The figures' headline, with the trend against the 90 days before (four live ideas, none before).
    assert "Senaste 90 dagarna" in org_text and "Idéer 4 ↑ (förra perioden 0)" in org_text
    assert [b.label for b in org.buttons] == ["Ta ansvar", "Be om komplettering", "Visa alla"]
    assert org.buttons[0].value == "4"  # the idea waiting longest
    # The group's manager sees Anna's ideas (she is a member), not Bertil's.
    assert "Grupper: Hemtjänst" in grp_text and "Nattlarm" in grp_text
    assert "Idéer 2 ↑ (förra perioden 0)" in grp_text  # the group's headline: Anna's two ideas
    assert "channel" not in grp_text and "Hemlig" not in grp_text


def test_the_slack_rendering_of_a_digest_escapes_user_text(db, core, sched_settings, clock):
    from bot.slack import blocks

    make_manager(db, "slack:UORG")
    core.handle_command(slack_actor("UBERTIL"), CHANNEL_IDEA)
    clock.advance(60)
    build_digests(db, sched_settings, now=clock.now())
    rendered = str(blocks.message(digests(db)["UORG"]))
    assert "<!channel>" not in rendered and "<@U999>" not in rendered
    assert "&lt;!channel&gt;" in rendered and "&amp;" in rendered


def test_a_manager_granted_on_the_cli_gets_one_dm_on_digest_send_and_nothing_on_a_rerun(
        db, core, database_url, standin):
    core.handle_command(slack_actor("UBERTIL"), CHANNEL_IDEA)
    assert cli(["roles", "grant", "slack:U1", "manager"], database_url).returncode == 0
    env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": standin.api_url}
    first = cli(["digest", "send"], database_url, **env)
    second = cli(["digest", "send"], database_url, **env)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert "1 new" in first.stdout and "sent 1 of 1" in first.stdout
    assert "0 new, 1 enqueued before; sent 1 of 1 (0 by this command)" in second.stdout
    posts = standin.calls_to("chat.postMessage")
    assert [c.args["channel"] for c in posts] == ["U1"]
    sent = standin.posted_texts()[-1]
    assert "Veckosammanfattning" in sent and "&lt;!channel&gt;" in sent and "<!channel>" not in sent
    preview = cli(["digest", "preview", "slack:U1"], database_url)
    assert CHANNEL_IDEA in preview.stdout and len(standin.calls_to("chat.postMessage")) == 1


def test_dry_run_prints_and_sends_nothing(db, core, database_url):
    core.handle_command(slack_actor("UBERTIL"), "Bättre skyltar")
    cli(["roles", "grant", "slack:U1", "manager"], database_url)
    result = cli(["digest", "send", "--dry-run", "--week", "2026-W48"], database_url)
    assert "--- slack:U1" in result.stdout and "Bättre skyltar" in result.stdout
    assert digests(db) == {}


def test_digest_queries_do_not_grow_with_the_number_of_ideas(db, core, sched_settings, clock):
    team = group(db, "Skola", ["slack:UANNA"])
    for n in range(3):
        make_manager(db, f"slack:UM{n}")
    make_manager(db, "slack:UG", team.id)
    anna = slack_actor("UANNA")

    def count_queries(week: str) -> int:
        statements: list[str] = []

        def listener(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            build_digests(db, sched_settings, now=clock.now(), week=week, dry_run=True)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    core.handle_command(anna, "En idé")
    few = count_queries("2026-W48")
    for n in range(40):
        core.handle_command(anna if n % 2 else slack_actor("UBERTIL"), f"Idé nummer {n}")
    many = count_queries("2026-W48")
    # Twelve for the digest itself, one for the spreading figures (issue 11), two per distinct scope for the
    # figures' headline (here: the organisation and one group): constant in the number of ideas and managers.
    assert few == many <= 12 + 1 + 2 * 2


def test_after_downtime_this_weeks_digest_is_sent_once_on_start_not_before_its_time(db, core, sched_settings):
    make_manager(db, "slack:UORG")
    core.handle_command(slack_actor("UBERTIL"), "Idé under driftstoppet")
    before = scheduler_service(sched_settings, db, ManualClock(local(2026, 11, 30, 7, 30)))
    before.catch_up()  # Monday 07:30: the digest is due at 08:00
    assert digests(db) == {}
    for holder in ("a", "b"):
        scheduler_service(sched_settings, db, ManualClock(local(2026, 12, 2, 10)), holder=holder).catch_up()
    assert list(digests(db)) == ["UORG"]


RACE = """
import sys
from bot.cli import app
sys.argv = ["idesluss", "scheduler", "--once", "--at", sys.argv[1]]
app()
"""


def test_two_scheduler_processes_racing_send_each_manager_one_digest(db, core, database_url, standin):
    for n in range(5):
        make_manager(db, f"slack:UM{n}")
    core.handle_command(slack_actor("UBERTIL"), "Idé för två processer")
    env = {**os.environ, "IDESLUSS_DATABASE_URL": database_url, "IDESLUSS_ORGANISATION": ORG,
           "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": standin.api_url, "PYTHONPATH": os.getcwd()}
    at = local(2026, 11, 30, 9).isoformat()
    procs = [subprocess.Popen([sys.executable, "-c", RACE, at], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    # Whichever took the lease sent the digests; a second run (the other replica later) adds nothing.
    lease_free_later = local(2026, 11, 30, 9, 5).isoformat()
    subprocess.run([sys.executable, "-c", RACE, lease_free_later], env=env, timeout=60, check=True,
                   capture_output=True)
    # (The same catch-up also runs the feedback ladder: the March idea's author hears it was not answered.)
    channels = sorted(c.args["channel"] for c in standin.calls_to("chat.postMessage")
                      if "Veckosammanfattning" in json.dumps(c.args, ensure_ascii=False))
    assert channels == [f"UM{n}" for n in range(5)]


def test_two_lease_holders_racing_without_the_lease_still_send_once(db, core, sched_settings, standin, clock):
    """Even if both replicas thought they led (a lease handover mid-run), outbox keys and SKIP LOCKED hold."""
    import threading

    from bot.slack.client import make_web_client
    from bot.slack.sender import SlackSender

    for n in range(6):
        make_manager(db, f"slack:UM{n}")
    core.handle_command(slack_actor("UBERTIL"), "Idé för två trådar")
    barrier = threading.Barrier(2)

    def replica(name: str) -> None:
        from storage.db import Database

        own = Database(sched_settings.database_url)
        barrier.wait()
        build_digests(own, sched_settings, now=clock.now())
        sender = SlackSender(make_web_client(sched_settings, retry_rate_limits=False))
        asyncio.run(Dispatcher(own, {"slack": sender}, worker=name, clock=clock).drain(max_wait=0))
        own.dispose()

    threads = [threading.Thread(target=replica, args=(n,)) for n in ("r1", "r2")]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    channels = sorted(c.args["channel"] for c in standin.calls_to("chat.postMessage"))
    assert channels == [f"UM{n}" for n in range(6)]
    with db.session() as session:
        assert get_or_create_org(session, ORG, now=START).id
