"""Similar-idea hints find Swedish near-duplicates and leave ideas alone that only share common words.

Runs on SQLite, and on PostgreSQL when IDESLUSS_TEST_DATABASE_URL is set. The quality floor is checked on the
labelled pairs in tests/data/similar_ideas.json among a background of other ideas (bench/similar_quality.py
measures the same with a larger background).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from storage.ideas import NewIdea, capture_idea, similar_ideas, update_details
from storage.people import get_or_create_org, get_or_create_person
from storage.swedish import similarity, similarity_keys
from tests.conftest import START

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import similar_quality  # noqa: E402


def test_a_covered_bike_stand_at_the_travel_centre_gets_the_bike_parking_at_the_station(anna, bertil):
    anna.say("/idé Cykelparkering vid stationen")
    anna.say("/idé Längre öppettider på biblioteket")
    reply = bertil.say("/idé Cykelställ med tak vid resecentrum")
    assert [i.number for i in reply.ideas] == [1]
    assert reply.ideas_heading == "Liknande idéer:"


def test_snow_clearing_in_another_inflection_is_a_hint(anna, bertil):
    anna.say("/idé Snöröjning på gångvägar")
    reply = bertil.say("/idé Snöröjningen kommer för sent")
    assert [i.number for i in reply.ideas] == [1]


def test_an_idea_sharing_only_common_words_gets_no_hint(anna, bertil):
    anna.say("/idé Ny hemsida för kommunen")
    anna.say("/idé Bättre kaffe i personalrummet")
    anna.say("/idé Kommunen borde ha fler lärare")
    reply = bertil.say("/idé Ny och bättre förskola i kommunen")
    assert reply.ideas == []
    assert reply.ideas_heading is None


def test_a_withdrawn_idea_is_no_hint(anna, bertil):
    anna.say("/idé Fler papperskorgar i stadsparken")
    anna.say("/idé ångra 1")
    assert bertil.say("/idé Skräpkorgar saknas i parken").ideas == []


def test_a_changed_title_is_found_by_its_new_words(db):
    with db.session() as session:
        org = get_or_create_org(session, "local", now=START)
        person = get_or_create_person(session, org, "shell", "anna", now=START)
        idea, _ = capture_idea(session, org, person, NewIdea(title="Längre öppettider", text="x", source="shell"),
                               now=START)
        update_details(session, idea, title="Laddstolpar vid kommunhuset", now=START)
        other, _ = capture_idea(session, org, person, NewIdea(title="Laddplatser vid stadshuset", text="x",
                                                              source="shell"), now=START)
        assert [i.id for i in similar_ideas(session, other)] == [idea.id]


def test_other_organisations_ideas_are_no_hints(db):
    with db.session() as session:
        ours = get_or_create_org(session, "local", now=START)
        theirs = get_or_create_org(session, "grannkommunen", now=START)
        anna = get_or_create_person(session, ours, "shell", "anna", now=START)
        olle = get_or_create_person(session, theirs, "slack", "U1", now=START)
        capture_idea(session, theirs, olle, NewIdea(title="Cykelparkering vid stationen", text="x", source="slack"),
                     now=START)
        idea, _ = capture_idea(session, ours, anna, NewIdea(title="Cykelställ vid stationen", text="x",
                                                            source="shell"), now=START)
        assert similar_ideas(session, idea) == []


@pytest.mark.parametrize(("a", "b"), [
    ("cykelställ", "cykelparkeringen"),
    ("snöröjningen", "snöröjning på gångvägar"),
    ("gångvägarna", "gångväg"),
    ("resecentrum", "stationen"),
])
def test_compounds_inflections_and_synonyms_share_keys(a, b):
    assert similarity(similarity_keys(a), similarity_keys(b)) > 0


@pytest.mark.parametrize("word", ["ny", "nya", "bättre", "kommunen", "fler", "borde", "införa"])
def test_common_words_are_no_keys(word):
    assert similarity_keys(f"{word.capitalize()} {word}") == {}


def test_the_labelled_pairs_hold_their_floor(db):
    """A quality floor, not a timing: the figures in docs/benchmarks.md come from bench/similar_quality.py."""
    cases = similar_quality.load_cases()
    org_id = similar_quality.build(db, cases, background=500, seed=12)
    result = similar_quality.evaluate(db, org_id, cases, similar_ideas)
    assert result["all"]["recall"] >= 0.75
    assert result["all"]["false"] <= 0.05
    assert result["holdout"]["recall"] >= 0.7


def _migrated_keys(url: str) -> None:
    """Upgrade to 0007 (the FTS5 / array index), store ideas, upgrade to head: the keys moved to idea_key and
    the hints still come; a downgrade puts them back in idea_similar."""
    from alembic import command
    from sqlalchemy import create_engine, text

    from storage.db import Database, alembic_config, normalise_url

    engine = create_engine(normalise_url(url))
    cfg = alembic_config(engine)
    command.upgrade(cfg, "0007_limits")
    db = Database(url)
    with db.session() as session:
        org = get_or_create_org(session, "m", now=START)
        person = get_or_create_person(session, org, "shell", "anna", now=START)
        # Written as 0007's code wrote it: the keys in idea_similar.
        for number, title in enumerate(["Cykelparkering vid stationen", "Längre öppettider på biblioteket"], 1):
            idea_id = session.execute(text(
                "INSERT INTO idea (org_id, number, title, text, stage, anonymous, author_id, source, created_at, "
                "updated_at) VALUES (:org, :n, :t, :body, 'new', false, :a, 'shell', :now, :now) RETURNING id"),
                {"org": org.id, "n": number, "t": title, "body": title, "a": person.id, "now": START}).scalar_one()
            keys = similarity_keys(title)
            if engine.dialect.name == "sqlite":
                session.execute(text("INSERT INTO idea_similar (rowid, org_id, total, keys) VALUES (:i, :o, :t, :k)"),
                                {"i": idea_id, "o": org.id, "t": sum(keys.values()), "k": " ".join(keys)})
            else:
                session.execute(text("INSERT INTO idea_similar (idea_id, org_id, total, keys) VALUES (:i, :o, :t, :k)"),
                                {"i": idea_id, "o": org.id, "t": sum(keys.values()), "k": list(keys)})
        session.execute(text("UPDATE organisation SET next_idea_number = 3 WHERE id = :o"), {"o": org.id})
    command.upgrade(cfg, "heads")
    with db.session() as session:
        moved = session.execute(text("SELECT count(*) FROM idea_key")).scalar_one()
        assert moved == len(similarity_keys("Cykelparkering vid stationen")) + len(
            similarity_keys("Längre öppettider på biblioteket"))
        org = get_or_create_org(session, "m", now=START)
        person = get_or_create_person(session, org, "shell", "bertil", now=START)
        idea, _ = capture_idea(session, org, person, NewIdea(title="Cykelställ med tak vid resecentrum",
                                                             text="x", source="shell"), now=START)
        assert [hint.number for hint in similar_ideas(session, idea)] == [1]
    command.downgrade(cfg, "0007_limits")
    with db.session() as session:
        assert session.execute(text("SELECT count(*) FROM idea_similar")).scalar_one() == 3
    db.dispose()
    engine.dispose()


def test_the_keys_move_to_the_btree_table_on_upgrade_and_back_on_downgrade_sqlite(tmp_path):
    _migrated_keys(f"sqlite:///{tmp_path / 'keys.db'}")


def test_the_keys_move_to_the_btree_table_on_upgrade_and_back_on_downgrade_postgresql():
    from tests.conftest import own_postgres_database

    with own_postgres_database("idesluss_keys") as url:
        _migrated_keys(url)


def test_a_small_organisation_beside_a_large_one_gets_its_own_hints_only(tmp_path):
    """The lookup reads one organisation's keys: a big neighbour's matching ideas are neither hints nor work."""
    from storage.db import Database

    db = Database(f"sqlite:///{tmp_path / 'two.db'}")
    db.upgrade()
    with db.session() as session:
        big, small = get_or_create_org(session, "tranas", now=START), get_or_create_org(session, "ydre", now=START)
        anna = get_or_create_person(session, big, "shell", "anna", now=START)
        bo = get_or_create_person(session, small, "shell", "bo", now=START)
        for n in range(50):
            capture_idea(session, big, anna, NewIdea(title=f"Cykelparkering vid stationen {n}", text="x",
                                                     source="shell"), now=START)
        mine, _ = capture_idea(session, small, bo, NewIdea(title="Cykelparkering vid stationen", text="x",
                                                           source="shell"), now=START)
        idea, _ = capture_idea(session, small, bo, NewIdea(title="Cykelställ med tak vid resecentrum", text="x",
                                                           source="shell"), now=START)
        assert [hint.id for hint in similar_ideas(session, idea)] == [mine.id]
    db.dispose()
