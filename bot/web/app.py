"""The ASGI app behind `idesluss serve`: it mounts what the runtime's platforms serve, plus health and metrics.

The runtime (bot/app.py) decides which platforms exist: a bare install (or a Teams-only one) still starts
and answers /healthz. Socket Mode runs the same Bolt app over a websocket on this process's event loop
(its platform's start-up hook); /healthz and /metrics stay on the HTTP port.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.web.logs import RequestIdMiddleware
from bot.web.metrics import MetricsMiddleware
from storage.health import write_problem

if TYPE_CHECKING:
    from bot.app import Runtime

log = logging.getLogger("idesluss.web")
HEALTH_TIMEOUT = 3.0


def _reason(error: BaseException) -> str:
    """Why the database did not answer, for the probe: the kind of failure only (the driver's message, which
    may name hosts, goes to the log)."""
    if isinstance(error, TimeoutError):
        return f"no answer within {HEALTH_TIMEOUT:.0f} s"
    return f"no answer ({type(getattr(error, 'orig', None) or error).__name__})"


def create_app(runtime: Runtime, *, run_scheduler: bool = False) -> Starlette:
    """Mount what the runtime's platforms serve, plus /healthz and /metrics. Nothing is built here."""
    db, metrics = runtime.db, runtime.metrics
    routes: list[BaseRoute] = [route for platform in runtime.platforms.values() for route in platform.routes]
    slack = runtime.platforms.get("slack")
    slack_mode = slack.mode if slack is not None and slack.mode in ("http", "socket") else "off"

    async def healthz(request: Request) -> Response:
        """200 when the database answers and takes a write; 503 with the reason when it does not answer
        ("unavailable") or answers but cannot be written ("unwritable": a full disk, a read-only PostgreSQL).
        One upsert of a single heartbeat row per probe (storage/health.py)."""
        status: dict[str, Any] = {"status": "ok", "database": "ok", "slack": slack_mode}
        try:
            problem = await asyncio.wait_for(asyncio.to_thread(write_problem, db, runtime.clock.now()),
                                             HEALTH_TIMEOUT)
        except Exception as error:  # any failure to answer is "not healthy", whatever the driver raised
            log.warning("health check: database did not answer (%s: %s)", type(error).__name__,
                        str(error).strip().splitlines()[0][:300] if str(error).strip() else "")
            status.update(status="unavailable", database="unavailable", reason=_reason(error))
            return JSONResponse(status, status_code=503)
        if problem is not None:
            log.warning("health check: the database cannot be written: %s", problem)
            status.update(status="unavailable", database="unwritable", reason=problem)
            return JSONResponse(status, status_code=503)
        return JSONResponse(status)

    async def metrics_endpoint(request: Request) -> Response:
        # The figures' gauges ask the database (cached): off the event loop.
        return Response(await asyncio.to_thread(metrics.render), media_type=metrics.content_type)

    routes += [Route("/healthz", healthz, methods=["GET"]), Route("/metrics", metrics_endpoint, methods=["GET"])]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        scheduler = None
        for platform in runtime.platforms.values():
            for hook in platform.startup:
                await hook()
        if run_scheduler:
            scheduler = await asyncio.to_thread(lambda: runtime.scheduler().start())
        try:
            yield
        finally:
            if scheduler is not None:  # APScheduler waits for running jobs: off the loop
                await asyncio.to_thread(scheduler.shutdown)
            for platform in runtime.platforms.values():
                for hook in platform.shutdown:
                    await hook()

    paths = [route.path for route in routes if isinstance(route, Route)]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(RequestIdMiddleware), Middleware(MetricsMiddleware, metrics=metrics, routes=paths)],
    )
    app.state.runtime = runtime
    return app
