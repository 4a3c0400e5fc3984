"""dispatch: how many sends of an outbox row ended with an unknown outcome (a timeout after the request left),
so such a row is retried once and not more; a partial index for /metrics' count of them

Revision ID: 0011_dispatch
Revises: 0010_digests
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_dispatch"
down_revision = "0010_digests"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unknown_outcomes", sa.Integer(), nullable=False, server_default="0"))
    op.create_index("ix_outbox_unknown", "outbox", ["platform"], unique=False,
                    sqlite_where=sa.text("unknown_outcomes > 0"), postgresql_where=sa.text("unknown_outcomes > 0"))


def downgrade() -> None:
    op.drop_index("ix_outbox_unknown", table_name="outbox")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("unknown_outcomes")
