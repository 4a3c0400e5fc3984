"""Core benchmark: ideas captured per second through the core, and search latency, at 10,000 and 100,000 ideas.

Run:  python bench/core_bench.py [--ideas 10000 100000] [--database-url postgresql://postgres@127.0.0.1/test_bench]

Each figure is set against a baseline measured in the same run on the same database:
- capture: the full core path (`/idé <text>`: person lookup, numbering, FTS index, similarity keys, similar
  ideas) against a bare committed INSERT of the same row — the floor any capture pays. The two alternate in
  rounds, so a busy machine slows both alike;
- search: `/idé sök <words>` through FTS5 / tsvector against a `LIKE '%word%'` scan of the same table.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.core import Actor, Core  # noqa: E402
from bot.core.clock import SystemClock  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.search import index_similar_many, search_idea_ids  # noqa: E402

WORDS = (  # noqa: SIM905 - a paragraph of words reads better than a list
    "cykelparkering stationen biblioteket öppettider förskolan lunch skolmaten äldreboendet hemtjänsten "
    "schemaläggning digitala blanketter ärendehantering parkering laddstolpar belysning gångväg snöröjning "
    "återvinning matsvinn kompost solceller energi värme ventilation möten kalender lokalbokning "
    "rekrytering introduktion nyanställda kompetens utbildning handledning arbetsmiljö friskvård "
    "kommunikation intranät hemsida e-tjänst växeln telefoni kundtjänst medborgare brukare anhöriga "
    "vårdnadshavare elever lärare rektor fritidshem idrottshall simhall bibliotekskort lånekort "
    "år åtgärd ändring översyn utredning uppföljning statistik nyckeltal budget inköp upphandling"
).split()
QUERIES = ["cykel", "år", "digitala blanketter", "återvinning", "sol", "kalender lokalbokning", "snöröjning gångväg",
           "elefant", "bibliotek", "skolmat", "parkering", "ny"]


STEMS = (  # noqa: SIM905
    "cykel buss tåg bil park skol för bibliotek vård omsorg hem mat kök städ snö väg gång ljus energi värme "
         "vatten avfall papper data dator skrivar telefon möte kalender lokal hall bad sim idrott lek park grön träd "
         "blom hund katt barn elev lärar rektor chef personal lön schema tid rast frukost lunch middag medicin "
         "larm lås nyckel dörr fönster tak golv vägg trappa hiss ramp skylt karta info webb app e-tjänst blankett "
         "ärende beslut avtal inköp faktura budget kostnad").split()
TAILS = (  # noqa: SIM905
    "parkering plats ställ tider rutin lista system stöd tjänst plan ning kort hantering grupp rum väg "
         "schema översyn kö flöde utbildning introduktion bokning ordning kontroll").split()
VOCABULARY = WORDS + [s + t for s in STEMS for t in TAILS]  # Swedish compounds: about 3,000 words
WEIGHTS = [1 / (rank + 1) for rank in range(len(VOCABULARY))]  # Zipf: a few words are common, most are rare
FILLER = "och att som för på med till vid i den det en ett är kan vi de har inte om mer bättre ny nya fler".split()  # noqa: SIM905


def sentence(rng: random.Random) -> str:
    content = rng.choices(VOCABULARY, WEIGHTS, k=rng.randint(3, 7))
    words = [w for c in content for w in (c, rng.choice(FILLER))][:-1]
    return " ".join(words).capitalize()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def bulk_fill(db: Database, org_id: int, author_id: int, count: int, start: int, rng: random.Random) -> None:
    """Fill the table fast with realistic rows (the FTS triggers / generated column still index every row)."""
    batch = 5000
    with db.session() as session:
        for offset in range(0, count, batch):
            rows = []
            for i in range(offset, min(count, offset + batch)):
                title = sentence(rng)
                rows.append({"org": org_id, "num": start + i, "title": title[:120],
                             "text": title + ". " + sentence(rng) + ". " + sentence(rng), "author": author_id})
            session.execute(text(
                "INSERT INTO idea (org_id, number, title, text, stage, anonymous, author_id, source, created_at, "
                "updated_at) VALUES (:org, :num, :title, :text, 'new', false, :author, 'shell', CURRENT_TIMESTAMP, "
                "CURRENT_TIMESTAMP)"), rows)
            inserted = session.execute(text("SELECT id, org_id, title FROM idea WHERE org_id = :org AND number >= :lo "
                                            "AND number < :hi"),
                                       {"org": org_id, "lo": start + offset, "hi": start + offset + batch}).all()
            index_similar_many(session, [tuple(row) for row in inserted])
        session.execute(text("UPDATE organisation SET next_idea_number = :n WHERE id = :org"),
                        {"n": start + count, "org": org_id})


def measure_capture(core: Core, db: Database, n: int, rng: random.Random, rounds: int = 10) -> tuple[float, float]:
    """Captures/s through the core and bare INSERTs/s, alternating in `rounds` so machine load hits both."""
    actor = Actor("shell", "bench")
    bare_sql = text(
        "INSERT INTO idea (org_id, number, title, text, stage, anonymous, author_id, source, created_at, "
        "updated_at) SELECT org_id, :num, 'x', :t, 'new', false, id, 'shell', CURRENT_TIMESTAMP, "
        "CURRENT_TIMESTAMP FROM person WHERE user_id = 'bench'")
    core_s = bare_s = 0.0
    per_round = max(1, n // rounds)
    for round_no in range(rounds):
        texts = [sentence(rng) for _ in range(per_round)]
        started = time.perf_counter()
        for t in texts:
            core.handle_command(actor, t)
        core_s += time.perf_counter() - started
        started = time.perf_counter()
        for i, t in enumerate(texts):
            with db.session() as session:
                session.execute(bare_sql, {"num": 10_000_000 + round_no * per_round + i, "t": t})
        bare_s += time.perf_counter() - started
    return per_round * rounds / core_s, per_round * rounds / bare_s


def measure_search(db: Database, org_id: int, rounds: int) -> tuple[list[float], list[float], dict[str, int]]:
    fts, like, hits = [], [], {}
    for round_no in range(rounds + 1):  # round 0 warms the caches for both and is not counted
        if round_no == 1:
            fts.clear()
            like.clear()
        for query in QUERIES:
            with db.session() as session:
                t0 = time.perf_counter()
                ids = search_idea_ids(session, org_id, query, limit=20)
                fts.append((time.perf_counter() - t0) * 1000)
                hits[query] = len(ids)
                word = query.split()[0]
                t0 = time.perf_counter()
                session.execute(text("SELECT id FROM idea WHERE org_id = :org AND (lower(title) LIKE :w OR "
                                     "lower(text) LIKE :w) ORDER BY id DESC LIMIT 20"),
                                {"org": org_id, "w": f"%{word}%"}).all()
                like.append((time.perf_counter() - t0) * 1000)
    return fts, like, hits


def ratio(baseline: float, ours: float) -> str:
    return f"{baseline / ours:.1f}× faster" if baseline >= ours else f"{ours / baseline:.1f}× slower"


def run(url: str, ideas: int, captures: int, rounds: int) -> list[str]:
    rng = random.Random(42)
    db = Database(url)
    db.upgrade()
    settings = Settings(database_url=url, organisation="bench")
    core = Core(db, settings, SystemClock())  # a benchmark measures wall time: the system clock
    core.handle_command(Actor("shell", "bench"), "Första idén")  # creates the organisation and the person
    with db.session() as session:
        org_id, author_id = session.execute(text(
            "SELECT o.id, p.id FROM organisation o JOIN person p ON p.org_id = o.id WHERE p.user_id = 'bench'")).one()
    t0 = time.perf_counter()
    bulk_fill(db, org_id, author_id, ideas, 2, rng)
    fill_s = time.perf_counter() - t0
    if db.dialect == "postgresql":
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE idea")
            conn.exec_driver_sql("ANALYZE idea_key")
    core_rate, bare_rate = measure_capture(core, db, captures, rng)
    fts, like, hits = measure_search(db, org_id, rounds)
    db.dispose()
    return [
        f"| {db.dialect} | ideas in table | {ideas + captures * 2 + 1:,} | bulk fill {fill_s:.0f} s | |",
        f"| {db.dialect} | captures/s through the core | {core_rate:.0f} | bare INSERT+commit {bare_rate:.0f}/s "
        f"| {bare_rate / core_rate:.1f}× the bare insert's cost |",
        f"| {db.dialect} | search p50 (ms) | {statistics.median(fts):.2f} | LIKE scan {statistics.median(like):.2f} "
        f"| {ratio(statistics.median(like), statistics.median(fts))} |",
        f"| {db.dialect} | search p95 (ms) | {percentile(fts, 95):.2f} | LIKE scan {percentile(like, 95):.2f} "
        f"| {ratio(percentile(like, 95), percentile(fts, 95))} |",
        f"| {db.dialect} | hits per query | {', '.join(f'{q}: {n}' for q, n in hits.items())} | | |",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ideas", type=int, nargs="+", default=[10_000, 100_000],
                        help="table sizes to measure at, each on a fresh database")
    parser.add_argument("--captures", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--database-url", action="append",
                        help="PostgreSQL (or SQLite) URL to measure besides a fresh SQLite file; its tables are "
                             "filled with benchmark rows, so use a scratch database")
    args = parser.parse_args()
    lines = ["| database | measure | idesluss | baseline (same run) | ratio |", "|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        for ideas in args.ideas:
            for url in [f"sqlite:///{tmp}/bench-{ideas}.db", *(args.database_url or [])]:
                if not url.startswith("sqlite"):
                    with Database(url).engine.begin() as conn:
                        conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
                lines += run(url, ideas, args.captures, args.rounds)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
