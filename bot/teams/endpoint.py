"""`POST /api/messages`: the one URL Teams calls (the Azure Bot's messaging endpoint).

Order matters: read the body with a bound (413 before an oversized one is read whole: bot/request_body.py),
parse it, check its shape (400: bot/teams/shapes.py), validate the token against the activity, and only then
touch the database or the connector. Invokes are answered in the response; replies to messages go out after it
(Starlette background task), so Teams gets its 200 in milliseconds, far below its 15 s limit.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Protocol

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.request_body import BodyTooLarge, read_bounded
from bot.teams import shapes
from bot.teams.activities import Outcome, TeamsBot
from bot.teams.auth import AuthError
from bot.teams.registrations import Registration

log = logging.getLogger(__name__)

MAX_BODY = 512 * 1024  # activities are a few KB; Teams caps messages near 100 KB


class Authenticator(Protocol):
    """Verifies an activity and says which registration (app id, tenant, connector) it is for."""

    async def authenticate(self, authorization: str | None, activity: dict[str, Any], *,
                           peer: str | None = None) -> Registration: ...


class TeamsEndpoint:
    def __init__(self, bot: TeamsBot, authenticator: Authenticator) -> None:
        self.bot = bot
        self.authenticator = authenticator

    async def handle(self, request: Request) -> Response:
        try:
            body = await read_bounded(request, MAX_BODY)
        except BodyTooLarge as exc:
            log.warning("teams: refused a request body: %s", exc)
            return JSONResponse({"error": "too large"}, status_code=413)
        try:
            activity = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            log.warning("teams: refused a body that is not JSON")
            return JSONResponse({"error": "not json"}, status_code=400)
        if not isinstance(activity, dict):
            log.warning("teams: refused a JSON body that is not an object")
            return JSONResponse({"error": "not an activity"}, status_code=400)
        wrong = shapes.problem(activity)
        if wrong is not None:
            kind = activity.get("type") if isinstance(activity.get("type"), str) else "?"
            log.warning("teams: refused an activity of the wrong shape (%s): %s", kind, wrong)
            return JSONResponse({"error": "malformed activity", "detail": wrong}, status_code=400)
        try:
            peer = request.client.host if request.client else None
            registration = await self.authenticator.authenticate(request.headers.get("authorization"), activity,
                                                                 peer=peer)
        except AuthError as exc:
            log.warning("teams: refused an activity (%s): %s", exc.status_code, exc)
            error = {401: "unauthorized", 403: "forbidden"}.get(exc.status_code, "unavailable")
            return JSONResponse({"error": error}, status_code=exc.status_code)
        outcome = await self.bot.handle(activity, registration)
        return _response(outcome)


def _response(outcome: Outcome) -> Response:
    task = BackgroundTask(_run_followups, outcome) if outcome.followups else None
    if outcome.body is None:
        return Response(status_code=200, background=task)
    return JSONResponse(outcome.body, status_code=200, background=task)


async def _run_followups(outcome: Outcome) -> None:
    for followup in outcome.followups:
        try:
            await followup()
        except Exception:  # a failed reply must not take the app down; the idea is stored already
            log.exception("teams: follow-up failed")
