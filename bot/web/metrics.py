"""Prometheus metrics for the web process.

Each app gets its own registry (tests build many apps in one process; the global registry would refuse
the second set of metric names). Routes are labelled by their template, never by raw path, so a scan of
random URLs cannot blow up the number of series.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
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

    def watch_figures(self, compute: Callable[[], list[dict[str, Any]]], clock: Callable[[], float], *,
                      ttl: float = 60.0) -> None:
        """Expose the programme's key figures (the default 90-day period, per organisation) as gauges,
        computed from the database at scrape time and cached for `ttl` seconds (a constant number of queries
        per organisation, however often Prometheus asks)."""
        self.registry.register(FiguresCollector(compute, clock, ttl))


    def watch_outbox(self, compute: Callable[[], dict[str, int]], clock: Callable[[], float], *,
                     ttl: float = 15.0) -> None:
        """`idesluss_outbox_unknown_outcome_total{platform}`: outbox sends whose outcome was unknown (a timeout
        after the request left: the message may have arrived; retried once). Counted in the database, so every
        replica shows the sends of every dispatcher, cached for `ttl` seconds."""
        self.registry.register(OutboxCollector(compute, clock, ttl))


class OutboxCollector:
    def __init__(self, compute: Callable[[], dict[str, int]], clock: Callable[[], float], ttl: float) -> None:
        self.compute, self.clock, self.ttl = compute, clock, ttl
        self._cached: tuple[float, dict[str, int]] | None = None

    def describe(self) -> list[CounterMetricFamily]:
        return []

    def collect(self) -> Iterator[CounterMetricFamily]:
        now = self.clock()
        if self._cached is None or now - self._cached[0] > self.ttl:
            try:
                self._cached = (now, self.compute())
            except Exception:  # a database hiccup must not break the whole scrape
                self._cached = (now, self._cached[1] if self._cached else {})
        family = CounterMetricFamily("idesluss_outbox_unknown_outcome",
                                     "Outbox sends whose outcome was unknown (timeout after the request left).",
                                     labels=["platform"])
        for platform, n in sorted(self._cached[1].items()):
            family.add_metric([platform], float(n))
        yield family


# (gauge name, JSON field of bot.core.figures.Report, help)
FIGURE_GAUGES = (
    ("idesluss_ideas_received", "ideas", "Ideas received in the last 90 days."),
    ("idesluss_participation_ratio", "participation_rate", "Share of people who submitted an idea, last 90 days."),
    ("idesluss_first_feedback_in_time_ratio", "first_feedback_in_time_rate",
     "Share of decided promises answered on time, ideas of the last 90 days."),
    ("idesluss_first_feedback_median_working_days", "median_days_to_first_feedback",
     "Median working days to first feedback, ideas of the last 90 days."),
    ("idesluss_first_feedback_p90_working_days", "p90_days_to_first_feedback",
     "90th percentile of working days to first feedback, ideas of the last 90 days."),
    ("idesluss_ideas_overdue", "overdue", "Ideas past their promised date without first feedback, now."),
    ("idesluss_implemented_ratio", "implemented_rate", "Share of ideas decided in the last 90 days that were "
                                                       "implemented or spread."),
)


class FiguresCollector:
    def __init__(self, compute: Callable[[], list[dict[str, Any]]], clock: Callable[[], float], ttl: float) -> None:
        self.compute, self.clock, self.ttl = compute, clock, ttl
        self._cached: tuple[float, list[dict[str, Any]]] | None = None

    def describe(self) -> list[GaugeMetricFamily]:
        return []  # nothing at registration: the database is asked only when scraped

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = self.clock()
        if self._cached is None or now - self._cached[0] > self.ttl:
            try:
                self._cached = (now, self.compute())
            except Exception:  # a database hiccup must not break the whole scrape
                self._cached = (now, self._cached[1] if self._cached else [])
        for name, key, help_text in FIGURE_GAUGES:
            family = GaugeMetricFamily(name, help_text, labels=["organisation"])
            for report in self._cached[1]:
                value = report.get(key)
                if value is not None:
                    family.add_metric([str(report["organisation"])], float(value))
            yield family


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
