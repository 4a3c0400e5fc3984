"""Migration 0010_digests on both databases: up adds the digest's indexes, down removes them and keeps the rows,
up again restores them."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import inspect, text

from storage.db import Database, alembic_config

INDEXES = {("idea", "ix_idea_waiting"), ("idea", "ix_idea_nudge"), ("idea", "ix_idea_author_created"),
           ("vote", "ix_vote_created")}


def _digest_indexes(db: Database) -> set[tuple[str, str]]:
    found = inspect(db.engine)
    return {(table, ix["name"]) for table in ("idea", "vote") for ix in found.get_indexes(table)} & INDEXES


def test_0010_digests_goes_up_down_and_up_again_keeping_the_ideas(fresh_url):
    db = Database(fresh_url)
    db.upgrade()
    assert _digest_indexes(db) == INDEXES
    now = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO organisation (key, name, next_idea_number, first_feedback_days, created_at) "
                          "VALUES ('k', 'K', 2, 10, :now)"), {"now": now})
        conn.execute(text("INSERT INTO person (org_id, platform, user_id, unreachable, nudges_opt_out, created_at) "
                          "SELECT id, 'slack', 'U1', false, false, :now FROM organisation"), {"now": now})
        conn.execute(text("INSERT INTO idea (org_id, number, title, text, stage, anonymous, author_id, source, "
                          "created_at, updated_at) SELECT org_id, 1, 'Idé', 't', 'new', false, id, 'slack', :now, :now "
                          "FROM person"), {"now": now})
    with db.engine.begin() as conn:
        cfg = alembic_config(db.engine)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0009_inbound")
    assert _digest_indexes(db) == set()
    db.upgrade()
    assert _digest_indexes(db) == INDEXES
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM idea")).scalar_one() == 1
    db.dispose()


def _figures_columns(db: Database) -> list[str]:
    [index] = [ix for ix in inspect(db.engine).get_indexes("idea") if ix["name"] == "ix_idea_figures"]
    return list(index["column_names"])


def test_0012_digest_figures_adds_the_nudge_group_to_the_figures_index_and_takes_it_out_again(fresh_url):
    db = Database(fresh_url)
    db.upgrade()
    before = ["org_id", "created_at", "withdrawn_at", "first_feedback_at", "feedback_due", "author_id"]
    assert _figures_columns(db) == [*before, "group_id"]
    with db.engine.begin() as conn:
        cfg = alembic_config(db.engine)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0011_dispatch")
    assert _figures_columns(db) == before
    db.upgrade()
    assert _figures_columns(db) == [*before, "group_id"]
    db.dispose()
