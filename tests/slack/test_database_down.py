"""The database is down: the person is told their idea was not saved and to try again (it was not saved).

Before, the reply said "Inget har gått förlorat" (nothing was lost) while the idea had not been stored.
"""

from __future__ import annotations

import pytest

from bot.web.app import create_app
from storage.db import Database
from tests.conftest import serving
from tests.slack.conftest import AppServer, SlackClient, slack_settings_for
from tests.unavailable import unavailable_database_url


@pytest.fixture
def slack_without_database(tmp_path, standin, clock):
    url = unavailable_database_url(tmp_path)
    settings = slack_settings_for(url, standin)
    with AppServer(create_app(serving(settings, clock, Database(url)))) as server:
        client = SlackClient(server.url, standin, settings)
        yield client
        client.http.close()


def test_an_idea_sent_while_the_database_is_down_is_said_to_be_not_saved(slack_without_database: SlackClient):
    slack = slack_without_database

    assert slack.command("Cykelställ med tak vid resecentrum").status_code == 200  # acked: Slack gets its answer
    (answer,) = slack.standin.wait_for("response_url")

    text = str(answer.args)
    assert "Idén kunde inte sparas just nu – försök igen om en stund." in text
    assert "förlorat" not in text  # never again "nothing was lost" about something that was not kept


def test_another_command_while_the_database_is_down_says_nothing_was_saved(slack_without_database: SlackClient):
    slack = slack_without_database

    slack.command("lista")
    (answer,) = slack.standin.wait_for("response_url")

    assert "inget av det du bad om har sparats. Försök igen om en stund." in str(answer.args)
