"""The store under load and failure: distinct numbers, nothing half-written, the schema as migrated."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import select

from bot.core import Actor, Core, Origin
from storage import outbox
from storage.db import Database, normalise_url, schema_is_current
from storage.ideas import export_ideas
from storage.models import Idea
from tests.conftest import START


def test_parallel_captures_get_distinct_numbers(db, settings, clock):
    cores = [Core(Database(db.url), settings, clock) for _ in range(4)]

    def capture(i: int) -> int | None:
        core = cores[i % 4]
        return core.handle_command(Actor("shell", f"user{i % 4}"), f"Idé nummer {i}").idea_number

    with ThreadPoolExecutor(max_workers=4) as pool:
        numbers = list(pool.map(capture, range(40)))
    assert sorted(numbers) == list(range(1, 41))
    for core in cores:
        core.db.dispose()


def test_parallel_retries_of_one_event_keep_one_idea(db, settings, clock):
    cores = [Core(Database(db.url), settings, clock) for _ in range(4)]
    actor = Actor("slack", "U1", "T1")
    with ThreadPoolExecutor(max_workers=4) as pool:
        numbers = set(pool.map(lambda c: c.handle_command(actor, "Samma idé", Origin(dedup_key="ev-1")).idea_number,
                               cores))
    assert numbers == {1}
    with db.session() as session:
        assert len(export_ideas(session)) == 1
    for core in cores:
        core.db.dispose()


def test_a_failure_mid_transaction_leaves_nothing_half_written(db):
    from storage.ideas import NewIdea, capture_idea
    from storage.people import get_or_create_org, get_or_create_person

    with pytest.raises(RuntimeError), db.session() as session:
        org = get_or_create_org(session, "local", now=START)
        person = get_or_create_person(session, org, "shell", "anna", now=START)
        capture_idea(session, org, person, NewIdea(title="Halv", text="Halv idé", source="shell"), now=START)
        raise RuntimeError("the process died here")
    with db.session() as session:
        assert session.exec(select(Idea)).all() == []


def test_outbox_enqueue_is_idempotent_on_the_key(db):
    message = outbox.NewMessage(key="digest:slack:U1:2026-W48", platform="slack", recipient="U1", payload={})
    with db.session() as session:
        assert outbox.enqueue(session, message, now=START) is True
    with db.session() as session:
        assert outbox.enqueue(session, message, now=START) is False
        assert outbox.counts_by_state(session) == {"pending": 1}


def test_schema_is_at_every_head(db):
    assert schema_is_current(db.engine)


def test_postgres_urls_use_psycopg3():
    assert normalise_url("postgresql://u@h/db").startswith("postgresql+psycopg://")
    assert normalise_url("postgres://u@h/db").startswith("postgresql+psycopg://")
    assert normalise_url("sqlite:///./x.db") == "sqlite:///./x.db"


def test_sqlite_runs_in_wal_with_a_busy_timeout(db):
    if db.dialect != "sqlite":
        pytest.skip("SQLite only")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000


def test_many_messages_for_a_paused_workspace_are_kept_paused_like_one(db):
    """The ladder and the digests enqueue in bulk: a workspace whose app was uninstalled must hold them too."""
    with db.session() as session:
        outbox.pause_workspace(session, "slack", "TGONE", reason="app_uninstalled", now=START)
    with db.session() as session:
        added = outbox.enqueue_many(session, [
            outbox.NewMessage(key=f"k{n}", platform="slack", recipient=f"U{n}", payload={"text": "x"}, workspace=ws)
            for n, ws in enumerate(["TGONE", "THERE", None])], now=START)
        assert added == {"k0", "k1", "k2"}
    with db.session() as session:
        states = {row.key: row.state for row in session.exec(select(outbox.OutboxMessage)).all()}
    assert states == {"k0": outbox.PAUSED, "k1": outbox.PENDING, "k2": outbox.PENDING}


def test_rows_of_the_capture_path_read_back_as_the_orm_reads_them(core, db):
    """The capture's statements run through `Prepared` and become instances through `as_loaded`: every column,
    timestamps and booleans included, must come back as the ORM's own loading gives them."""
    from storage.models import Organisation, Person, StageChange
    from storage.people import find_org, get_person

    reply = core.handle_command(Actor("shell", "anna"), "Cykelställ vid stationen")
    with db.session() as session:
        fast = (find_org(session, "local"), get_person(session, "shell", "anna"))
        fast_rows = [instance.model_dump() for instance in fast]
    with db.session() as session:
        orm = (session.exec(select(Organisation).where(Organisation.key == "local")).one(),
               session.exec(select(Person).where(Person.user_id == "anna")).one())
        assert fast_rows == [instance.model_dump() for instance in orm]
        idea = session.exec(select(Idea).where(Idea.number == reply.idea_number)).one()
        assert idea.created_at == START and idea.anonymous is False and idea.feedback_due is not None
        change = session.exec(select(StageChange).where(StageChange.idea_id == idea.id)).one()
        assert (change.to_stage, change.actor_role, change.created_at) == ("new", "employee", START)


def test_as_loaded_gives_the_instance_the_session_holds_already(core, db):
    from storage.models import Person
    from storage.people import get_person

    core.handle_command(Actor("shell", "anna"), "Cykelställ vid stationen")
    with db.session() as session:
        held = session.exec(select(Person).where(Person.user_id == "anna")).one()
        held.display_name = "Anna A"  # a change not yet flushed stays on the one instance
        assert get_person(session, "shell", "anna") is held
        assert held.display_name == "Anna A"


def test_a_prepared_statement_raises_driver_errors_as_sqlalchemy_does(core, db):
    """`is_transient` and the callers' `except IntegrityError` read SQLAlchemy's exceptions, not the driver's."""
    from sqlalchemy.exc import IntegrityError

    from storage.ideas import _INSERT_STAGE_CHANGE

    with pytest.raises(IntegrityError) as raised, db.session() as session:  # idea_id is NOT NULL
        _INSERT_STAGE_CHANGE.rows(session, {"idea_id": None, "actor_id": None, "from_stage": None, "to_stage": "new",
                                            "comment": None, "actor_role": None, "created_at": START})
    assert raised.value.orig is not None and not raised.value.connection_invalidated
    assert core.handle_command(Actor("shell", "anna"), "Idén efter felet").idea_number == 1
