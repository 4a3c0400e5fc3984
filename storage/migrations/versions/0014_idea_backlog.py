"""idea_backlog: live ideas without first feedback counted per (organisation, author, nudge group) by triggers
on `idea`, so the digest's waiting count and its late ideas no longer read the whole backlog (issue 12,
digests flat in the number of ideas)

The counts are kept by the database itself (an AFTER INSERT / UPDATE / DELETE trigger on `idea`, in SQLite's
and PostgreSQL's own dialects), so every code path that writes an idea — capture, a stage move, first
feedback, withdrawal, retention's reassignment to the placeholder, a bulk import — keeps them true without
knowing of them. The upgrade fills the table from the ideas already stored; the downgrade drops it and the
triggers.

Revision ID: 0014_idea_backlog
Revises: 0013_outbox_partition
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_idea_backlog"
down_revision = "0013_outbox_partition"
branch_labels = None
depends_on = None

# What one idea row adds to each of its scopes' rows, as SQL over NEW or OLD (or an alias).
_COUNTED = ("{r}.withdrawn_at IS NULL AND {r}.first_feedback_at IS NULL "
            "AND ({r}.feedback_due IS NOT NULL OR {r}.stage = 'new')")
_UNANSWERED = "CASE WHEN {r}.feedback_due IS NOT NULL THEN 1 ELSE 0 END"
_WAITING = "CASE WHEN {r}.stage = 'new' THEN 1 ELSE 0 END"
_IDEA_COLUMNS = "org_id, author_id, group_id, stage, first_feedback_at, withdrawn_at, feedback_due"
# The scopes an idea counts in: the whole organisation (0), its author's groups and its nudge's group, each a
# group of the idea's own organisation (as storage.groups.memberships and the digest's scopes read them).
_SCOPES = ("SELECT 0 AS g UNION SELECT gm.group_id FROM group_member gm JOIN pilot_group pg ON pg.id = gm.group_id "
           "WHERE gm.person_id = {r}.author_id AND pg.org_id = {r}.org_id "
           "UNION SELECT pg.id FROM pilot_group pg WHERE pg.id = {r}.group_id AND pg.org_id = {r}.org_id")
# A membership (m) adds to its group the author's ideas of the group's organisation that its nudge does not
# already count there.
_MEMBERS_IDEAS = ("FROM idea i JOIN pilot_group pg ON pg.id = {m}.group_id WHERE i.author_id = {m}.person_id "
                  "AND i.org_id = pg.org_id AND " + _COUNTED.format(r="i")
                  + " AND (i.group_id IS NULL OR i.group_id <> {m}.group_id)")


def _upsert(select: str, existing: str) -> str:
    """INSERT … `select` adding to a row already there (`existing` qualifies its columns on PostgreSQL)."""
    return (f"INSERT INTO idea_backlog (org_id, group_key, unanswered, waiting) {select} "
            f"ON CONFLICT (org_id, group_key) DO UPDATE SET "
            f"unanswered = {existing}unanswered + excluded.unanswered, "
            f"waiting = {existing}waiting + excluded.waiting;")


def _add_idea(r: str, existing: str) -> str:
    return _upsert(f"SELECT {r}.org_id, s.g, {_UNANSWERED.format(r=r)}, {_WAITING.format(r=r)} "
                   f"FROM ({_SCOPES.format(r=r)}) s WHERE {_COUNTED.format(r=r)}", existing)


def _subtract_idea(r: str) -> str:
    return (f"UPDATE idea_backlog SET unanswered = unanswered - {_UNANSWERED.format(r=r)}, "
            f"waiting = waiting - {_WAITING.format(r=r)} "
            f"WHERE org_id = {r}.org_id AND group_key IN ({_SCOPES.format(r=r)}) AND {_COUNTED.format(r=r)};")


def _add_member(m: str, existing: str) -> str:
    ideas = _MEMBERS_IDEAS.format(m=m)
    return _upsert(f"SELECT pg.org_id, {m}.group_id, SUM({_UNANSWERED.format(r='i')}), SUM({_WAITING.format(r='i')}) "
                   f"{ideas} GROUP BY pg.org_id", existing)


def _subtract_member(m: str) -> str:
    ideas = _MEMBERS_IDEAS.format(m=m)
    return (f"UPDATE idea_backlog SET "
            f"unanswered = unanswered - (SELECT COALESCE(SUM({_UNANSWERED.format(r='i')}), 0) {ideas}), "
            f"waiting = waiting - (SELECT COALESCE(SUM({_WAITING.format(r='i')}), 0) {ideas}) "
            f"WHERE org_id = (SELECT org_id FROM pilot_group WHERE id = {m}.group_id) AND group_key = {m}.group_id;")


def _pg_function(name: str, subtract_old: str, add_new: str) -> str:
    """A PostgreSQL trigger function: an update or delete takes the old row's counts away, an insert or update
    adds the new row's."""
    return f"""
        CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
                {subtract_old}
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                {add_new}
            END IF;
            RETURN NULL;
        END $$"""


def upgrade() -> None:
    op.create_table(
        "idea_backlog",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("group_key", sa.Integer(), nullable=False),
        sa.Column("unanswered", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("waiting", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("org_id", "group_key"),
    )
    counts = f"{_UNANSWERED.format(r='i')} AS u, {_WAITING.format(r='i')} AS w"
    op.execute(  # the ideas already stored, each once in every scope it counts in
        "INSERT INTO idea_backlog (org_id, group_key, unanswered, waiting) SELECT org_id, g, SUM(u), SUM(w) FROM ("
        f"SELECT i.org_id, 0 AS g, {counts} FROM idea i WHERE {_COUNTED.format(r='i')} "
        f"UNION ALL SELECT i.org_id, gm.group_id, {counts} FROM idea i "
        "JOIN group_member gm ON gm.person_id = i.author_id JOIN pilot_group pg ON pg.id = gm.group_id "
        f"AND pg.org_id = i.org_id WHERE {_COUNTED.format(r='i')} "
        f"UNION ALL SELECT i.org_id, i.group_id, {counts} FROM idea i "
        f"JOIN pilot_group pg ON pg.id = i.group_id AND pg.org_id = i.org_id WHERE {_COUNTED.format(r='i')} "
        "AND NOT EXISTS (SELECT 1 FROM group_member gm WHERE gm.person_id = i.author_id AND gm.group_id = i.group_id)"
        ") scoped GROUP BY org_id, g")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_pg_function("idea_backlog_idea", _subtract_idea("OLD"), _add_idea("NEW", "idea_backlog.")))
        op.execute(_pg_function("idea_backlog_member", _subtract_member("OLD"),
                                _add_member("NEW", "idea_backlog.")))
        op.execute(f"CREATE TRIGGER idea_backlog_idea AFTER INSERT OR DELETE OR UPDATE OF {_IDEA_COLUMNS} ON idea "
                   "FOR EACH ROW EXECUTE FUNCTION idea_backlog_idea()")
        op.execute("CREATE TRIGGER idea_backlog_member AFTER INSERT OR DELETE OR UPDATE OF group_id, person_id "
                   "ON group_member FOR EACH ROW EXECUTE FUNCTION idea_backlog_member()")
        return
    # SQLite: an UPSERT's SELECT needs a WHERE (each has one) to be told apart from its ON CONFLICT clause.
    op.execute(f"CREATE TRIGGER idea_backlog_idea_insert AFTER INSERT ON idea BEGIN {_add_idea('NEW', '')} END")
    op.execute(f"CREATE TRIGGER idea_backlog_idea_delete AFTER DELETE ON idea BEGIN {_subtract_idea('OLD')} END")
    op.execute(f"CREATE TRIGGER idea_backlog_idea_update AFTER UPDATE OF {_IDEA_COLUMNS} ON idea "
               f"BEGIN {_subtract_idea('OLD')} {_add_idea('NEW', '')} END")
    op.execute(f"CREATE TRIGGER idea_backlog_member_insert AFTER INSERT ON group_member "
               f"BEGIN {_add_member('NEW', '')} END")
    op.execute(f"CREATE TRIGGER idea_backlog_member_delete AFTER DELETE ON group_member "
               f"BEGIN {_subtract_member('OLD')} END")
    op.execute(f"CREATE TRIGGER idea_backlog_member_update AFTER UPDATE OF group_id, person_id ON group_member "
               f"BEGIN {_subtract_member('OLD')} {_add_member('NEW', '')} END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER idea_backlog_idea ON idea")
        op.execute("DROP TRIGGER idea_backlog_member ON group_member")
        op.execute("DROP FUNCTION idea_backlog_idea()")
        op.execute("DROP FUNCTION idea_backlog_member()")
    else:
        for name in ("idea_insert", "idea_delete", "idea_update", "member_insert", "member_delete", "member_update"):
            op.execute(f"DROP TRIGGER idea_backlog_{name}")
    op.drop_table("idea_backlog")
