"""`POST /slack/events`: the one Request URL for events, commands, interactivity and shortcuts.

The signature is checked over the raw bytes *before* anything is parsed, with the 5-minute window
Slack prescribes: a forged, unsigned or replayed request gets 401 and reaches no listener. A correctly
signed body that is not what Slack sends (bad JSON, a `payload` that is not an object) gets 400.
Bolt checks the signature again; that costs one HMAC and keeps Bolt safe if used without this route.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from urllib.parse import parse_qs

from slack_bolt.adapter.starlette.async_handler import to_async_bolt_request, to_starlette_response
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

MAX_BODY = 1_000_000  # Slack's largest payloads (big modals) are far below this


def well_formed(body: bytes, content_type: str) -> bool:
    """Whether the body has Slack's shape: a JSON object (Events API) or a form whose `payload`, if any,
    is a JSON object (interactivity). Slash commands are plain forms."""
    try:
        text = body.decode("utf-8")
        if "application/json" in content_type:
            return isinstance(json.loads(text), dict)
        form = parse_qs(text, keep_blank_values=True, strict_parsing=bool(text))
    except ValueError:
        return False
    if not form:
        return False
    if "payload" in form:
        try:
            return isinstance(json.loads(form["payload"][0]), dict)
        except ValueError:
            return False
    return True


def slack_routes(app: AsyncApp, signing_secret: str, *, clock: Callable[[], float] = time.time,
                 path: str = "/slack/events") -> list[Route]:
    verifier = SignatureVerifier(signing_secret, clock=_Clock(clock))

    async def slack_events(request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_BODY:
            return JSONResponse({"error": "too large"}, status_code=413)
        if not verifier.is_valid_request(body, dict(request.headers)):
            return JSONResponse({"error": "invalid request"}, status_code=401)
        if not well_formed(body, request.headers.get("content-type", "")):
            return JSONResponse({"error": "malformed body"}, status_code=400)
        bolt_response = await app.async_dispatch(to_async_bolt_request(request, body))
        return to_starlette_response(bolt_response)

    return [Route(path, slack_events, methods=["POST"], name="slack_events")]


class _Clock:
    """slack_sdk's verifier asks a clock object for `now()`; tests inject theirs."""

    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now

    def now(self) -> float:
        return self._now()
