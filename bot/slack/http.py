"""`POST /slack/events`: the one Request URL for events, commands, interactivity and shortcuts.

The signature is checked over the raw bytes *before* anything is parsed, with the 5-minute window
Slack prescribes: a forged, unsigned or replayed request gets 401 and reaches no listener. A correctly
signed body that is not what Slack sends (bad JSON, a `payload` that is not an object, an `event` that is not
an object, a command without `user_id`: bot/slack/shapes.py) gets 400 and a log line, before the ack. The
body is read with a bound (bot/request_body.py): an oversized one gets 413 before it is read whole.
Bolt checks the signature again; that costs one HMAC and keeps Bolt safe if used without this route.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from slack_bolt.adapter.starlette.async_handler import to_async_bolt_request, to_starlette_response
from slack_bolt.async_app import AsyncApp
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.request_body import BodyTooLarge, read_bounded
from bot.slack import shapes

log = logging.getLogger("idesluss.slack")
MAX_BODY = 1_000_000  # Slack's largest payloads (big modals) are far below this
AFTER_RESPONSE = "after_response"  # the Bolt context key listeners wait on before slow work
ACK_DEADLINE = 3.0


class AfterResponse:
    """Set once Slack's HTTP response has been sent. Listeners start their slow work then, so a
    database write in a worker thread never competes with the ack for the interpreter."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def set(self) -> None:
        self._event.set()

    async def wait(self) -> None:
        with contextlib.suppress(TimeoutError):  # never wait longer than Slack would
            await asyncio.wait_for(self._event.wait(), ACK_DEADLINE)

    def __deepcopy__(self, memo: dict[int, Any]) -> AfterResponse:
        return self  # Bolt copies contexts in places; a copy would never be set


def parse_signed(body: bytes, content_type: str) -> tuple[str, dict[str, Any]] | None:
    """What a signed body holds, by Slack's shapes: ("event", a JSON object) for the Events API, ("interaction",
    the `payload` object) for interactivity, ("command", its fields) for a slash command (a plain form); None
    when it is none of them (bad JSON, a `payload` that is not an object, an empty or non-UTF-8 form)."""
    try:
        text = body.decode("utf-8")
        if "application/json" in content_type:
            data = json.loads(text)
            return ("event", data) if isinstance(data, dict) else None
        form = parse_qs(text, keep_blank_values=True, strict_parsing=bool(text))
    except ValueError:
        return None
    if not form:
        return None
    if "payload" in form:
        try:
            payload = json.loads(form["payload"][0])
        except ValueError:
            return None
        return ("interaction", payload) if isinstance(payload, dict) else None
    return "command", {key: values[0] for key, values in form.items()}  # Bolt reads the first of each


class RequestVerifier:
    """Slack's v0 signature over the raw bytes (slack_sdk's verifier decodes the body first, which turns
    a non-UTF-8 body into an exception instead of a 401), with an injectable clock for tests."""

    def __init__(self, signing_secret: str, clock: Callable[[], float] = time.time, tolerance: int = 300) -> None:
        self.secret = signing_secret.encode()
        self.clock = clock
        self.tolerance = tolerance

    def is_valid(self, body: bytes, timestamp: str | None, signature: str | None) -> bool:
        if not timestamp or not signature or not timestamp.isdigit():
            return False
        if abs(self.clock() - int(timestamp)) > self.tolerance:
            return False
        base = b"v0:" + timestamp.encode() + b":" + body
        expected = "v0=" + hmac.new(self.secret, base, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, signature)


def make_verifier(signing_secret: str, clock: Callable[[], float] = time.time) -> RequestVerifier:
    return RequestVerifier(signing_secret, clock)


def rate_limit_notice(body: bytes) -> dict[str, Any] | None:
    """Slack's `app_rate_limited` callback (events are being dropped for a minute): not an event Bolt
    routes, so it is recognised here, logged and acknowledged."""
    if b"app_rate_limited" not in body:
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return data if isinstance(data, dict) and data.get("type") == "app_rate_limited" else None


def _team(data: dict[str, Any]) -> str:
    team = data.get("team_id") or data.get("team")
    team = team.get("id") if isinstance(team, dict) else team
    return team if isinstance(team, str) else "?"


def slack_routes(app: AsyncApp, signing_secret: str, *, clock: Callable[[], float] = time.time,
                 path: str = "/slack/events", on_error: Callable[[str], None] | None = None) -> list[Route]:
    verifier = make_verifier(signing_secret, clock)

    async def slack_events(request: Request) -> Response:
        try:
            body = await read_bounded(request, MAX_BODY)
        except BodyTooLarge as exc:
            log.warning("slack: refused a request body: %s", exc)
            return JSONResponse({"error": "too large"}, status_code=413)
        headers = request.headers
        if not verifier.is_valid(body, headers.get("x-slack-request-timestamp"), headers.get("x-slack-signature")):
            return JSONResponse({"error": "invalid request"}, status_code=401)
        parsed = parse_signed(body, headers.get("content-type", ""))
        if parsed is None:
            log.warning("slack: refused a signed request that is not JSON or a form Slack sends")
            return JSONResponse({"error": "malformed body"}, status_code=400)
        wrong = shapes.problem(*parsed)
        if wrong is not None:
            kind, data = parsed
            log.warning("slack: refused a signed %s of the wrong shape (%s, team %s): %s", kind,
                        data.get("type") if isinstance(data.get("type"), str) else "?", _team(data), wrong)
            if on_error:
                on_error("slack_malformed")
            return JSONResponse({"error": "malformed request", "detail": wrong}, status_code=400)
        notice = rate_limit_notice(body)
        if notice is not None:
            log.warning("slack: events API rate limit reached for team %s (minute %s): events are being dropped",
                        notice.get("team_id"), notice.get("minute_rate_limited"))
            if on_error:
                on_error("slack_events_rate_limited")
            return Response(status_code=200)
        sent = AfterResponse()
        bolt_response = await app.async_dispatch(to_async_bolt_request(request, body, {AFTER_RESPONSE: sent}))
        response = to_starlette_response(bolt_response)
        response.background = BackgroundTask(sent.set)
        return response

    return [Route(path, slack_events, methods=["POST"], name="slack_events")]
