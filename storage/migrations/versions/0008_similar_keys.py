"""similar ideas: the similarity keys in a plain B-tree table, one row per idea and key

Revision ID: 0008_similar_keys
Revises: 0007_limits

`idea_key(org_id, key, idea_id, total)`, primary key (org_id, key, idea_id), replaces `idea_similar` (an FTS5
table on SQLite, a GIN-indexed array on PostgreSQL). A lookup asks, per key, for the newest ideas of one
organisation: on the B-tree that is one index range read, whatever the table holds, where FTS5 read a key's
whole doclist and filtered the organisation afterwards (for a small organisation beside a large one, every
match of a common key). `total` is the sum of the idea's key weights, as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_similar_keys"
down_revision = "0007_limits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        "idea_key",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["idea_id"], ["idea.id"], name="fk_idea_key_idea_id_idea", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("org_id", "key", "idea_id", name="pk_idea_key"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_idea_key_idea_id", "idea_key", ["idea_id"])
    if sqlite:
        bind = op.get_bind()
        rows = bind.execute(sa.text("SELECT rowid, org_id, total, keys FROM idea_similar")).all()
        values = [{"org": org, "key": key, "idea": idea, "total": total}
                  for idea, org, total, keys in rows for key in sorted(set(keys.split()))]
        insert = sa.text("INSERT INTO idea_key (org_id, key, idea_id, total) VALUES (:org, :key, :idea, :total)")
        for start in range(0, len(values), 20000):
            bind.execute(insert, values[start:start + 20000])
        op.execute("DROP TRIGGER IF EXISTS idea_similar_ad")
    else:
        op.execute("INSERT INTO idea_key (org_id, key, idea_id, total) "
                   "SELECT DISTINCT org_id, unnest(keys), idea_id, total FROM idea_similar")
    op.execute("DROP TABLE idea_similar")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE idea_similar USING fts5(org_id UNINDEXED, total UNINDEXED, keys, "
                   "tokenize = 'unicode61 remove_diacritics 0')")
        op.execute("CREATE TRIGGER idea_similar_ad AFTER DELETE ON idea BEGIN "
                   "DELETE FROM idea_similar WHERE rowid = old.id; END")
        op.execute("INSERT INTO idea_similar (rowid, org_id, total, keys) "
                   "SELECT idea_id, min(org_id), max(total), group_concat(key, ' ') FROM idea_key GROUP BY idea_id")
    else:
        op.execute("CREATE TABLE idea_similar (idea_id integer PRIMARY KEY REFERENCES idea (id) ON DELETE CASCADE, "
                   "org_id integer NOT NULL, total real NOT NULL, keys text[] NOT NULL)")
        op.execute("CREATE INDEX ix_idea_similar_keys ON idea_similar USING gin (keys)")
        op.execute("INSERT INTO idea_similar (idea_id, org_id, total, keys) "
                   "SELECT idea_id, min(org_id), max(total), array_agg(key) FROM idea_key GROUP BY idea_id")
    op.drop_index("ix_idea_key_idea_id", table_name="idea_key")
    op.drop_table("idea_key")
