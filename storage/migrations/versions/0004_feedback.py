"""the feedback promise, ownership, the escalation ladder, questions to the author, headcount

Revision ID: 0004_feedback
Revises: 0004_similar

Ideas captured before this revision keep `feedback_due` empty: nobody promised their authors a date, so
the ladder leaves them alone and the in-time figure does not count them (docs/figures.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_feedback"
down_revision = "0004_similar"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organisation") as batch:
        batch.add_column(sa.Column("headcount", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("tell_author_when_overdue", sa.Boolean(), nullable=False,
                                   server_default=sa.true()))
        batch.add_column(sa.Column("last_assigned_coach_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("idea") as batch:
        batch.add_column(sa.Column("feedback_due", sa.Date(), nullable=True))
    op.create_index("ix_idea_feedback", "idea", ["first_feedback_at", "withdrawn_at", "feedback_due", "org_id"],
                    unique=False)
    op.create_index("ix_idea_figures", "idea", ["org_id", "created_at", "withdrawn_at", "first_feedback_at",
                                                "feedback_due", "author_id"], unique=False)
    with op.batch_alter_table("pilot_group") as batch:
        batch.add_column(sa.Column("coach_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(batch.f("fk_pilot_group_coach_id_person"), "person", ["coach_id"], ["id"])

    op.create_table(
        "unit_coach",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=200), nullable=False),
        sa.Column("unit_key", sa.String(length=200), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organisation.id"], name=op.f("fk_unit_coach_org_id_organisation")),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_unit_coach_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_coach")),
        sa.UniqueConstraint("org_id", "unit_key", name=op.f("uq_unit_coach_org_id_unit_key")),
    )
    op.create_index(op.f("ix_unit_coach_org_id"), "unit_coach", ["org_id"], unique=False)

    op.create_table(
        "feedback_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["idea_id"], ["idea.id"], name=op.f("fk_feedback_step_idea_id_idea")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_step")),
        sa.UniqueConstraint("idea_id", "step", name=op.f("uq_feedback_step_idea_id_step")),
    )
    op.create_index(op.f("ix_feedback_step_idea_id"), "feedback_step", ["idea_id"], unique=False)

    op.create_table(
        "feedback_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("asked_by", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["idea_id"], ["idea.id"], name=op.f("fk_feedback_question_idea_id_idea")),
        sa.ForeignKeyConstraint(["asked_by"], ["person.id"], name=op.f("fk_feedback_question_asked_by_person")),
        sa.ForeignKeyConstraint(["author_id"], ["person.id"], name=op.f("fk_feedback_question_author_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_question")),
    )
    op.create_index(op.f("ix_feedback_question_idea_id"), "feedback_question", ["idea_id"], unique=False)
    op.create_index(op.f("ix_feedback_question_author_id"), "feedback_question", ["author_id"], unique=False)


def downgrade() -> None:
    for table in ("feedback_question", "feedback_step", "unit_coach"):
        op.drop_table(table)
    with op.batch_alter_table("pilot_group") as batch:
        batch.drop_constraint(batch.f("fk_pilot_group_coach_id_person"), type_="foreignkey")
        batch.drop_column("coach_id")
    op.drop_index("ix_idea_figures", table_name="idea")
    op.drop_index("ix_idea_feedback", table_name="idea")
    with op.batch_alter_table("idea") as batch:
        batch.drop_column("feedback_due")
    with op.batch_alter_table("organisation") as batch:
        for column in ("last_assigned_coach_id", "tell_author_when_overdue", "headcount"):
            batch.drop_column(column)
