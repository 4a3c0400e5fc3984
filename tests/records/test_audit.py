"""The audit trail: every act that changes who may see or do what is recorded, and nothing can change the trail."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from storage import audit
from storage.db import Database
from tests.conftest import START
from tests.records.conftest import ADMIN, COACH, audit_rows


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET action = 'nothing'", "DELETE FROM audit_log"])
def test_the_database_refuses_to_update_or_delete_audit_rows(db: Database, statement: str):
    with db.session() as session:
        audit.record(session, action=audit.ROLE_GRANT, now=START, via=audit.CLI, subject_id=1,
                     detail={"role": "admin"})
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
        conn.execute(text(statement))
    (entry,) = audit_rows(db)
    assert (entry.action, json.loads(entry.detail)) == ("role.grant", {"role": "admin"})


def test_audit_detail_holds_codes_and_counts_never_objects(db: Database):
    with pytest.raises(audit.UnsafeDetail), db.session() as session:
        audit.record(session, action="x", now=START, via=audit.CLI, detail={"person": {"name": "Anna"}})  # type: ignore[dict-item]


def test_role_grants_and_revocations_are_recorded_with_the_operator(cli, db):
    assert cli("roles", "grant", "slack:U0COACH01", "coach").exit_code == 0
    assert cli("roles", "grant", "slack:U0COACH01", "coach").exit_code == 0  # already: nothing happened
    assert cli("roles", "revoke", "slack:U0COACH01", "coach").exit_code == 0
    grant, revoke = audit_rows(db)
    assert (grant.action, revoke.action) == ("role.grant", "role.revoke")
    assert grant.subject_id == revoke.subject_id and grant.actor_id is None and "@" in (grant.operator or "")
    assert json.loads(grant.detail) == {"group_id": None, "role": "coach", "shared": False}  # in their own org
    listed = json.loads(cli("audit", "list", "--format", "json").stdout)
    assert [(e["action"], e["subject"], e["via"]) for e in listed] == [
        ("role.grant", "slack:U0COACH01", "cli"), ("role.revoke", "slack:U0COACH01", "cli")]
    assert "role.grant → slack:U0COACH01" in cli("audit", "list").stdout


def test_stage_changes_and_taking_ownership_are_recorded_from_the_platform(core, db, staff, anonymous_idea):
    from bot.core.replies import ActionId

    core.handle_command(COACH, f"status {anonymous_idea} bedömning")
    core.handle_action(COACH, ActionId.TAKE_OWNERSHIP, str(anonymous_idea))  # theirs since it came in: no new act
    core.handle_action(ADMIN, ActionId.TAKE_OWNERSHIP, str(anonymous_idea))
    assigned, stage, taken = audit_rows(db)
    # The rule gave the anonymous idea to the organisation's coach when it came in: no person acted.
    assert (assigned.action, assigned.actor_id, json.loads(assigned.detail)["rule"]) == ("idea.owner", None, "capture")
    assert (stage.action, stage.via, json.loads(stage.detail)) == (
        "idea.stage", "slack", {"from_stage": "new", "number": anonymous_idea, "role": "coach",
                                "to_stage": "in_review"})
    assert taken.action == "idea.owner" and taken.via == "slack" and taken.idea_id == stage.idea_id
    assert taken.actor_id not in (None, stage.actor_id)  # the admin took it from the coach


def test_audit_list_since_a_date_and_bad_input(cli, db):
    with db.session() as session:
        audit.record(session, action=audit.ORG_SETTING, now=START, via=audit.CLI)
    assert len(json.loads(cli("audit", "list", "--format", "json", "--since", "2026-03-02").stdout)) == 1
    assert json.loads(cli("audit", "list", "--format", "json", "--since", "2026-03-03").stdout) == []
    assert cli("audit", "list", "--format", "xml").exit_code == 2
