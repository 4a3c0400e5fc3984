"""The platform senders a process outside the web app needs (the CLI, `idesluss scheduler`).

Imported lazily: Slack only when SLACK_BOT_TOKEN is set, Teams only when TEAMS_APP_ID is set, and the
shell's printing sender always, so `shell:` people get their digests and nudges in the terminal.
"""

from __future__ import annotations

import sys
from typing import TextIO

from bot.config import Settings
from bot.core.delivery import Sender
from storage.db import Database


def build_senders(settings: Settings, db: Database, out: TextIO | None = None) -> dict[str, Sender]:
    from bot.shell import ShellSender

    senders: dict[str, Sender] = {"shell": ShellSender(out or sys.stdout)}
    if settings.slack_bot_token:
        from bot.slack.client import make_web_client
        from bot.slack.sender import SlackSender

        senders["slack"] = SlackSender(make_web_client(settings, retry_rate_limits=False))
    if settings.teams_app_id:
        from bot.teams.sender import TeamsSender

        senders["teams"] = TeamsSender.from_settings(settings, db)
    return senders

