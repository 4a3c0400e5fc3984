"""similar ideas: an index of each idea's similarity keys (stems, compound parts, synonyms)

Revision ID: 0004_similar
Revises: 0002_groups_nudges

SQLite: an FTS5 table `idea_similar(org_id UNINDEXED, total UNINDEXED, keys)` whose rowid is the idea's id.
PostgreSQL: a table `idea_similar(idea_id, org_id, total, keys text[])` with a GIN index on the keys. `total` is
the sum of the idea's key weights. The keys are computed in Python (storage/swedish.py), so existing ideas are
indexed here and new ones by `capture_idea`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_similar"
down_revision = "0002_groups_nudges"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE idea_similar USING fts5(org_id UNINDEXED, total UNINDEXED, keys, "
                   "tokenize = 'unicode61 remove_diacritics 0')")
        op.execute("CREATE TRIGGER idea_similar_ad AFTER DELETE ON idea BEGIN "
                   "DELETE FROM idea_similar WHERE rowid = old.id; END")
    else:
        op.execute("CREATE TABLE idea_similar (idea_id integer PRIMARY KEY REFERENCES idea (id) ON DELETE CASCADE, "
                   "org_id integer NOT NULL, total real NOT NULL, keys text[] NOT NULL)")
        op.execute("CREATE INDEX ix_idea_similar_keys ON idea_similar USING gin (keys)")
    _index_existing(bind)


def _index_existing(bind: sa.Connection) -> None:
    from storage.swedish import similarity_keys

    rows = bind.execute(sa.text("SELECT id, org_id, title FROM idea")).all()
    if not rows:
        return
    if bind.dialect.name == "sqlite":
        insert = sa.text("INSERT INTO idea_similar (rowid, org_id, total, keys) VALUES (:id, :org, :total, :keys)")
        values = [{"id": i, "org": o, "total": sum(k.values()), "keys": " ".join(k)}
                  for i, o, k in ((i, o, similarity_keys(t)) for i, o, t in rows)]
    else:
        insert = sa.text("INSERT INTO idea_similar (idea_id, org_id, total, keys) VALUES (:id, :org, :total, :keys)")
        values = [{"id": i, "org": o, "total": sum(k.values()), "keys": list(k)}
                  for i, o, k in ((i, o, similarity_keys(t)) for i, o, t in rows)]
    for start in range(0, len(values), 5000):
        bind.execute(insert, values[start:start + 5000])


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS idea_similar_ad")
    op.execute("DROP TABLE IF EXISTS idea_similar")
