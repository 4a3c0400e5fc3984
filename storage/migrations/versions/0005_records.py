"""records: the audit trail (append-only), name consents, erased people, anonymous ideas per organisation

Revision ID: 0005_records
Revises: 0004_feedback
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_records"
down_revision = "0004_feedback"
branch_labels = None
depends_on = None

APPEND_ONLY = "audit_log is append-only: its rows are never updated or deleted"


def upgrade() -> None:
    # Plain ADD COLUMN (batch mode on SQLite does not recreate a table for that), so no table with triggers
    # of its own (idea and its search index) is touched.
    with op.batch_alter_table("organisation") as batch:
        batch.add_column(sa.Column("anonymous_ideas", sa.Boolean(), nullable=False, server_default=sa.true()))
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("stage_change") as batch:
        batch.add_column(sa.Column("actor_role", sa.String(length=20), nullable=True))

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("via", sa.String(length=20), nullable=False),
        sa.Column("operator", sa.String(length=200), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("idea_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"], unique=False)
    op.create_index("ix_audit_log_org_at", "audit_log", ["org_id", "at"], unique=False)

    op.create_table(
        "name_consent",
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.Boolean(), nullable=True),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["idea_id"], ["idea.id"], name=op.f("fk_name_consent_idea_id_idea")),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_name_consent_person_id_person")),
        sa.PrimaryKeyConstraint("idea_id", name=op.f("pk_name_consent")),
    )
    op.create_index(op.f("ix_name_consent_person_id"), "name_consent", ["person_id"], unique=False)

    _create_append_only_triggers()


def _create_append_only_triggers() -> None:
    """The database itself refuses to change the trail, whatever code (ours or a hand-written UPDATE) asks."""
    if op.get_bind().dialect.name == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
                       f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END")
        return
    op.execute("CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
               f"BEGIN RAISE EXCEPTION '{APPEND_ONLY}' USING ERRCODE = 'insufficient_privilege'; END $$")
    op.execute("CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
               "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    op.drop_table("name_consent")
    op.drop_table("audit_log")
    with op.batch_alter_table("stage_change") as batch:
        batch.drop_column("actor_role")
    with op.batch_alter_table("person") as batch:
        batch.drop_column("erased_at")
    with op.batch_alter_table("organisation") as batch:
        batch.drop_column("anonymous_ideas")
