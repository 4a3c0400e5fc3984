"""limits: when an outbox row's send was attempted (prompt takeover of a dead worker's untried rows) and the
send rate learnt per platform scope

Revision ID: 0007_limits
Revises: 0006_samverkan
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_limits"
down_revision = "0006_samverkan"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "send_rate",
        sa.Column("scope", sa.String(length=300), nullable=False),
        sa.Column("rate", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", name="pk_send_rate"),
    )


def downgrade() -> None:
    op.drop_table("send_rate")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("attempted_at")
