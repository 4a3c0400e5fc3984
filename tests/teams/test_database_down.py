"""The database is down: a Teams message still gets its answer, and the answer says the idea was not saved."""

from __future__ import annotations

import json

import pytest

from bot.config import Settings
from storage.db import Database
from tests.conftest import serving
from tests.unavailable import unavailable_database_url

from .conftest import TeamsBotUnderTest, personal_message
from .standins import APP_ID, APP_PASSWORD, TENANT, ServerThread


@pytest.fixture
def bot_without_database(tmp_path, stand_in, channel_keys, clock):
    from bot.web.app import create_app

    url = unavailable_database_url(tmp_path)
    settings = Settings(database_url=url, organisation="testkommun", default_locale="sv",
                        teams_app_id=APP_ID, teams_app_password=APP_PASSWORD, teams_tenant_id=TENANT,
                        teams_authority=stand_in.authority, teams_openid_metadata_url=stand_in.metadata_url)
    app = create_app(serving(settings, clock, Database(url)))
    server = ServerThread(app).start()
    yield TeamsBotUnderTest(server.url, stand_in, channel_keys["msteams"], app)
    server.stop()


@pytest.mark.parametrize("locale, expected", [
    ("sv-SE", "Idén kunde inte sparas just nu – försök igen om en stund."),
    ("en-GB", "Your idea could not be saved just now – please try again in a moment."),
])
def test_an_idea_sent_while_the_database_is_down_is_said_to_be_not_saved(bot_without_database: TeamsBotUnderTest,
                                                                        locale: str, expected: str) -> None:
    activity = personal_message(bot_without_database.stand_in.service_url, "idé Snöröjning på gångvägar",
                                locale=locale)

    assert bot_without_database.post(activity).status_code == 200  # not a 500: Teams gets its answer

    (reply,) = bot_without_database.stand_in.wait_for(1)
    said = json.dumps(reply.body, ensure_ascii=False)
    assert expected in said
    assert "förlorat" not in said and "Nothing was lost" not in said
