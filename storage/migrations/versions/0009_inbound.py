"""inbound: one heartbeat row that /healthz writes, so that it can tell a database that cannot be written
(a full disk, a read-only PostgreSQL) from one that answers

Revision ID: 0009_inbound
Revises: 0008_similar_keys
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_inbound"
down_revision = "0008_similar_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "health_beat",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("beat_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_health_beat"),
    )


def downgrade() -> None:
    op.drop_table("health_beat")
