"""Full-text search in Swedish: FTS5 (unicode61, diacritics kept) on SQLite, a Swedish tsvector on PostgreSQL.

Words are matched as prefixes, so `cykel` finds "Cykelparkering", and since å, ä and ö stay letters of
their own, `år` never matches "ar".

Similar ideas use an index of their own: each idea's similarity keys (storage/swedish.py), one row per idea and
key in `idea_key`, whose primary key (org_id, key, idea_id) answers "the newest ideas of this organisation with
this key" by one range read on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import text
from sqlmodel import Session

from storage.db import Prepared
from storage.models import Idea
from storage.swedish import similarity, similarity_keys
from storage.text import nfc

_WORD = re.compile(r"\w+", re.UNICODE)

def query_words(query: str, *, max_words: int = 8) -> list[str]:
    words = [w for w in _WORD.findall(nfc(query).lower()) if not w.isdigit() or len(w) > 1]
    return words[:max_words]


def _fts5_prefix(words: list[str], joiner: str) -> str:
    return f" {joiner} ".join(f'"{w}"*' for w in words)


def search_idea_ids(session: Session, org_id: int, query: str, *, limit: int = 20,
                    exclude_id: int | None = None) -> list[int]:
    """Ids of the organisation's ideas matching every word of `query` (as prefixes), best first."""
    words = query_words(query)
    if not words:
        return []
    return _run(session, org_id, words, "AND", limit=limit, exclude_id=exclude_id)


# -- similar ideas ------------------------------------------------------------------------------------------

# How alike (weighted Dice over similarity keys, 0 … 1) two titles must be for a hint: measured on the labelled
# pairs in tests/data/similar_ideas.json (bench/similar_quality.py).
SIMILAR_THRESHOLD = 0.3
# Per key, only the newest matches are candidates: a rare key brings all its ideas, a common one (cykel in
# a tenth of all ideas) a recent few, so the lookup costs the same at 10,000 ideas as at 1,000,000.
PER_KEY = 20
# The keys asked for, most telling first; the candidates Python then scores.
MAX_KEYS = 8
RESCORED = 16


def index_similar(session: Session, idea: Idea, *, new: bool = False) -> None:
    """(Re)write the idea's similarity keys, which `similar_hints` looks ideas up by: one row per key."""
    if not new:
        session.execute(_UNINDEX, {"id": idea.id})
    keys = similarity_keys(idea.title)
    if keys:
        total = sum(keys.values())
        _INDEX.run_many(session, [{"org": idea.org_id, "key": key, "id": idea.id, "total": total} for key in keys])


def index_similar_many(session: Session, rows: Iterable[tuple[int, int, str]]) -> None:
    """Index many new ideas at once, as (id, org_id, title): for bulk loads that bypass `capture_idea`."""
    values = [{"org": org, "key": key, "id": idea_id, "total": sum(keys.values())}
              for idea_id, org, keys in ((i, o, similarity_keys(t)) for i, o, t in rows) for key in keys]
    for start in range(0, len(values), 20000):
        _INDEX.run_many(session, values[start:start + 20000])


_UNINDEX = text("DELETE FROM idea_key WHERE idea_id = :id")
_INDEX = Prepared(text("INSERT INTO idea_key (org_id, key, idea_id, total) VALUES (:org, :key, :id, :total)"))


@dataclass(frozen=True, slots=True)
class SimilarIdea:
    """A hint under a capture's confirmation: what the line shows, read by the similarity query itself."""

    id: int
    number: int
    title: str
    stage: str


def similar_hints(session: Session, org_id: int, title: str, *, limit: int = 3,
                  exclude_id: int | None = None) -> list[SimilarIdea]:
    """Ideas whose titles a Swedish reader would call the same idea as `title`, most alike first.

    The index finds the ideas sharing the most telling keys (stems, compound parts, synonyms: see
    storage/swedish.py); Python then scores the best few by how much of both titles they share, so an idea
    that only shares "ny" or "kommunen" never comes back, and a long idea that happens to share one word
    ranks below a short one that says the same thing. One statement: the hint's line comes with it.
    """
    wanted = similarity_keys(title)
    keys = sorted(wanted, key=lambda k: (-wanted[k], k))[:MAX_KEYS]
    if not keys:
        return []
    dialect = session.get_bind().dialect.name
    rows = _candidates_sql(dialect, len(keys)).rows(session, {
        "org": org_id, "exclude": exclude_id or -1, "per_key": PER_KEY, "rescored": RESCORED,
        "wanted": sum(wanted.values()),
        **{f"k{i}": k for i, k in enumerate(keys)},
        **{f"w{i}": wanted[k] for i, k in enumerate(keys)},
    })
    scored = [(similarity(wanted, similarity_keys(row_title)), SimilarIdea(idea_id, number, row_title, stage))
              for idea_id, row_title, number, stage in rows]
    scored = [(score, hint) for score, hint in scored if score >= SIMILAR_THRESHOLD]
    scored.sort(key=lambda pair: (-pair[0], -pair[1].id))
    return [hint for _, hint in scored[:limit]]


@lru_cache(maxsize=64)
def _candidates_sql(dialect: str, n_keys: int) -> Prepared:
    """One statement: the newest `per_key` ideas of each key, best first by the Dice of the keys asked for.

    The index keeps each idea's total key weight, so a long idea sharing one key ranks below a short one
    sharing the same key, as it will when Python scores them exactly.
    """
    # Per key, one range of the (org_id, key, idea_id) primary key read backwards: the newest ideas first.
    cast = "CAST(:w{i} AS real)" if dialect == "postgresql" else ":w{i}"
    per_key = (f"SELECT id, total, w FROM (SELECT idea_id AS id, total, {cast} AS w FROM idea_key "
               "WHERE org_id = :org AND key = :k{i} ORDER BY idea_id DESC LIMIT :per_key) AS k{i}")
    union = " UNION ALL ".join(per_key.format(i=i) for i in range(n_keys))
    return Prepared(text(
        "SELECT idea.id, idea.title, idea.number, idea.stage FROM (SELECT id, sum(w) / (:wanted + max(total)) AS dice "
        f"FROM ({union}) AS matches GROUP BY id) AS c "
        "JOIN idea ON idea.id = c.id WHERE idea.withdrawn_at IS NULL AND idea.id != :exclude "
        "ORDER BY c.dice DESC, c.id DESC LIMIT :rescored"
    ))


# Relevance is ranked among the newest matches only: ranking every match of a common word costs time in
# proportion to the table, while a person reads the first few hits.
CANDIDATES = 500


def _run(session: Session, org_id: int, words: list[str], joiner: str, *, limit: int,
         exclude_id: int | None) -> list[int]:
    dialect = session.get_bind().dialect.name
    params = {"org": org_id, "limit": limit, "exclude": exclude_id or -1, "window": CANDIDATES}
    if dialect == "sqlite":
        params["q"] = _fts5_prefix(words, joiner)
        # FTS5 walks a match in rowid order and stops early, so the window's lower edge is cheap to find;
        # a rowid range is then a constraint FTS5 applies inside the index.
        cutoff = session.execute(
            text("SELECT rowid FROM idea_fts WHERE idea_fts MATCH :q ORDER BY rowid DESC LIMIT 1 OFFSET :skip"),
            {"q": params["q"], "skip": CANDIDATES - 1},
        ).scalar()
        params["cutoff"] = cutoff or 0
        sql = text(
            "SELECT idea.id FROM idea_fts JOIN idea ON idea.id = idea_fts.rowid "
            "WHERE idea_fts MATCH :q AND idea_fts.rowid >= :cutoff AND idea.org_id = :org "
            "AND idea.withdrawn_at IS NULL AND idea.id != :exclude "
            "ORDER BY bm25(idea_fts, 4.0, 1.0), idea.id DESC LIMIT :limit"
        )
    elif dialect == "postgresql":
        op = " & " if joiner == "AND" else " | "
        params["q"] = op.join(f"{w}:*" for w in words)
        sql = text(
            "SELECT id FROM (SELECT id, search_vector FROM idea, to_tsquery('swedish', :q) AS q "
            "  WHERE search_vector @@ q AND org_id = :org AND withdrawn_at IS NULL AND id != :exclude "
            "  ORDER BY id DESC LIMIT :window) AS recent, to_tsquery('swedish', :q) AS q "
            "ORDER BY ts_rank(search_vector, q) DESC, id DESC LIMIT :limit"
        )
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise RuntimeError(f"search is not supported on {dialect}")
    return [row[0] for row in session.execute(sql, params)]
