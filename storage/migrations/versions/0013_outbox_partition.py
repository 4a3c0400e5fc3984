"""outbox_partition: an index for a dispatcher's claim of one workspace's rows (platform, workspace, state,
due_at); without it each partition's claim read the whole outbox (25 ms at 20,000 rows, per partition)

Revision ID: 0013_outbox_partition
Revises: 0012_digest_figures
"""

from __future__ import annotations

from alembic import op

revision = "0013_outbox_partition"
down_revision = "0012_digest_figures"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_outbox_partition", "outbox", ["platform", "workspace", "state", "due_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_outbox_partition", table_name="outbox")
