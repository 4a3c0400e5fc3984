"""Several organisations in one deployment: what the organisation rule and the shared features cost.

Run:  python bench/samverkan.py [--database-url postgresql://postgres@127.0.0.1:5432/samverkan_bench]

Every figure is set against a baseline measured in the same run, on the same database:
- resolving a request's organisation: `/idé lista` from a connected workspace with 2, 20 and 200 organisations
  connected, against the same request with no connection at all (IDESLUSS_ORGANISATION, today's deployments);
- a shared coach's Home tab (what waits in each organisation they serve) with 1, 5 and 20 organisations served,
  against the Home tab of a coach of one organisation;
- announcing a challenge to everyone: 1,000 and 10,000 known people (outbox rows enqueued in one transaction),
  per person, against enqueuing the same number of nudge-like rows with a bare `outbox.enqueue` loop;
- the token for an outgoing Slack message (several workspaces: a query and a Fernet decryption), against the
  same query returning the row without decrypting.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.config import Settings  # noqa: E402
from bot.core import Actor, Core  # noqa: E402
from bot.core import orgs as core_orgs  # noqa: E402
from bot.core.challenge_messages import announce  # noqa: E402
from bot.core.clock import SystemClock  # noqa: E402
from bot.slack.installations import WorkspaceTokens  # noqa: E402
from storage import orgs, outbox  # noqa: E402
from storage import slack_installations as installations  # noqa: E402
from storage.challenges import NewChallenge, create_challenge  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import OutboxMessage  # noqa: E402
from storage.people import get_or_create_org, get_or_create_person, grant_role  # noqa: E402
from storage.secrets import SecretBox, generate_key  # noqa: E402

CLOCK = SystemClock()


def fresh(url: str | None, folder: Path, name: str) -> Database:
    if url:
        db = Database(url)
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    else:
        db = Database(f"sqlite:///{folder / name}.db")
    db.upgrade()
    return db


def timed(fn: Callable[[], object], rounds: int) -> float:
    """Median milliseconds of `rounds` calls after one warm-up call."""
    fn()
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def resolution(db: Database, rounds: int) -> list[tuple[str, str, str, str]]:
    settings = Settings(database_url=db.url, organisation="default")
    core = Core(db, settings, CLOCK)
    actor = Actor("slack", "UBENCH", "TBENCH")
    core.handle_command(actor, "Första idén")
    baseline = timed(lambda: core.handle_command(actor, "lista"), rounds)
    rows = [("request, no connection (one organisation)", f"{baseline:.2f} ms", "", "1.00×")]
    now = CLOCK.now()
    with db.session() as session:  # the same workspace, the same organisation, the same idea: now connected
        orgs.connect(session, orgs.find_org(session, "default"), orgs.SLACK_TEAM, "TBENCH", now=now)
    made = 1
    for count in (2, 20, 200):
        with db.session() as session:
            for n in range(made, count):
                org = get_or_create_org(session, f"org{n}", f"Kommun {n}", now=now)
                orgs.connect(session, org, orgs.SLACK_TEAM, f"T{n:04d}", now=now)
        made = count
        took = timed(lambda: core.handle_command(actor, "lista"), rounds)
        rows.append((f"request, {count} organisations connected", f"{took:.2f} ms", f"{baseline:.2f} ms",
                     f"{took / baseline:.2f}×"))

    def lookup(resolve: bool) -> None:
        with db.session() as session:
            if resolve:
                core_orgs.resolve(session, actor, settings, now=now)
            else:
                get_or_create_org(session, "default", now=now)

    rule = timed(lambda: lookup(True), rounds * 4)
    before = timed(lambda: lookup(False), rounds * 4)
    rows.append(("the organisation lookup alone (200 connected)", f"{rule:.3f} ms",
                 f"by key, as before issue 11: {before:.3f} ms", f"{rule / before:.2f}×"))
    return rows


def shared_coach(db: Database, rounds: int) -> list[tuple[str, str, str, str]]:
    settings = Settings(database_url=db.url, organisation="default")
    core = Core(db, settings, CLOCK)
    now = CLOCK.now()
    with db.session() as session:
        home = get_or_create_org(session, "home", "Hemkommunen", now=now)
        orgs.connect(session, home, orgs.SLACK_TEAM, "THOME", now=now)
        coach = get_or_create_person(session, home, "slack", "UCOACH", workspace="THOME", now=now)
        grant_role(session, coach, "coach", now=now)
    for n in range(20):
        core.handle_command(Actor("slack", f"UEMP{n}", "THOME"), f"Idé nummer {n} i hemkommunen")
    actor = Actor("slack", "UCOACH", "THOME")
    baseline = timed(lambda: core.home(actor), rounds)
    rows = [("coach's Home tab, 1 organisation", f"{baseline:.2f} ms", "", "1.00×")]
    made = 0
    for count in (5, 20):
        with db.session() as session:
            home = orgs.find_org(session, "home")
            coach = get_or_create_person(session, home, "slack", "UCOACH", now=now)
            for n in range(made, count - 1):
                partner = get_or_create_org(session, f"p{n}", f"Partner {n}", now=now)
                orgs.connect(session, partner, orgs.SLACK_TEAM, f"TP{n:03d}", now=now)
                orgs.partner(session, home, partner, now=now)
                grant_role(session, coach, "coach", now=now, org_id=partner.id)
        for n in range(made, count - 1):
            for i in range(20):
                core.handle_command(Actor("slack", f"UP{n}E{i}", f"TP{n:03d}"), f"Idé {i} hos partner {n}")
        made = count - 1
        took = timed(lambda: core.home(actor), rounds)
        rows.append((f"shared coach's Home tab, {count} organisations", f"{took:.2f} ms", f"{baseline:.2f} ms",
                     f"{took / baseline:.2f}×"))
    return rows


def announcements(db: Database) -> list[tuple[str, str, str, str]]:
    now = CLOCK.now()
    rows = []
    known = 0
    with db.session() as session:
        org = get_or_create_org(session, "big", "Storkommunen", now=now)
        org_id = org.id
    for people in (1_000, 10_000):
        with db.session() as session:
            org = orgs.find_org(session, "big")
            for n in range(known, people):
                get_or_create_person(session, org, "slack", f"U{n:06d}", workspace="TBIG", now=now)
        known = people
        with db.session() as session:
            challenge = create_challenge(session, org_id, NewChallenge(title="Mätning", ends_on=now.date(),
                                                                       everyone=True), now=now)
        started = time.perf_counter()
        with db.session() as session:
            sent = announce(session, session.get(type(challenge), challenge.id), default_lang="sv", now=now)
        took = time.perf_counter() - started
        started = time.perf_counter()
        with db.session() as session:
            for n in range(people):
                outbox.enqueue(session, outbox.NewMessage(key=f"bare:{people}:{n}", platform="slack",
                                                          recipient=f"U{n:06d}", workspace="TBIG",
                                                          payload={"kind": "notification", "text": "x"}), now=now)
        bare = time.perf_counter() - started
        rows.append((f"announce a challenge to {people:,} people", f"{took * 1e6 / sent:.0f} µs/person "
                     f"({took:.2f} s)", f"bare enqueue {bare * 1e6 / people:.0f} µs/row", f"{took / bare:.2f}×"))
    with db.session() as session:
        session.exec(OutboxMessage.__table__.delete())  # type: ignore[call-overload]
    return rows


def tokens(db: Database, rounds: int) -> list[tuple[str, str, str, str]]:
    box = SecretBox(generate_key())
    now = CLOCK.now()
    with db.session() as session:
        for n in range(50):
            installations.save_installation(session, box, installations.InstallationData(
                team_id=f"TW{n:03d}", enterprise_id=None, bot_token=f"xoxb-{n}-bench-token"), now=now)
    lookup = WorkspaceTokens(db, box)

    def plain() -> None:
        with db.session() as session:
            installations.find_by_workspace(session, "TW025")

    took = timed(lambda: lookup._token("TW025"), rounds)  # the thread body the sender awaits
    base = timed(plain, rounds)
    return [("token for an outgoing message (50 workspaces)", f"{took:.3f} ms", f"row only {base:.3f} ms",
             f"{took / base:.2f}×")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="a scratch PostgreSQL database (it is emptied)")
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    dialect = "postgresql" if args.database_url else "sqlite"
    with tempfile.TemporaryDirectory() as folder:
        rows: list[tuple[str, str, str, str]] = []
        for name, run in (("resolution", lambda db: resolution(db, args.rounds)),
                          ("coach", lambda db: shared_coach(db, args.rounds)),
                          ("announce", announcements), ("tokens", lambda db: tokens(db, args.rounds * 4))):
            db = fresh(args.database_url, Path(folder), name)
            rows += run(db)
            db.dispose()
    print("| database | measure | idesluss | baseline (same run) | ratio |\n|---|---|---|---|---|")
    for measure, value, baseline, ratio in rows:
        print(f"| {dialect} | {measure} | {value} | {baseline} | {ratio} |")


if __name__ == "__main__":
    main()
