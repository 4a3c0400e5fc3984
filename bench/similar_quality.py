"""Similar-ideas quality: recall at 3 and the false-hint rate on the labelled Swedish pairs, before and after.

Run:  python bench/similar_quality.py [--background 3000] [--database-url postgresql://postgres@127.0.0.1/similar_bench]

The labelled set is tests/data/similar_ideas.json: 40 near-duplicate pairs and 40 pairs that share only common
words, each an idea already stored ("existing") and a new one. Every existing idea is stored in one
organisation together with a background of other ideas: the 171 hand-written ones in
tests/data/similar_background.txt and `--background` ideas generated from the core benchmark's vocabulary
(uniformly drawn, see `generated_idea`), all in shuffled order. Then each new idea is captured through
`capture_idea` and its hints asked for with `similar_ideas`, in a transaction that is rolled back, so no case
sees another's new idea.

- recall at 3: the share of near-duplicate cases whose existing idea is among the (at most three) hints;
- false-hint rate: the share of common-word cases whose existing idea is among the hints.

The baseline in the same run is the lookup this replaced (`legacy_similar_ids`: any of the title's four
longest words, cut to a six-letter stem, as an FTS5 / tsvector prefix), over the same database.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from core_bench import FILLER, VOCABULARY  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlmodel import Session  # noqa: E402

from bot.core.clock import SystemClock  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.ideas import NewIdea, capture_idea, similar_ideas  # noqa: E402
from storage.models import Idea  # noqa: E402
from storage.people import get_or_create_org, get_or_create_person  # noqa: E402
from storage.search import query_words  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
NOW = SystemClock().now()  # one moment for every row a run writes


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    kind: str  # duplicate | different
    split: str  # dev | holdout
    existing: str
    new: str


def load_cases() -> list[Case]:
    raw = json.loads((DATA / "similar_ideas.json").read_text(encoding="utf-8"))["cases"]
    return [Case(c["id"], c["kind"], c["split"], c["existing"], c["new"]) for c in raw]


def load_background() -> list[str]:
    lines = (DATA / "similar_background.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def generated_idea(rng: random.Random) -> str:
    """A title of 3–7 words of the core benchmark's vocabulary, drawn uniformly, with filler words between.

    Uniformly, not Zipf as core_bench fills its table: there the top words (cykelparkering, stationen) are in
    most rows, so half the background would be a near-duplicate of the bicycle cases.
    """
    words = [w for _ in range(rng.randint(3, 7)) for w in (rng.choice(VOCABULARY), rng.choice(FILLER))][:-1]
    return " ".join(words).capitalize()[:120]


def build(db: Database, cases: list[Case], background: int, seed: int) -> int:
    """Store every existing idea among the background, shuffled; return the organisation's id."""
    rng = random.Random(seed)
    titles = [(c.id, c.existing) for c in cases] + [("", t) for t in load_background()]
    titles += [("", generated_idea(rng)) for _ in range(background)]
    rng.shuffle(titles)
    with db.session() as session:
        org = get_or_create_org(session, "quality", now=NOW)
        person = get_or_create_person(session, org, "shell", "quality", now=NOW)
        for _, title in titles:
            capture_idea(session, org, person, NewIdea(title=title, text=title, source="shell"), now=NOW)
        assert org.id is not None
        return org.id


Lookup = Callable[[Session, Idea], list[Idea]]


def evaluate(db: Database, org_id: int, cases: list[Case], lookup: Lookup) -> dict[str, dict[str, float]]:
    """recall@3 and false-hint rate per split ("dev", "holdout", "all")."""
    hit: dict[str, bool] = {}
    for case in cases:
        with Session(db.engine) as session:
            org = get_or_create_org(session, "quality", now=NOW)
            person = get_or_create_person(session, org, "shell", "quality", now=NOW)
            new = NewIdea(title=case.new, text=case.new, source="shell")
            idea, _ = capture_idea(session, org, person, new, now=NOW)
            hints = lookup(session, idea)
            hit[case.id] = any(h.title == case.existing for h in hints)
            session.rollback()
    result = {}
    for split in ("dev", "holdout", "all"):
        chosen = [c for c in cases if split in ("all", c.split)]
        dups = [c for c in chosen if c.kind == "duplicate"]
        different = [c for c in chosen if c.kind == "different"]
        result[split] = {
            "recall": sum(hit[c.id] for c in dups) / len(dups),
            "false": sum(hit[c.id] for c in different) / len(different),
            "n": len(chosen),
        }
    result["misses"] = {c.id: 1.0 for c in cases if hit[c.id] != (c.kind == "duplicate")}  # type: ignore[assignment]
    return result


def legacy_similar_ids(session: Session, org_id: int, title: str, *, limit: int = 3,
                       exclude_id: int | None = None) -> list[int]:
    """The lookup before issue 12, kept here as the baseline: any of the four longest words, as a prefix."""
    stop = {"att", "och", "det", "som", "en", "ett", "i", "på", "av", "för", "med", "till", "är", "vi", "de", "den",
            "har", "inte", "om", "man", "kan", "ska", "vid", "från", "eller", "så", "mer", "alla", "när", "vara",
            "där"}
    suffixes = ("arnas", "ernas", "ornas", "arna", "erna", "orna", "ande", "ende", "heten", "het", "ens", "ets",
                "en", "et", "na", "ar", "er", "or", "ad", "at", "de", "te", "a", "e", "s")

    def stem(word: str) -> str:
        for suffix in suffixes:
            if word.endswith(suffix) and len(word) - len(suffix) >= 4:
                return word[: -len(suffix)]
        return word

    words = {w for w in query_words(title, max_words=16) if len(w) >= 4 and w not in stop}
    chosen = sorted({stem(w)[:6] for w in sorted(words, key=lambda w: (-len(w), w))[:4]})
    if not chosen:
        return []
    params = {"org": org_id, "limit": limit, "exclude": exclude_id or -1}
    if session.get_bind().dialect.name == "sqlite":
        params["q"] = " OR ".join(f'"{w}"*' for w in chosen)
        sql = text("SELECT idea.id FROM idea_fts JOIN idea ON idea.id = idea_fts.rowid WHERE idea_fts MATCH :q "
                   "AND idea.org_id = :org AND idea.id != :exclude ORDER BY bm25(idea_fts, 4.0, 1.0), idea.id DESC "
                   "LIMIT :limit")
    else:
        params["q"] = " | ".join(f"{w}:*" for w in chosen)
        sql = text("SELECT id FROM idea, to_tsquery('swedish', :q) AS q WHERE search_vector @@ q AND org_id = :org "
                   "AND id != :exclude ORDER BY ts_rank(search_vector, q) DESC, id DESC LIMIT :limit")
    return [row[0] for row in session.execute(sql, params)]


def legacy(session: Session, idea: Idea) -> list[Idea]:
    from storage.ideas import ideas_by_ids

    return ideas_by_ids(session, legacy_similar_ids(session, idea.org_id, idea.title, exclude_id=idea.id))


def run(url: str, background: int, seed: int, verbose: bool) -> list[str]:
    db = Database(url)
    db.upgrade()
    cases = load_cases()
    org_id = build(db, cases, background, seed)
    with db.session() as session:
        stored = session.execute(text("SELECT count(*) FROM idea WHERE org_id = :org"), {"org": org_id}).scalar()
    lines = []
    for name, lookup in (("before (legacy prefix lookup)", legacy), ("after (similarity keys)", similar_ideas)):
        result = evaluate(db, org_id, cases, lookup)
        misses = ", ".join(sorted(result.pop("misses")))  # type: ignore[arg-type]
        for split in ("dev", "holdout", "all"):
            r = result[split]
            lines.append(f"| {db.dialect} | {stored:,} | {name} | {split} ({r['n']:.0f}) | {r['recall']:.2f} "
                         f"| {r['false'] * 100:.0f} % |")
        if verbose:
            lines.append(f"<!-- {db.dialect} {name}: wrong on {misses} -->")
    db.dispose()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--background", type=int, default=3000, help="generated background ideas (default 3000)")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--verbose", action="store_true", help="name the cases each lookup gets wrong")
    parser.add_argument("--database-url", action="append",
                        help="PostgreSQL URL to measure besides a fresh SQLite file; its schema is dropped first")
    args = parser.parse_args()
    lines = ["| database | ideas | lookup | split (cases) | recall at 3 | false hints |", "|---|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        for url in [f"sqlite:///{tmp}/quality.db", *(args.database_url or [])]:
            if not url.startswith("sqlite"):
                with Database(url).engine.begin() as conn:
                    conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
            lines += run(url, args.background, args.seed, args.verbose)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
