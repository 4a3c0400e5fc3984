"""Records benchmark: the diarium export, an erasure and a retention run as the data grows tenfold.

Run:  python bench/records.py [--ideas 10000 100000] [--database-url postgresql://…/test_bench]

For each size a fresh database gets 5,000 people, N ideas (10 % anonymous, most with a stage change, some
votes and comments) and N outbox rows (sent messages: stage notices to authors, digests naming authors).
Then, timed one by one:

- export: `export_ideas(with_identities=True)` (the query, with every decision) and writing it as json, csv
  (excel-sv) and xlsx, exactly as `idesluss ideas export` does;
- erase: `erase_person` of one author (their votes, messages, their name inside digests to others);
- retention: `apply_retention` at a moment when every sent message's text is due.

Queries are counted with a `before_cursor_execute` listener. The baseline of every ratio is the smallest
size in the same invocation.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, insert, text  # noqa: E402
from sqlmodel import SQLModel, select  # noqa: E402

from bot.cli.data import EXPORT_FIELDS, export_record  # noqa: E402
from bot.cli.spreadsheet import write_csv, write_xlsx  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.core.clock import SystemClock  # noqa: E402
from bot.core.retention import apply_retention  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.erasure import erase_person  # noqa: E402
from storage.exports import export_ideas  # noqa: E402
from storage.models import Comment, Idea, Organisation, OutboxMessage, Person, StageChange, Vote  # noqa: E402

STAGES = ["new"] * 3 + ["in_review", "needs_info", "pilot", "implemented", "parked", "declined"]
AUTHORS = 5000


def fresh(url: str) -> Database:
    db = Database(url)
    db.upgrade()
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables) if t.name != "audit_log"]
    with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in [*tables, "audit_log"])
                              + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))
    return db


def populate(db: Database, ideas: int, seed: int = 10) -> None:
    rng = random.Random(seed)
    now = SystemClock().now()
    with db.engine.begin() as conn:
        conn.execute(insert(Organisation), [{"id": 1, "key": "bench", "name": "Bench", "next_idea_number": ideas + 1,
                                             "first_feedback_days": 10, "anonymous_ideas": True, "created_at": now}])
        conn.execute(insert(Person), [{"id": n, "org_id": 1, "platform": "slack", "user_id": f"U{n:06d}",
                                       "workspace": "T1", "display_name": f"Person Nummer{n}", "locale": "sv-SE",
                                       "unreachable": False, "nudges_opt_out": False, "created_at": now}
                                      for n in range(1, AUTHORS + 1)])
        rows, changes, votes, comments, outbox = [], [], [], [], []
        for n in range(1, ideas + 1):
            created = now - timedelta(days=rng.uniform(100, 730))
            stage = rng.choice(STAGES)
            author = 1 if n % 1000 == 0 else rng.randint(2, AUTHORS)  # person 1 is the one erased
            rows.append({"id": n, "org_id": 1, "number": n, "title": f"=Idé {n} om något bättre",
                         "text": f"Beskrivning av idé {n}", "stage": stage, "anonymous": rng.random() < 0.1,
                         "author_id": author, "source": "slack", "source_link": f"https://x.slack.com/p{n}",
                         "created_at": created, "updated_at": created})
            if stage != "new":
                changes.append({"idea_id": n, "from_stage": "new", "to_stage": stage, "comment": "Skäl",
                                "actor_role": "coach", "created_at": created + timedelta(days=3)})
                outbox.append({"key": f"stage:{n}:{len(changes)}", "platform": "slack", "recipient": f"U{author:06d}",
                               "recipient_kind": "user", "payload": json.dumps({"kind": "notification",
                                                                                "text": f"Idé {n} flyttad"}),
                               "due_at": created, "state": "sent", "attempts": 1, "sent_at": created,
                               "created_at": created})
            if rng.random() < 0.1:
                votes.append({"idea_id": n, "person_id": 1 if n % 7 == 0 else rng.randint(2, AUTHORS),
                              "created_at": created})
                comments.append({"idea_id": n, "person_id": rng.randint(1, AUTHORS), "text": "Bra!",
                                 "created_at": created})
        while len(outbox) < ideas:  # digests to managers; one in a hundred names person 1
            k = len(outbox)
            name = "Person Nummer1" if k % 100 == 0 else f"Person Nummer{rng.randint(2, AUTHORS)}"
            outbox.append({"key": f"digest:slack:M{k}:2026-W01", "platform": "slack", "recipient": f"M{k}",
                           "recipient_kind": "user", "state": "sent", "attempts": 1, "due_at": now, "sent_at": now
                           - timedelta(days=200), "created_at": now - timedelta(days=200),
                           "payload": json.dumps({"kind": "notification", "locale": "sv",
                                                  "text": f"#1 Titel (Inkommen) – {name}"}, ensure_ascii=False)})
        for start in range(0, len(rows), 5000):
            conn.execute(insert(Idea), rows[start:start + 5000])
        for model, batch in ((StageChange, changes), (Vote, votes), (Comment, comments), (OutboxMessage, outbox)):
            for start in range(0, len(batch), 5000):
                conn.execute(insert(model), batch[start:start + 5000])


def timed(db: Database, work):  # type: ignore[no-untyped-def]
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", count)
    started = time.perf_counter()
    result = work()
    elapsed = time.perf_counter() - started
    event.remove(db.engine, "before_cursor_execute", count)
    return elapsed, len(statements), result


def measure(url: str, ideas: int) -> dict[str, float]:
    db = fresh(url)
    populate(db, ideas)
    out: dict[str, float] = {"ideas": ideas}

    def query():  # type: ignore[no-untyped-def]
        with db.session() as session:
            return [export_record(r, "Tidigare medarbetare") for r in export_ideas(session, with_identities=True)]

    out["export_query"], out["export_queries"], records = timed(db, query)
    assert len(records) == ideas
    started = time.perf_counter()
    json.dumps(records, ensure_ascii=False, default=str)
    out["json"] = time.perf_counter() - started
    started = time.perf_counter()
    write_csv(records, EXPORT_FIELDS, io.StringIO(), dialect="excel-sv")
    out["csv"] = time.perf_counter() - started
    started = time.perf_counter()
    write_xlsx(records, EXPORT_FIELDS, Path(tempfile.mkdtemp()) / "x.xlsx", timezone="Europe/Stockholm")
    out["xlsx"] = time.perf_counter() - started

    def erase():  # type: ignore[no-untyped-def]
        with db.session() as session:
            return erase_person(session, session.exec(select(Person).where(Person.id == 1)).one(),
                                now=SystemClock().now())

    out["erase"], out["erase_queries"], report = timed(db, erase)
    out["rewritten"] = report.messages_to_others_rewritten
    settings = Settings(database_url=url, organisation="bench")
    later = SystemClock().now() + timedelta(days=91)
    out["retention"], out["retention_queries"], run = timed(
        db, lambda: apply_retention(db, settings, now=later))
    out["purged"] = run.counts["outbox_payloads"]
    db.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ideas", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/records.db"
    results = [measure(url, n) for n in args.ideas]
    base = results[0]
    print(f"{'PostgreSQL' if url.startswith('postgres') else 'SQLite'}; N ideas and N outbox rows; "
          f"ratios against {base['ideas']:,.0f}")
    print("| N | export query | json | csv | xlsx | erase one person | retention (purge N texts) |")
    print("|---|---|---|---|---|---|---|")

    def cell(r: dict[str, float], key: str, queries: str | None = None) -> str:
        q = f", {r[queries]:.0f} q" if queries else ""
        return f"{r[key]:.2f} s ({r[key] / base[key]:.1f}×{q})"

    for r in results:
        print(f"| {r['ideas']:,.0f} | {cell(r, 'export_query', 'export_queries')} | {cell(r, 'json')} "
              f"| {cell(r, 'csv')} | {cell(r, 'xlsx')} | {cell(r, 'erase', 'erase_queries')}, "
              f"{r['rewritten']:.0f} digests rewritten | {cell(r, 'retention', 'retention_queries')}, "
              f"{r['purged']:.0f} purged |")


if __name__ == "__main__":
    main()
