"""pilot groups, nudges and digests

Revision ID: 0002_groups_nudges
Revises: 0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_groups_nudges"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pilot_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("schedule_day", sa.String(length=20), nullable=False),
        sa.Column("schedule_time", sa.String(length=5), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("slack_channel", sa.String(length=200), nullable=True),
        sa.Column("teams_conversation", sa.String(length=500), nullable=True),
        sa.Column("dm_members", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organisation.id"], name=op.f("fk_pilot_group_org_id_organisation")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pilot_group")),
        sa.UniqueConstraint("org_id", "name", name=op.f("uq_pilot_group_org_id_name")),
    )
    op.create_index(op.f("ix_pilot_group_org_id"), "pilot_group", ["org_id"], unique=False)

    op.create_table(
        "group_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["pilot_group.id"], name=op.f("fk_group_member_group_id_pilot_group")),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_group_member_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_member")),
        sa.UniqueConstraint("group_id", "person_id", name=op.f("uq_group_member_group_id_person_id")),
    )
    op.create_index(op.f("ix_group_member_group_id"), "group_member", ["group_id"], unique=False)
    op.create_index(op.f("ix_group_member_person_id"), "group_member", ["person_id"], unique=False)

    op.create_table(
        "group_prompt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["pilot_group.id"], name=op.f("fk_group_prompt_group_id_pilot_group")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_prompt")),
    )
    op.create_index(op.f("ix_group_prompt_group_id"), "group_prompt", ["group_id"], unique=False)

    op.create_table(
        "nudge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("local_date", sa.String(length=10), nullable=False),
        sa.Column("prompt_sv", sa.String(length=500), nullable=False),
        sa.Column("prompt_en", sa.String(length=500), nullable=False),
        sa.Column("manual", sa.Boolean(), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["pilot_group.id"], name=op.f("fk_nudge_group_id_pilot_group")),
        sa.ForeignKeyConstraint(["org_id"], ["organisation.id"], name=op.f("fk_nudge_org_id_organisation")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nudge")),
        sa.UniqueConstraint("key", name=op.f("uq_nudge_key")),
    )
    op.create_index(op.f("ix_nudge_group_id"), "nudge", ["group_id"], unique=False)
    op.create_index(op.f("ix_nudge_week"), "nudge", ["week"], unique=False)

    op.create_table(
        "nudge_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nudge_id", sa.Integer(), nullable=False),
        sa.Column("outbox_key", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("message_ref", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["nudge_id"], ["nudge.id"], name=op.f("fk_nudge_delivery_nudge_id_nudge")),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_nudge_delivery_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nudge_delivery")),
        sa.UniqueConstraint("outbox_key", name=op.f("uq_nudge_delivery_outbox_key")),
    )
    op.create_index(op.f("ix_nudge_delivery_nudge_id"), "nudge_delivery", ["nudge_id"], unique=False)
    op.create_index("ix_nudge_delivery_message", "nudge_delivery", ["platform", "message_ref"], unique=False)

    op.create_table(
        "nudge_engagement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nudge_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["nudge_id"], ["nudge.id"], name=op.f("fk_nudge_engagement_nudge_id_nudge")),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_nudge_engagement_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nudge_engagement")),
        sa.UniqueConstraint("nudge_id", "person_id", "kind",
                            name=op.f("uq_nudge_engagement_nudge_id_person_id_kind")),
    )
    op.create_index(op.f("ix_nudge_engagement_nudge_id"), "nudge_engagement", ["nudge_id"], unique=False)

    op.create_table(
        "digest_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("covered_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_digest_log_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_log")),
        sa.UniqueConstraint("person_id", "week", name=op.f("uq_digest_log_person_id_week")),
    )
    op.create_index(op.f("ix_digest_log_person_id"), "digest_log", ["person_id"], unique=False)


def downgrade() -> None:
    for table in ("digest_log", "nudge_engagement", "nudge_delivery", "nudge", "group_prompt", "group_member",
                  "pilot_group"):
        op.drop_table(table)
