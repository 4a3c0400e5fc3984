"""manifest.yaml imports as-is: it validates against Slack's published manifest schema and names
exactly what the app listens to."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import yaml

from bot.slack.app import IDEA_COMMAND, SAVE_AS_IDEA
from bot.slack.oauth import BOT_SCOPES
from tests.slack.conftest import DATA

MANIFEST = Path(__file__).parents[2] / "manifest.yaml"
# A copy of slackapi/manifest-schema (MIT); ../shared/reference/ holds the original.
SCHEMA = DATA / "slack-manifest.schema.1.0.0.json"


def manifest() -> dict[str, Any]:
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))


def test_manifest_validates_against_slacks_manifest_schema():
    import json

    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(manifest()), key=str)

    assert errors == []


def test_manifest_commands_are_the_ones_the_app_answers_with_swedish_descriptions():
    commands = manifest()["features"]["slash_commands"]

    assert [c["command"] for c in commands] == ["/idé", "/idea"]
    assert all(IDEA_COMMAND.match(c["command"]) for c in commands)
    assert all(c["url"].endswith("/slack/events") and c["usage_hint"] for c in commands)
    assert "idé" in commands[0]["description"].lower()


def test_manifest_shortcut_events_and_minimal_scopes():
    data = manifest()
    (shortcut,) = data["features"]["shortcuts"]

    assert (shortcut["name"], shortcut["type"], shortcut["callback_id"]) == ("Spara som idé", "message", SAVE_AS_IDEA)
    assert sorted(data["settings"]["event_subscriptions"]["bot_events"]) == [
        "app_home_opened", "app_mention", "app_uninstalled", "message.im", "reaction_added", "reaction_removed",
        "tokens_revoked"]
    assert [u.rsplit("/", 2)[-2:] for u in data["oauth_config"]["redirect_urls"]] == [["slack", "oauth_redirect"]]
    assert sorted(data["oauth_config"]["scopes"]["bot"]) == [
        "app_mentions:read", "chat:write", "commands", "files:write", "im:history", "reactions:read",
    ] == sorted(BOT_SCOPES)
    assert data["features"]["app_home"]["home_tab_enabled"] and data["features"]["app_home"]["messages_tab_enabled"]
    assert data["settings"]["interactivity"]["is_enabled"] is True
    assert data["settings"]["socket_mode_enabled"] is False
