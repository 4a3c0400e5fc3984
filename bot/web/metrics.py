"""Prometheus metrics for the web process.

Each app gets its own registry (tests build many apps in one process; the global registry would refuse
the second set of metric names). Routes are labelled by their template, never by raw path, so a scan of
random URLs cannot blow up the number of series.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("idesluss_http_requests", "HTTP requests handled, by route and status.",
                                ["route", "method", "status"], registry=self.registry)
        self.latency = Histogram("idesluss_http_request_duration_seconds", "Time to answer an HTTP request.",
                                 ["route"], registry=self.registry,
                                 buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 3.0, 5.0, 10.0))
        self.ideas_captured = Counter("idesluss_ideas_captured", "Ideas captured, by source platform.",
                                      ["source"], registry=self.registry)
        self.errors = Counter("idesluss_errors", "Errors, by where they happened.", ["where"],
                              registry=self.registry)

    def observe(self, event: str, platform: str) -> None:
        """The core's events (bot.core.service.Core.observers): each new idea counted once, whatever platform."""
        if event == "captured":
            self.ideas_captured.labels(source=platform).inc()

    def error(self, where: str) -> None:
        self.errors.labels(where=where).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Counts and times every request; unknown paths are folded into one `other` route."""

    def __init__(self, app: ASGIApp, metrics: Metrics, routes: Iterable[str]) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = set(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route = scope["path"] if scope["path"] in self.routes else "other"
        status = 500
        started = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            self.metrics.latency.labels(route=route).observe(time.perf_counter() - started)
            self.metrics.requests.labels(route=route, method=scope["method"], status=str(status)).inc()
            if status >= 500:
                self.metrics.error("http")
