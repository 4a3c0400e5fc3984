"""digests: the indexes the weekly digest's queries are read from (issue 12, digests flat in the number of ideas)

- ix_idea_waiting: ideas still Inkommen without first feedback, in capture order, with their author and nudge
  group, so the digest counts them per scope and reads the oldest few from the index alone (without it, SQLite
  reads every idea of the organisation from the table).
- ix_vote_created: the period's votes, so the most-voted section reads a week of votes, not every vote.

Revision ID: 0008_digests
Revises: 0007_limits
"""

from __future__ import annotations

from alembic import op

revision = "0008_digests"
down_revision = "0007_limits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_idea_waiting", "idea", ["org_id", "stage", "first_feedback_at", "withdrawn_at", "created_at",
                                                "id", "author_id", "group_id"], unique=False)
    op.create_index("ix_vote_created", "vote", ["created_at", "idea_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_vote_created", table_name="vote")
    op.drop_index("ix_idea_waiting", table_name="idea")
