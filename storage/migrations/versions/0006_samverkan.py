"""samverkan: several organisations in one deployment — connections, partners, Slack installations, Teams
registrations, challenges, spreading; roles and digests per organisation

Revision ID: 0006_samverkan
Revises: 0005_records
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_samverkan"
down_revision = "0005_records"
branch_labels = None
depends_on = None


def _now() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"

    # -- an organisation's own settings ------------------------------------------------------------------
    op.add_column("organisation", sa.Column("timezone", sa.String(length=64), nullable=True))
    op.add_column("organisation", sa.Column("locale", sa.String(length=20), nullable=True))

    # -- roles are held in an organisation (the person's own, or a partner's) ---------------------------------
    op.add_column("role", sa.Column("org_id", sa.Integer(), nullable=True))
    op.execute("UPDATE role SET org_id = (SELECT person.org_id FROM person WHERE person.id = role.person_id)")
    with op.batch_alter_table("role", schema=None) as batch_op:
        batch_op.alter_column("org_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint("uq_role_person_id_role_group_id", type_="unique")
        batch_op.create_unique_constraint("uq_role_person_id_role_group_id_org_id",
                                          ["person_id", "role", "group_id", "org_id"])
        batch_op.create_foreign_key("fk_role_org_id_organisation", "organisation", ["org_id"], ["id"])
        batch_op.create_index("ix_role_org_id", ["org_id"], unique=False)

    # -- a digest per manager, week and organisation managed --------------------------------------------------
    op.add_column("digest_log", sa.Column("org_id", sa.Integer(), nullable=True))
    op.execute("UPDATE digest_log SET org_id = "
               "(SELECT person.org_id FROM person WHERE person.id = digest_log.person_id)")
    with op.batch_alter_table("digest_log", schema=None) as batch_op:
        batch_op.alter_column("org_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint("uq_digest_log_person_id_week", type_="unique")
        batch_op.create_unique_constraint("uq_digest_log_person_id_week_org_id", ["person_id", "week", "org_id"])
        batch_op.create_foreign_key("fk_digest_log_org_id_organisation", "organisation", ["org_id"], ["id"])

    # -- connections and partners -------------------------------------------------------------------------
    op.create_table(
        "org_connection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        _now(),
        sa.ForeignKeyConstraint(["org_id"], ["organisation.id"], name="fk_org_connection_org_id_organisation"),
        sa.PrimaryKeyConstraint("id", name="pk_org_connection"),
        sa.UniqueConstraint("kind", "external_id", name="uq_org_connection_kind_external_id"),
    )
    op.create_index("ix_org_connection_org_id", "org_connection", ["org_id"], unique=False)

    op.create_table(
        "org_partner",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        _now(),
        sa.ForeignKeyConstraint(["org_id"], ["organisation.id"], name="fk_org_partner_org_id_organisation"),
        sa.ForeignKeyConstraint(["partner_id"], ["organisation.id"], name="fk_org_partner_partner_id_organisation"),
        sa.PrimaryKeyConstraint("id", name="pk_org_partner"),
        sa.UniqueConstraint("org_id", "partner_id", name="uq_org_partner_org_id_partner_id"),
    )
    op.create_index("ix_org_partner_org_id", "org_partner", ["org_id"], unique=False)
    op.create_index("ix_org_partner_partner_id", "org_partner", ["partner_id"], unique=False)

    # -- Slack: installations (OAuth), install states, paused workspaces ---------------------------------------
    op.create_table(
        "slack_installation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("team_id", sa.String(length=200), nullable=True),
        sa.Column("team_name", sa.String(length=200), nullable=True),
        sa.Column("enterprise_id", sa.String(length=200), nullable=True),
        sa.Column("enterprise_name", sa.String(length=200), nullable=True),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("app_id", sa.String(length=200), nullable=True),
        sa.Column("bot_id", sa.String(length=200), nullable=True),
        sa.Column("bot_user_id", sa.String(length=200), nullable=True),
        sa.Column("bot_scopes", sa.Text(), nullable=False),
        sa.Column("bot_token", sa.Text(), nullable=False),
        sa.Column("installer_user_id", sa.String(length=200), nullable=True),
        sa.Column("installed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_slack_installation"),
        sa.UniqueConstraint("key", name="uq_slack_installation_key"),
    )
    op.create_index("ix_slack_installation_enterprise_id", "slack_installation", ["enterprise_id"], unique=False)

    op.create_table(
        "slack_oauth_state",
        sa.Column("state", sa.String(length=100), nullable=False),
        _now(),
        sa.PrimaryKeyConstraint("state", name="pk_slack_oauth_state"),
    )
    op.create_index("ix_slack_oauth_state_created_at", "slack_oauth_state", ["created_at"], unique=False)

    op.create_table(
        "workspace_pause",
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("workspace", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=50), nullable=False),
        _now(),
        sa.PrimaryKeyConstraint("platform", "workspace", name="pk_workspace_pause"),
    )

    # -- Teams: registrations kept in the database ---------------------------------------------------------------
    op.create_table(
        "teams_registration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.String(length=200), nullable=False),
        sa.Column("tenant_id", sa.String(length=200), nullable=False),
        sa.Column("secret", sa.Text(), nullable=True),
        sa.Column("certificate", sa.Text(), nullable=True),
        sa.Column("thumbprint", sa.String(length=100), nullable=True),
        _now(),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_teams_registration"),
        sa.UniqueConstraint("app_id", name="uq_teams_registration_app_id"),
        sa.UniqueConstraint("tenant_id", name="uq_teams_registration_tenant_id"),
    )

    # -- challenges --------------------------------------------------------------------------------------------
    op.create_table(
        "challenge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("partners", sa.Boolean(), nullable=False),
        sa.Column("everyone", sa.Boolean(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("slack_channel", sa.String(length=200), nullable=True),
        sa.Column("teams_conversation", sa.String(length=500), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        _now(),
        sa.ForeignKeyConstraint(["org_id"], ["organisation.id"], name="fk_challenge_org_id_organisation"),
        sa.ForeignKeyConstraint(["owner_id"], ["person.id"], name="fk_challenge_owner_id_person"),
        sa.ForeignKeyConstraint(["group_id"], ["pilot_group.id"], name="fk_challenge_group_id_pilot_group"),
        sa.PrimaryKeyConstraint("id", name="pk_challenge"),
    )
    op.create_index("ix_challenge_org_id", "challenge", ["org_id"], unique=False)

    # The idea table keeps its search triggers (SQLite) and generated column (PostgreSQL): new columns are
    # added in place, never by recreating the table; SQLite cannot add a constraint in place, so the foreign
    # keys exist on PostgreSQL only (SQLite's rows are written by the same code).
    op.add_column("idea", sa.Column("challenge_id", sa.Integer(), nullable=True))
    op.add_column("idea", sa.Column("spread_from_id", sa.Integer(), nullable=True))
    op.create_index("ix_idea_challenge_id", "idea", ["challenge_id"], unique=False)
    if postgres:
        op.create_foreign_key("fk_idea_challenge_id_challenge", "idea", "challenge", ["challenge_id"], ["id"])
        op.create_foreign_key("fk_idea_spread_from_id_idea", "idea", "idea", ["spread_from_id"], ["id"])

    # -- spreading -----------------------------------------------------------------------------------------------
    op.create_table(
        "spread_offer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("coach_id", sa.Integer(), nullable=False),
        sa.Column("solved", sa.Text(), nullable=True),
        sa.Column("to_partners", sa.Boolean(), nullable=False),
        _now(),
        sa.ForeignKeyConstraint(["idea_id"], ["idea.id"], name="fk_spread_offer_idea_id_idea"),
        sa.ForeignKeyConstraint(["org_id"], ["organisation.id"], name="fk_spread_offer_org_id_organisation"),
        sa.ForeignKeyConstraint(["coach_id"], ["person.id"], name="fk_spread_offer_coach_id_person"),
        sa.PrimaryKeyConstraint("id", name="pk_spread_offer"),
    )
    op.create_index("ix_spread_offer_idea_id", "spread_offer", ["idea_id"], unique=False)
    op.create_index("ix_spread_offer_org_id", "spread_offer", ["org_id"], unique=False)

    op.create_table(
        "adoption",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("origin_idea_id", sa.Integer(), nullable=False),
        sa.Column("receiver_org_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=250), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        _now(),
        sa.ForeignKeyConstraint(["offer_id"], ["spread_offer.id"], name="fk_adoption_offer_id_spread_offer"),
        sa.ForeignKeyConstraint(["origin_idea_id"], ["idea.id"], name="fk_adoption_origin_idea_id_idea"),
        sa.ForeignKeyConstraint(["receiver_org_id"], ["organisation.id"],
                                name="fk_adoption_receiver_org_id_organisation"),
        sa.ForeignKeyConstraint(["idea_id"], ["idea.id"], name="fk_adoption_idea_id_idea"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name="fk_adoption_person_id_person"),
        sa.PrimaryKeyConstraint("id", name="pk_adoption"),
        sa.UniqueConstraint("origin_idea_id", "target", name="uq_adoption_origin_idea_id_target"),
    )
    op.create_index("ix_adoption_offer_id", "adoption", ["offer_id"], unique=False)
    op.create_index("ix_adoption_origin_idea_id", "adoption", ["origin_idea_id"], unique=False)
    op.create_index("ix_adoption_receiver_org_id", "adoption", ["receiver_org_id"], unique=False)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in ("adoption", "spread_offer"):
        op.drop_table(table)
    if postgres:
        op.drop_constraint("fk_idea_spread_from_id_idea", "idea", type_="foreignkey")
        op.drop_constraint("fk_idea_challenge_id_challenge", "idea", type_="foreignkey")
    op.drop_index("ix_idea_challenge_id", table_name="idea")
    op.drop_column("idea", "spread_from_id")
    op.drop_column("idea", "challenge_id")
    for table in ("challenge", "teams_registration", "workspace_pause", "slack_oauth_state", "slack_installation",
                  "org_partner", "org_connection"):
        op.drop_table(table)
    with op.batch_alter_table("digest_log", schema=None) as batch_op:
        batch_op.drop_constraint("fk_digest_log_org_id_organisation", type_="foreignkey")
        batch_op.drop_constraint("uq_digest_log_person_id_week_org_id", type_="unique")
        batch_op.create_unique_constraint("uq_digest_log_person_id_week", ["person_id", "week"])
        batch_op.drop_column("org_id")
    with op.batch_alter_table("role", schema=None) as batch_op:
        batch_op.drop_index("ix_role_org_id")
        batch_op.drop_constraint("fk_role_org_id_organisation", type_="foreignkey")
        batch_op.drop_constraint("uq_role_person_id_role_group_id_org_id", type_="unique")
        batch_op.create_unique_constraint("uq_role_person_id_role_group_id", ["person_id", "role", "group_id"])
        batch_op.drop_column("org_id")
    op.drop_column("organisation", "locale")
    op.drop_column("organisation", "timezone")
