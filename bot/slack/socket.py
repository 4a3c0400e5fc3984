"""Socket Mode with the same shape check as `/slack/events` (bot/slack/shapes.py), before Bolt sees the body.

Over HTTP a body of the wrong shape gets 400 before the ack. Over Socket Mode there is no HTTP answer, and Bolt's
own middleware fails on some shapes (an `event` that is a string) before any middleware of ours would run, and then
sends no acknowledgement, so Slack would deliver the same broken envelope again. Here it is acknowledged at once,
logged, counted, and goes no further.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.slack import shapes

log = logging.getLogger("idesluss.slack")
KINDS = {"slash_commands": "command", "events_api": "event", "interactive": "interaction"}


class CheckedSocketModeHandler(AsyncSocketModeHandler):
    def __init__(self, app: Any, app_token: str, *, on_error: Callable[[str], None] | None = None) -> None:
        super().__init__(app, app_token)
        self.on_error = on_error

    async def handle(self, client: Any, req: SocketModeRequest) -> None:
        kind = KINDS.get(req.type)
        if kind is not None:
            payload = req.payload
            wrong = shapes.problem(kind, payload) if isinstance(payload, dict) else "payload: not an object"
            if wrong is not None:
                name = payload.get("type") if isinstance(payload, dict) else None
                log.warning("slack: dropped a %s of the wrong shape over Socket Mode (%s): %s", kind,
                            name if isinstance(name, str) else "?", wrong)
                if self.on_error:
                    self.on_error("slack_malformed")
                await client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
                return
        await super().handle(client, req)
