"""The backlog the database keeps (`idea_backlog`, migration 0014): after any mix of inserts, updates and deletes
of ideas, through the ORM and through plain SQL, it equals what counting the ideas gives; the migration fills it
from the ideas already stored, down and up again restore it, and `idesluss db recount` sets it right after a
write that bypassed the triggers."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from alembic import command
from sqlalchemy import delete, text, update
from sqlmodel import col, select

from storage import backlog
from storage.backlog import Counts
from storage.db import Database, alembic_config
from storage.models import GroupMember, Idea, Organisation, Person, PilotGroup
from tests.test_cli import run

NOW = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
STAGES = ["new", "new", "in_review", "pilot", "declined"]

def kept(db: Database) -> Counts:
    with db.session() as s:
        return backlog.kept(s)


def counted(db: Database) -> Counts:
    """The same counts taken from the ideas themselves."""
    with db.session() as s:
        return backlog.counted(s)


def _people(db: Database) -> tuple[list[int], list[int], list[int], int]:
    """Two organisations, six people, three groups of the first and one of the second (which none of the first's
    ideas may count in): (org ids, person ids, the first's group ids, the second's group id). Person 2 is a member
    of the first group, person 0 of the second organisation's."""
    with db.session() as s:
        orgs = [Organisation(key=f"k{n}", name=f"K{n}", next_idea_number=1, created_at=NOW) for n in (1, 2)]
        s.add_all(orgs)
        s.flush()
        people = [Person(org_id=orgs[n % 2].id, platform="slack", user_id=f"U{n}", created_at=NOW) for n in range(6)]
        groups = [PilotGroup(org_id=orgs[0].id, name=f"G{n}", created_at=NOW) for n in range(3)]
        elsewhere = PilotGroup(org_id=orgs[1].id, name="Annan", created_at=NOW)
        s.add_all([*people, *groups, elsewhere])
        s.flush()
        s.add_all([GroupMember(group_id=groups[0].id, person_id=people[2].id, created_at=NOW),
                   GroupMember(group_id=elsewhere.id, person_id=people[0].id, created_at=NOW)])
        return [o.id for o in orgs], [p.id for p in people], [g.id for g in groups], elsewhere.id


def test_the_backlog_equals_the_ideas_counted_after_random_writes_through_the_orm_and_plain_sql(db):
    orgs, people, groups, elsewhere = _people(db)
    rng = random.Random(12)
    number = 0
    assert kept(db) == {}
    for round_ in range(12):
        with db.session() as s:
            for _ in range(15):  # captures: some with a promise, some nudged, a few already answered
                number += 1
                s.add(Idea(org_id=rng.choice(orgs), number=number, title="Idé", text="t", stage=rng.choice(STAGES),
                           author_id=rng.choice(people), source="slack",
                           group_id=rng.choice([None, None, elsewhere, *groups]),
                           feedback_due=date(2026, 3, rng.randint(1, 28)) if rng.random() < 0.8 else None,
                           first_feedback_at=NOW if rng.random() < 0.2 else None,
                           created_at=NOW - timedelta(days=rng.randint(0, 90)), updated_at=NOW))
        with db.session() as s:  # ORM updates of every column the counts depend on
            ideas = list(s.exec(select(Idea)).all())
            for idea in rng.sample(ideas, min(10, len(ideas))):
                change = rng.randrange(7)
                if change == 0:
                    idea.stage = rng.choice(STAGES)
                elif change == 1:
                    idea.first_feedback_at = None if idea.first_feedback_at else NOW
                elif change == 2:
                    idea.withdrawn_at = None if idea.withdrawn_at else NOW
                elif change == 3:
                    idea.feedback_due = None if idea.feedback_due else date(2026, 4, 1)
                elif change == 4:
                    idea.group_id = rng.choice([None, *groups])
                elif change == 5:
                    idea.author_id = rng.choice(people)  # retention's reassignment to the placeholder
                else:
                    idea.title = f"Ny titel {round_}"  # a column the counts do not read
                idea.updated_at = NOW
        with db.session() as s:  # memberships come and go (erasure deletes a person's all at once)
            for _ in range(3):
                person, group = rng.choice(people), rng.choice([elsewhere, *groups])
                found = s.exec(select(GroupMember).where(GroupMember.person_id == person,
                                                         GroupMember.group_id == group)).first()
                if found is None:
                    s.add(GroupMember(group_id=group, person_id=person, created_at=NOW))
                else:
                    s.delete(found)
            s.flush()
            if round_ % 4 == 3:
                s.execute(delete(GroupMember).where(col(GroupMember.person_id) == rng.choice(people)))
        with db.session() as s:  # plain SQL: bulk updates and deletes, as erasure and retention write them
            ids = [i for i in s.exec(select(Idea.id)).all()]
            s.execute(update(Idea).where(col(Idea.id).in_(rng.sample(ids, 3))).values(stage="new",
                                                                                        first_feedback_at=None))
            s.execute(delete(Idea).where(col(Idea.id).in_(rng.sample(ids, 2))))
        assert kept(db) == counted(db), f"round {round_}"
    assert sum(u for u, _ in kept(db).values()) > 10  # the mix left a real backlog to compare


def test_every_part_of_the_backlog_follows_one_idea_through_its_life(db):
    orgs, people, groups, elsewhere = _people(db)
    with db.session() as s:
        idea = Idea(org_id=orgs[0], number=1, title="Idé", text="t", author_id=people[0], source="slack",
                    feedback_due=date(2026, 3, 16), created_at=NOW, updated_at=NOW)
        s.add(idea)
        s.flush()
        idea_id = idea.id
    whole, g1, g2 = (orgs[0], 0), (orgs[0], groups[1]), (orgs[0], groups[2])
    assert kept(db) == {whole: (1, 1)}  # captured: unanswered and waiting; the other organisation's group not

    def change(**values: object) -> dict[tuple[int, int], tuple[int, int]]:
        with db.session() as s:
            s.execute(update(Idea).where(col(Idea.id) == idea_id).values(**values))
        return kept(db)

    def member(group: int, *, joins: bool) -> dict[tuple[int, int], tuple[int, int]]:
        with db.session() as s:
            if joins:
                s.add(GroupMember(group_id=group, person_id=people[0], created_at=NOW))
            else:
                s.execute(delete(GroupMember).where(col(GroupMember.group_id) == group,
                                                    col(GroupMember.person_id) == people[0]))
        return kept(db)

    assert change(stage="in_review") == {whole: (1, 0)}  # moved on without an answer: late if past the promise
    assert change(group_id=groups[1]) == {whole: (1, 0), g1: (1, 0)}  # its nudge's group
    assert member(groups[2], joins=True) == {whole: (1, 0), g1: (1, 0), g2: (1, 0)}  # and its author's
    assert member(groups[1], joins=True) == {whole: (1, 0), g1: (1, 0), g2: (1, 0)}  # once in a group, not twice
    assert member(groups[1], joins=False) == {whole: (1, 0), g1: (1, 0), g2: (1, 0)}  # still its nudge's
    assert member(groups[2], joins=False) == {whole: (1, 0), g1: (1, 0)}
    assert change(group_id=elsewhere) == {whole: (1, 0)}  # a group of another organisation holds none of its ideas
    assert change(first_feedback_at=NOW) == {}  # answered
    assert change(first_feedback_at=None, stage="new", group_id=None) == {whole: (1, 1)}
    assert change(withdrawn_at=NOW) == {}
    assert change(withdrawn_at=None, feedback_due=None) == {whole: (0, 1)}  # no promise: waiting, never late
    with db.session() as s:
        s.execute(delete(Idea).where(col(Idea.id) == idea_id))
    assert kept(db) == {}


def _migrate(db: Database, revision: str, *, down: bool) -> None:
    with db.engine.begin() as conn:
        cfg = alembic_config(db.engine)
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)


def test_0014_fills_the_backlog_from_the_ideas_stored_and_goes_down_and_up_again(fresh_url):
    db = Database(fresh_url)
    _migrate(db, "0013_outbox_partition", down=False)
    orgs, people, groups, _ = _people(db)
    with db.engine.begin() as conn:  # ideas stored before the migration: no triggers counted them
        for n, (author, stage, answered, due, group) in enumerate([
                (people[0], "new", None, date(2026, 3, 16), None),
                (people[0], "new", None, None, groups[0]),
                (people[0], "in_review", None, date(2026, 3, 16), None),
                (people[0], "pilot", NOW, date(2026, 3, 16), None),
                (people[2], "new", None, date(2026, 3, 16), None),  # a member of the first group
                (people[2], "new", None, date(2026, 3, 16), groups[0])], start=1):  # and nudged by it: once
            conn.execute(text("INSERT INTO idea (org_id, number, title, text, stage, anonymous, author_id, source, "
                              "group_id, first_feedback_at, feedback_due, created_at, updated_at) VALUES (:org, :n, "
                              "'Idé', 't', :stage, false, :author, 'slack', :group, :answered, :due, :now, :now)"),
                         {"org": orgs[0], "n": n, "stage": stage, "author": author, "group": group,
                          "answered": answered, "due": due, "now": NOW})
    db.upgrade()
    assert kept(db) == counted(db) == {(orgs[0], 0): (4, 4), (orgs[0], groups[0]): (2, 3)}
    _migrate(db, "0013_outbox_partition", down=True)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM idea")).scalar_one() == 6  # the ideas stay
    with db.engine.begin() as conn:  # written while the triggers are gone: the next upgrade counts it
        conn.execute(text("UPDATE idea SET first_feedback_at = :now WHERE number = 1"), {"now": NOW})
    db.upgrade()
    assert kept(db) == counted(db) == {(orgs[0], 0): (3, 3), (orgs[0], groups[0]): (2, 3)}
    db.dispose()


def test_db_recount_sets_right_a_backlog_written_around_the_triggers_and_then_finds_nothing_wrong(db, database_url):
    orgs, people, groups, _ = _people(db)
    with db.session() as s:
        for n in (1, 2):
            s.add(Idea(org_id=orgs[0], number=n, title="Idé", text="t", author_id=people[n], source="slack",
                       feedback_due=date(2026, 3, 16), created_at=NOW, updated_at=NOW))
    with db.engine.begin() as conn:  # as a restore with triggers disabled leaves it: one row lost, one wrong
        conn.execute(text("DELETE FROM idea_backlog WHERE group_key = :g"), {"g": groups[0]})
        conn.execute(text("UPDATE idea_backlog SET waiting = 7 WHERE group_key = 0"))
    assert kept(db) != counted(db)
    first = run(["db", "recount"], database_url)
    assert (first.returncode, first.stdout.strip()) == (0, "Backlog counts set right: 2 differed."), first.stderr
    assert kept(db) == counted(db) == {(orgs[0], 0): (2, 2), (orgs[0], groups[0]): (1, 1)}
    again = run(["db", "recount"], database_url)
    assert (again.returncode, again.stdout.strip()) == (0, "Backlog counts were right.")
