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


def test_managers_alike_share_one_digest_and_a_language_or_a_scope_of_their_own_gets_its_own(
        db, core, sched_settings, clock):
    """A digest is rendered once per scope, period and language: two Swedish managers of the whole organisation
    get the same message, an English one and a group's manager their own."""
    team = group(db, "Hemtjänst", ["slack:UANNA"])
    for ref in ("slack:UORG1", "slack:UORG2"):
        make_manager(db, ref)
    person(db, "slack:UORGEN", locale="en-GB")
    make_manager(db, "slack:UORGEN")
    make_manager(db, "slack:UGRP", team.id)
    core.handle_command(slack_actor("UANNA"), "Nattlarm som väcker alla")
    core.handle_command(slack_actor("UBERTIL"), "Fler cykelställ")
    clock.advance(3600)
    assert build_digests(db, sched_settings, now=clock.now()).enqueued == 4
    with db.session() as session:
        payloads = {r.recipient: r.payload for r in session.exec(select(OutboxMessage)).all()}
    sent = digests(db)
    assert payloads["UORG1"] == payloads["UORG2"]
    assert "Hela organisationen" in sent["UORG1"].text and "Nya idéer (2)" in text_of(sent["UORG1"])
    assert sent["UORGEN"].title.startswith("Weekly digest") and "New ideas (2)" in text_of(sent["UORGEN"])
    assert "The whole organisation" in sent["UORGEN"].text and sent["UORGEN"].locale == "en"
    assert "Grupper: Hemtjänst" in sent["UGRP"].text and "Nya idéer (1)" in text_of(sent["UGRP"])


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
    # Fourteen for the digest itself (two of them the backlog the database keeps and the groups it is kept for),
    # one for the spreading figures (issue 11), two per distinct scope for the figures' headline (here: the
    # organisation and one group): constant in the number of ideas and managers.
    assert few == many <= 14 + 1 + 2 * 2


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


def test_a_scope_with_many_ideas_shows_exact_counts_and_its_first_ideas_in_order(db, sched_settings, clock):
    """1,500 ideas written straight into the database; every figure of six managers' digests (the whole
    organisation, one group, two groups, a sparse group, two periods) checked against counts made here from the
    rows inserted, not by the code under test."""
    import random
    import re
    from datetime import UTC, datetime

    from sqlalchemy import insert

    from storage.digests import log_digest
    from storage.models import StageChange, Vote
    from storage.people import get_or_create_person

    rng = random.Random(12)
    now = (clock.now() + timedelta(hours=1)).astimezone(UTC)  # Monday 2 March 2026, 10:30 in Stockholm
    default_since = datetime(2026, 2, 22, 23, 0, tzinfo=UTC)  # Monday 23 February, midnight in Stockholm
    later_since = datetime(2026, 2, 26, 12, 0, tzinfo=UTC)  # what last week's digest covered, for two managers
    waiting_before = datetime(2026, 2, 15, 23, 0, tzinfo=UTC)  # ten working days before 2 March: 16 February
    names = ["A", "B", "C", "S"]
    authors = [person(db, f"slack:UW{n:02d}") for n in range(40)]
    member_of: dict[int, set[str]] = {a.id: set() for a in authors}
    for a in authors[:36]:  # most in one group, some in two, S (sparse) has two members only, four in none
        member_of[a.id].add(rng.choice("ABC"))
        if rng.random() < 0.25:
            member_of[a.id].add(rng.choice("ABC"))
    for a in authors[36:38]:
        member_of[a.id].add("S")
    groups = {n: group(db, n, [a.ref for a in authors if n in member_of[a.id]]) for n in names}
    gid = {n: g.id for n, g in groups.items()}
    org_id = groups["A"].org_id
    with db.session() as session:
        from storage.people import get_or_create_org

        other = get_or_create_org(session, "annankommun", now=START)
        stranger = get_or_create_person(session, other, "slack", "UOTHER", now=START)
        other_id, stranger_id = other.id, stranger.id

    ideas, changes, votes = [], [], []
    for n in range(1, 1501):
        band = rng.random()
        days = rng.uniform(0.02, 6.9) if band < 0.3 else rng.uniform(8, 13) if band < 0.4 else rng.uniform(20, 400)
        created = now - timedelta(days=days, seconds=n)  # distinct moments: the order is defined
        stage = rng.choice(["new"] * 5 + ["in_review", "pilot", "implemented", "declined"])
        answered = None if stage == "new" and rng.random() < 0.9 else created + timedelta(hours=rng.uniform(1, 30))
        pick = rng.random()  # S's two members write one idea in a hundred
        author = rng.choice(authors[:36] if pick < 0.9 else authors[36:38] if pick < 0.91 else authors[38:])
        nudged = rng.choice("ABC") if rng.random() < 0.1 else None
        withdrawn = created + timedelta(hours=1) if rng.random() < 0.04 else None
        ideas.append({"id": n, "org_id": org_id, "number": n, "title": f"Idé {n}", "text": "t", "stage": stage,
                      "anonymous": False, "author_id": author.id, "source": "slack", "group_id": gid.get(nudged),
                      "first_feedback_at": answered, "withdrawn_at": withdrawn, "created_at": created,
                      "updated_at": created})
        for k in range(rng.choice([0, 0, 1, 2])):
            at = now - timedelta(days=rng.uniform(0.01, 12), seconds=n * 3 + k)
            changes.append({"idea_id": n, "from_stage": None if rng.random() < 0.1 else "new",
                            "to_stage": "in_review", "created_at": at})
        for voter in rng.sample(authors, rng.choice([0, 0, 0, 1, 2, 3])):
            votes.append({"idea_id": n, "person_id": voter.id,
                          "created_at": now - timedelta(days=rng.uniform(0.01, 10))})
    strangers = [{"id": 5000 + n, "org_id": other_id, "number": n, "title": "Annan", "text": "t", "stage": "new",
                  "anonymous": False, "author_id": stranger_id, "source": "slack", "group_id": None,
                  "first_feedback_at": None, "withdrawn_at": None, "created_at": now - timedelta(days=n),
                  "updated_at": now} for n in range(1, 40)]
    with db.engine.begin() as conn:
        conn.execute(insert(Idea), ideas + strangers)
        conn.execute(insert(StageChange), changes)
        conn.execute(insert(Vote), votes)

    scopes = {"UM_ORG": set(), "UM_ORG_LATER": set(), "UM_A": {"A"}, "UM_AB": {"A", "B"}, "UM_S": {"S"},
              "UM_B_LATER": {"B"}}
    for ref, scope in scopes.items():
        if scope:
            for name in sorted(scope):
                make_manager(db, f"slack:{ref}", gid[name])
        else:
            make_manager(db, f"slack:{ref}")
    with db.session() as session:
        for ref in ("UM_ORG_LATER", "UM_B_LATER"):
            log_digest(session, get_person(session, "slack", ref).id, "2026-W09", later_since, now=later_since,
                       org_id=org_id)

    run = build_digests(db, sched_settings, now=now, dry_run=True)
    replies = {ref.split(":")[1]: reply for ref, reply in run.previews}
    assert set(replies) == set(scopes)

    by_id = {i["id"]: i for i in ideas}

    def groups_of(idea: dict) -> set[str]:  # type: ignore[type-arg]
        nudge = {n for n, g in gid.items() if g == idea["group_id"]}
        return member_of.get(idea["author_id"], set()) | nudge

    def numbers(value: str) -> list[int]:
        return [int(m.group(1)) for line in value.splitlines() if (m := re.match(r"#(\d+) ", line))]

    checked = {"more": 0, "sparse waiting": 0}
    for ref, scope in scopes.items():
        since = later_since if ref.endswith("LATER") else default_since
        live = [i for i in ideas if i["withdrawn_at"] is None and (not scope or groups_of(i) & scope)]
        new = sorted((i for i in live if since <= i["created_at"] < now), key=lambda i: i["created_at"], reverse=True)
        waiting = sorted((i for i in live if i["stage"] == "new" and i["first_feedback_at"] is None
                          and i["created_at"] < waiting_before), key=lambda i: i["created_at"])
        live_ids = {i["id"] for i in live}
        moved = sorted((c for c in changes if c["idea_id"] in live_ids and c["from_stage"] is not None
                        and since <= c["created_at"] < now), key=lambda c: c["created_at"], reverse=True)
        tally: dict[int, int] = {}
        for v in votes:
            if v["idea_id"] in live_ids and default_since <= v["created_at"] < now:  # the run's earliest period
                tally[v["idea_id"]] = tally.get(v["idea_id"], 0) + 1
        top = sorted(tally.items(), key=lambda kv: (-kv[1], kv[0]))[:5]

        reply = replies[ref]
        fields = {f.label: f.value for f in reply.fields}
        expected = {f"Nya idéer ({len(new)})": [i["number"] for i in new],
                    f"Statusändringar ({len(moved)})": [by_id[c["idea_id"]]["number"] for c in moved],
                    f"Väntar på första återkoppling mer än 10 arbetsdagar ({len(waiting)})":
                        [i["number"] for i in waiting]}
        for label, order in expected.items():
            assert label in fields, (ref, label, list(fields))
            assert numbers(fields[label]) == order[:8], (ref, label)
            more = fields[label].splitlines()[-1]
            if len(order) > 8:
                assert more == f"… och {len(order) - 8} till", (ref, label, more)
                checked["more"] += 1
            else:
                assert not more.startswith("…")
        assert f"{len(new)} nya idéer, {len(moved)} statusändringar, {len(waiting)} väntar på återkoppling." \
            in reply.text, ref
        voted = fields["Mest röstade i veckan"].splitlines()
        assert [(n, f"{k} röster") for n, k in top] == [(int(line[1:].split()[0]), line.rsplit("– ", 1)[1])
                                                         for line in voted], ref
        assert reply.buttons[0].value == str(waiting[0]["number"]), ref  # the idea waiting longest
        if scope == {"S"}:
            checked["sparse waiting"] = len(waiting)
    assert checked["more"] >= 12  # the big scopes really are cut after eight lines
    assert 0 < checked["sparse waiting"] < 8  # and the sparse one is read to its end


def test_every_groups_headline_in_one_go_equals_that_groups_own_figures(db, clock):
    """`headlines` (four queries for the organisation and all its groups) against `compute` per scope, on ideas
    written straight into the database: authors in one, two or no groups, nudged ideas by members and by
    outsiders, withdrawn, answered in time or late, late now or at the period's start, in both windows."""
    import random
    from datetime import UTC

    from sqlalchemy import insert

    from bot.core.calendar import add_working_days
    from bot.core.figures import DEFAULT_PERIOD, compute, headlines, parse_period
    from storage.figures import Scope
    from storage.models import Organisation

    rng = random.Random(7)
    now = clock.now().astimezone(UTC)
    authors = [person(db, f"slack:UH{n:02d}") for n in range(30)]
    member_of = {a.ref: set(rng.sample("ABC", rng.choice([0, 1, 1, 1, 2]))) for a in authors}
    groups = {n: group(db, n, [ref for ref, gs in member_of.items() if n in gs]) for n in "ABCD"}  # D: no one
    org_id = groups["A"].org_id
    ideas = []
    for n in range(1, 401):
        created = now - timedelta(days=rng.uniform(0.1, 200), seconds=n)
        answered = None if rng.random() < 0.4 else created + timedelta(days=rng.uniform(0.1, 25))
        ideas.append({"id": n, "org_id": org_id, "number": n, "title": f"Idé {n}", "text": "t",
                      "stage": "new" if answered is None else "in_review", "anonymous": False,
                      "author_id": rng.choice(authors).id, "source": "slack",
                      "group_id": groups[rng.choice("ABCD")].id if rng.random() < 0.3 else None,
                      "first_feedback_at": answered if answered is None or answered < now else None,
                      "feedback_due": add_working_days(created.date(), 10) if rng.random() < 0.9 else None,
                      "withdrawn_at": created + timedelta(hours=2) if rng.random() < 0.05 else None,
                      "created_at": created, "updated_at": created})
    with db.engine.begin() as conn:
        conn.execute(insert(Idea), ideas)

    period = parse_period(DEFAULT_PERIOD, now, "Europe/Stockholm")
    with db.session() as session:
        org = session.get(Organisation, org_id)
        assert org is not None
        found = headlines(session, org, period, groups=[g.id for g in groups.values()], timezone="Europe/Stockholm",
                          now=now)
        expected = {key: compute(session, org, Scope(org_id, groups=key), period, timezone="Europe/Stockholm",
                                 now=now, headline_only=True)
                    for key in [frozenset(), *(frozenset({g.id}) for g in groups.values())]}
    assert found == expected
    whole = found[frozenset()]
    assert whole.current.ideas > 0 and whole.previous.ideas > 0 and whole.current.overdue > 0
    assert whole.previous.overdue > 0 and whole.current.first_feedback_in_time_rate not in (None, 0.0, 1.0)
    assert 0 < found[frozenset({groups["A"].id})].current.ideas < whole.current.ideas
    assert found[frozenset({groups["D"].id})].current.ideas > 0  # D's nudged ideas, though it has no members
