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


def similar_idea_ids(session: Session, org_id: int, title: str, *, limit: int = 3,
                     exclude_id: int | None = None) -> list[int]:
    """Ideas sharing meaningful words with `title` (any of them), best first."""
    words = [w for w in query_words(title, max_words=12) if len(w) >= 3 and w not in _STOPWORDS]
    if not words:
        return []
    return _run(session, org_id, words, "OR", limit=limit, exclude_id=exclude_id)


def _run(session: Session, org_id: int, words: list[str], joiner: str, *, limit: int,
         exclude_id: int | None) -> list[int]:
    dialect = session.get_bind().dialect.name
    params = {"org": org_id, "limit": limit, "exclude": exclude_id or -1}
    if dialect == "sqlite":
        params["q"] = _fts5_prefix(words, joiner)
        sql = text(
            "SELECT idea.id FROM idea_fts JOIN idea ON idea.id = idea_fts.rowid "
            "WHERE idea_fts MATCH :q AND idea.org_id = :org AND idea.withdrawn_at IS NULL AND idea.id != :exclude "
            "ORDER BY bm25(idea_fts, 4.0, 1.0), idea.id DESC LIMIT :limit"
        )
    elif dialect == "postgresql":
        op = " & " if joiner == "AND" else " | "
        params["q"] = op.join(f"{w}:*" for w in words)
        sql = text(
            "SELECT id FROM idea, to_tsquery('swedish', :q) AS q "
            "WHERE search_vector @@ q AND org_id = :org AND withdrawn_at IS NULL AND id != :exclude "
            "ORDER BY ts_rank(search_vector, q) DESC, id DESC LIMIT :limit"
        )
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise RuntimeError(f"search is not supported on {dialect}")
    return [row[0] for row in session.execute(sql, params)]
