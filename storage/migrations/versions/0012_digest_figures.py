"""digest figures: ix_idea_figures also holds the idea's nudge group (issue 12, digests flat in the number of ideas)

The digest's headline figures count late ideas per (author, nudge group) for the whole organisation and every
pilot group in one aggregate, and a group's nudged ideas per day; with `group_id` in the index both are read
from it alone instead of from the table (at 100,000 ideas on SQLite: 160 ms → 28 ms for the late ideas).

Revision ID: 0012_digest_figures
Revises: 0011_dispatch
"""

from __future__ import annotations

from alembic import op

revision = "0012_digest_figures"
down_revision = "0011_dispatch"
branch_labels = None
depends_on = None

COLUMNS = ["org_id", "created_at", "withdrawn_at", "first_feedback_at", "feedback_due", "author_id"]


def upgrade() -> None:
    op.drop_index("ix_idea_figures", table_name="idea")
    op.create_index("ix_idea_figures", "idea", [*COLUMNS, "group_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_idea_figures", table_name="idea")
    op.create_index("ix_idea_figures", "idea", COLUMNS, unique=False)
