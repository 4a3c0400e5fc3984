"""The ASGI app behind `idesluss serve`: Slack's Request URL, health, metrics, and Teams' place.

Slack's route is mounted only when both SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN are set, so a bare
install (or a Teams-only one) still starts and answers /healthz. Socket Mode runs the same Bolt app over
a websocket on this process's event loop; /healthz and /metrics stay on the HTTP port.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.config import Settings
from bot.core.delivery import Sender
from bot.web.logs import RequestIdMiddleware
from bot.web.metrics import Metrics, MetricsMiddleware
from storage.db import Database

log = logging.getLogger("idesluss.web")
HEALTH_TIMEOUT = 3.0


def slack_http_configured(settings: Settings) -> bool:
    return bool(settings.slack_signing_secret and settings.slack_bot_token)


def create_app(settings: Settings, db: Database | None = None, *, core: Any = None, slack_client: Any = None,
               socket_mode: bool = False, run_scheduler: bool = False, metrics: Metrics | None = None) -> Starlette:
    db = db or Database(settings.database_url)
    if core is None:
        from bot.core import Core

        core = Core(db, settings)
    metrics = metrics or Metrics()
    routes: list[BaseRoute] = []
    senders: dict[str, Sender] = {}
    slack_app = None

    if slack_http_configured(settings) or (socket_mode and settings.slack_bot_token):
        from bot.slack.app import build_slack_app
        from bot.slack.client import make_web_client
        from bot.slack.sender import SlackSender

        slack_client = slack_client or make_web_client(settings)
        slack_app = build_slack_app(settings, core, client=slack_client, on_captured=metrics.captured,
                                    on_error=metrics.error)
        senders["slack"] = SlackSender(make_web_client(settings, retry_rate_limits=False))
        if slack_http_configured(settings):
            from bot.slack.http import slack_routes

            routes += slack_routes(slack_app, settings.slack_signing_secret or "", on_error=metrics.error)

    # --- Teams (bot/teams/**): POST /api/messages and its sender go here, one import and one line each ---
    if settings.teams_app_id:  # Teams only when configured; also registers senders["teams"]
        from bot.teams.endpoint import teams_routes
        routes += teams_routes(settings, core, db, senders=senders)
    # --- end Teams ---

    async def healthz(request: Request) -> Response:
        status: dict[str, Any] = {"status": "ok", "database": "ok",
                                  "slack": "socket" if socket_mode and slack_app else "http" if slack_app else "off"}
        try:
            await asyncio.wait_for(asyncio.to_thread(db.ping), HEALTH_TIMEOUT)
        except Exception as error:  # any failure to answer is "not healthy", whatever the driver raised
            log.warning("health check: database did not answer (%s)", type(error).__name__)
            status.update(status="unavailable", database="unavailable")
            return JSONResponse(status, status_code=503)
        return JSONResponse(status)

    async def metrics_endpoint(request: Request) -> Response:
        return Response(metrics.render(), media_type=metrics.content_type)

    routes += [Route("/healthz", healthz, methods=["GET"]), Route("/metrics", metrics_endpoint, methods=["GET"])]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        socket_handler = scheduler = None
        if socket_mode and slack_app is not None and settings.slack_app_token:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            socket_handler = AsyncSocketModeHandler(slack_app, settings.slack_app_token)
            await socket_handler.connect_async()
            log.info("slack: connected over Socket Mode")
        if run_scheduler:
            from scheduler.runner import start_scheduler

            scheduler = await asyncio.to_thread(start_scheduler, settings, db, senders)
        try:
            yield
        finally:
            if scheduler is not None:  # APScheduler waits for running jobs: off the loop
                await asyncio.to_thread(scheduler.shutdown)
            if socket_handler is not None:
                await socket_handler.close_async()

    paths = [route.path for route in routes if isinstance(route, Route)]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(RequestIdMiddleware), Middleware(MetricsMiddleware, metrics=metrics, routes=paths)],
    )
    app.state.settings, app.state.db, app.state.core = settings, db, core
    app.state.metrics, app.state.senders, app.state.slack_app = metrics, senders, slack_app
    return app
