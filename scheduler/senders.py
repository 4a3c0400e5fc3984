"""The platform senders a process outside the web app needs (the CLI, `idesluss scheduler`).

Imported lazily: Slack only when SLACK_BOT_TOKEN is set, Teams only when TEAMS_APP_ID is set, and the
shell's printing sender always, so `shell:` people get their digests and nudges in the terminal.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import TextIO

from bot.config import Settings
from bot.core.delivery import Sender
from storage.db import Database


def slack_client_for_dispatch(settings: Settings):  # type: ignore[no-untyped-def]
    """The shared Slack client without its 429 retry handler: the dispatcher pauses the workspace itself
    (sleeping inside one request would hide the limit from every other send in flight)."""
    from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler

    from bot.slack.client import make_web_client

    client = make_web_client(settings)
    client.retry_handlers = [h for h in client.retry_handlers if not isinstance(h, AsyncRateLimitErrorRetryHandler)]
    return client


def build_senders(settings: Settings, db: Database, out: TextIO | None = None) -> dict[str, Sender]:
    from bot.shell import ShellSender

    senders: dict[str, Sender] = {"shell": ShellSender(out or sys.stdout)}
    if settings.slack_bot_token:
        from bot.slack.sender import SlackSender

        senders["slack"] = SlackSender(slack_client_for_dispatch(settings))
    if settings.teams_app_id:
        from bot.teams.sender import TeamsSender

        senders["teams"] = TeamsSender.from_settings(settings, db)
    return senders


def for_dispatch(settings: Settings, senders: Mapping[str, Sender]) -> dict[str, Sender]:
    """The web app's senders, with Slack's client swapped for one that lets a 429 reach the dispatcher."""
    result = dict(senders)
    if "slack" in result and settings.slack_bot_token:
        from bot.slack.sender import SlackSender

        result["slack"] = SlackSender(slack_client_for_dispatch(settings))
    return result
