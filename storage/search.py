"""Full-text search in Swedish: FTS5 (unicode61, diacritics kept) on SQLite, a Swedish tsvector on PostgreSQL.

Words are matched as prefixes, so `cykel` finds "Cykelparkering", and since å, ä and ö stay letters of
their own, `år` never matches "ar".
"""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlmodel import Session

from storage.text import nfc

_WORD = re.compile(r"\w+", re.UNICODE)

# Words too common to say anything about similarity.
_STOPWORDS = frozenset({
    "att", "och", "det", "som", "en", "ett", "i", "på", "av", "för", "med", "till", "är", "vi", "de", "den",
    "har", "inte", "om", "man", "kan", "ska", "vid", "från", "eller", "så", "mer", "alla", "när", "vara",
    "där", "the", "a", "an", "and", "of", "to", "in", "for", "on", "is", "it", "be",
})


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


# Swedish inflection endings, longest first: "cykelparkeringen" and "cykelparkering" share a stem.
_SUFFIXES = ("arnas", "ernas", "ornas", "arna", "erna", "orna", "ande", "ende", "heten", "het", "ens", "ets", "en",
             "et", "na", "ar", "er", "or", "ad", "at", "de", "te", "a", "e", "s")


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def similar_idea_ids(session: Session, org_id: int, title: str, *, limit: int = 3,
                     exclude_id: int | None = None) -> list[int]:
    """Ideas sharing meaningful words with `title` (any of them), best first.

    Only the four longest words count: long words are the rare, telling ones, and every extra OR term
    widens the set the ranking has to sort.
    """
    words = {w for w in query_words(title, max_words=16) if len(w) >= 4 and w not in _STOPWORDS}
    # Six characters of the stem: a prefix the FTS5 index keeps whole ("cykelparkeringen" -> "cykelp*"),
    # so each word is one index lookup instead of a merge of every word that starts the same.
    chosen = sorted({_stem(w)[:6] for w in sorted(words, key=lambda w: (-len(w), w))[:4]})
    if not chosen:
        return []
    return _run(session, org_id, chosen, "OR", limit=limit, exclude_id=exclude_id)


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
