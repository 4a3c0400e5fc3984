"""Every card a coach or manager meets in Teams validates against the official Adaptive Cards 1.5 schema,
extended with Teams' chart elements (tests/teams/data/SCHEMAS.md)."""

from __future__ import annotations

import copy
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import jsonschema
import pytest

from bot.core.replies import ActionId
from bot.teams.cards import reply_card
from tests.conftest import ShellUser

from .conftest import data_file


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft6Validator:
    schema = json.loads(data_file("adaptive-card-1.5.schema.json").read_text())
    charts = json.loads(data_file("adaptive-card-charts.schema.json").read_text())["definitions"]
    schema["definitions"].update(charts)
    schema["definitions"]["ImplementationsOf.Element"]["anyOf"] += [
        {"required": ["type"], "allOf": [{"$ref": f"#/definitions/{name}"}]} for name in charts]
    return jsonschema.Draft6Validator(schema)


def valid(validator: jsonschema.Draft6Validator, card: dict) -> dict:
    strict = copy.deepcopy(card)
    strict.pop("msteams", None)  # a documented Teams extension the strict schema does not know
    errors = sorted(validator.iter_errors(strict), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message[:200]}" for e in errors[:3]]
    return card


def test_a_chart_outside_the_schema_is_caught(validator):
    broken = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "Chart.VerticalBar", "data": "x"}]}
    assert list(validator.iter_errors(broken))


def test_the_statistics_card_draws_three_charts_with_text_fallbacks_and_validates(core, clock, coach, validator):
    from tests.test_figures import seed_march

    seed_march(core, clock, coach)
    card = valid(validator, reply_card(coach.say("/idé statistik 2026-03")))
    charts = [b for b in card["body"] if b["type"].startswith("Chart.")]
    assert [c["type"] for c in charts] == ["Chart.VerticalBar", "Chart.Line", "Chart.Donut"]
    assert all(c["fallback"]["type"] == "TextBlock" for c in charts)
    assert sum(point["y"] for point in charts[0]["data"]) == 5
    facts = {f["title"]: f["value"] for f in next(b for b in card["body"] if b["type"] == "FactSet")["facts"]}
    assert facts["Besked inom löftet"].startswith("60 %")  # the same figures in text, whatever the client


def test_the_coach_card_and_the_queue_validate_with_at_most_six_actions(core, db, clock, coach, validator):
    from tests.test_feedback import make

    make(core, db, "david", "coach")
    anna = ShellUser(core, "anna")
    clock.set(datetime(2026, 3, 3, 9, tzinfo=ZoneInfo("Europe/Stockholm")))
    anna.say("/idé Bänkar längs strandpromenaden")
    card = valid(validator, reply_card(core.handle_action(coach.actor, ActionId.SHOW, "1")))
    assert len(card["actions"]) <= 6
    assert [b["type"] for b in card["body"]].count("Input.ChoiceSet") == 2
    queue = valid(validator, reply_card(coach.say("/idé kö")))
    (line,) = [b for b in queue["body"] if b["type"] == "Container"]
    assert [i["type"] for i in line["items"]] == ["TextBlock", "Input.ChoiceSet", "ActionSet"]


def test_a_coach_asking_for_statistik_in_teams_gets_a_card_with_charts(teams_bot, db, validator):
    from storage.people import get_or_create_org, get_or_create_person, grant_role
    from tests.conftest import START

    from .conftest import personal_message

    coach_id = "c0ac4000-0000-4000-8000-00000000c0ac"
    with db.session() as session:
        org = get_or_create_org(session, "testkommun", now=START)
        grant_role(session, get_or_create_person(session, org, "teams", coach_id, now=START), "coach", now=START)
    service_url = teams_bot.stand_in.service_url
    teams_bot.post(personal_message(service_url, "idé Digitala nycklar i hemtjänsten"))
    teams_bot.stand_in.wait_for(1)
    teams_bot.post(personal_message(service_url, "idé statistik", user=coach_id, name="Coach Cecilia"))
    replies = teams_bot.stand_in.wait_for(2)
    card = valid(validator, replies[-1].body["attachments"][0]["content"])
    assert "Idéslussen i siffror" in card["body"][0]["text"]
    assert {"Chart.VerticalBar", "Chart.Donut"} <= {b["type"] for b in card["body"]}, card["body"]
