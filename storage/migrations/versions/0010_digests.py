"""digests: the indexes the weekly digest's queries are read from (issue 12, digests flat in the number of ideas)

- ix_idea_waiting: ideas without first feedback (partial: an idea leaves it when it is answered or withdrawn), in
  capture order with their author and nudge group, so the digest counts waiting ideas per scope and reads the
  oldest few from the index alone.
- ix_idea_nudge: ideas that answer a nudge (partial: most answer none), so the digest's nudge figures look up the
  week's nudges' ideas instead of reading every idea.
- ix_idea_author_created: an author's ideas by capture time, so the digest's headline per pilot group (its
  members' ideas of the last 180 days) is read from the index instead of every member's ideas from the table.
- ix_vote_created: the period's votes, so the most-voted section reads a week of votes, not every vote.

Revision ID: 0010_digests
Revises: 0009_inbound
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_digests"
down_revision = "0009_inbound"
branch_labels = None
depends_on = None

WAITING = "first_feedback_at IS NULL AND withdrawn_at IS NULL"
NUDGED = "nudge_id IS NOT NULL"


def upgrade() -> None:
    op.create_index("ix_idea_waiting", "idea", ["org_id", "stage", "first_feedback_at", "withdrawn_at", "created_at",
                                                "id", "author_id", "group_id"], unique=False,
                    sqlite_where=sa.text(WAITING), postgresql_where=sa.text(WAITING))
    op.create_index("ix_idea_nudge", "idea", ["nudge_id"], unique=False,
                    sqlite_where=sa.text(NUDGED), postgresql_where=sa.text(NUDGED))
    op.create_index("ix_idea_author_created", "idea", ["author_id", "created_at", "org_id", "group_id"], unique=False)
    op.create_index("ix_vote_created", "vote", ["created_at", "idea_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_vote_created", table_name="vote")
    op.drop_index("ix_idea_author_created", table_name="idea")
    op.drop_index("ix_idea_nudge", table_name="idea")
    op.drop_index("ix_idea_waiting", table_name="idea")
