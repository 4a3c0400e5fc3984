"""Ideas from Slack leave the system the way other tools expect: source `slack`, author `slack:<user id>`."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.slack.conftest import SlackClient
from tests.slack.test_events import dm


def test_slack_ideas_appear_in_the_json_export_with_source_and_author(slack: SlackClient, database_url):
    slack.command("Exporterbar idé från kommandot", user="U2147483697")
    slack.standin.wait_for("response_url")
    slack.event(dm("idé Exporterbar idé från DM", user="U0TEAMS01"), fixture="event_message_im.json")
    slack.standin.wait_for("chat.postMessage")

    env = {**os.environ, "IDESLUSS_DATABASE_URL": database_url}
    result = subprocess.run([sys.executable, "-m", "bot.cli", "ideas", "export", "--format", "json"], env=env,
                            capture_output=True, text=True, timeout=60, check=True)
    rows = json.loads(result.stdout)

    assert [(r["text"], r["source"], r["author"]) for r in rows] == [
        ("Exporterbar idé från kommandot", "slack", "slack:U2147483697"),
        ("Exporterbar idé från DM", "slack", "slack:U0TEAMS01"),
    ]
