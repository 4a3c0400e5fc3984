"""The composition root: the one place that builds a running bot from the settings and one clock.

`build_runtime` makes the database, the core, each configured platform (its routes, its sender, its
start-up and shut-down hooks), and hands out the dispatcher and the scheduler built on them. Every entry
point — `serve`, `scheduler`, `shell`, and the CLI commands that send — starts here; nothing else wires
parts together, so a test that builds a runtime with a `ManualClock` runs exactly what production runs.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass, field
from typing import Any, TextIO

from bot.config import Settings
from bot.core import Core
from bot.core.clock import Clock, SystemClock
from bot.core.delivery import Sender
from bot.core.figures import organisation_figures
from bot.platform import Platform
from bot.web.metrics import Metrics
from scheduler.dispatcher import Dispatcher, DispatchResult
from scheduler.runner import SchedulerService
from storage.db import Database, schema_is_current


class SchemaOutOfDate(RuntimeError):
    """PostgreSQL is shared by replicas: only `idesluss db upgrade`, run once per release, migrates it."""

    def __str__(self) -> str:
        return "The database schema is not up to date: run `idesluss db upgrade` first."


def open_database(settings: Settings) -> Database:
    """The configured database, ready to use. SQLite (one process, the embedded default) is created and
    upgraded on the spot; PostgreSQL must already be current, else SchemaOutOfDate."""
    db = Database(settings.database_url)
    if db.dialect == "sqlite":
        db.upgrade()
    elif not schema_is_current(db.engine):
        db.dispose()
        raise SchemaOutOfDate()
    return db


@dataclass
class Runtime:
    settings: Settings
    clock: Clock
    db: Database
    core: Core
    metrics: Metrics
    platforms: dict[str, Platform] = field(default_factory=dict)

    @property
    def senders(self) -> dict[str, Sender]:
        return {name: p.sender for name, p in self.platforms.items() if p.sender is not None}

    def dispatcher(self, *, platforms: list[str] | None = None, worker: str | None = None) -> Dispatcher:
        """A dispatcher over the senders of this runtime (by default every platform it has a sender for)."""
        return Dispatcher.from_settings(self.settings, self.db, self.senders, clock=self.clock,
                                        platforms=platforms, worker=worker)

    def scheduler(self, *, holder: str | None = None) -> SchedulerService:
        service = SchedulerService(self.settings, self.db, self.dispatcher(), clock=self.clock, holder=holder)
        service.dispatcher.worker = service.holder
        return service

    def dispatch_now(self, *, max_wait: float = 120.0, platforms: list[str] | None = None) -> DispatchResult:
        """Send what is due now (an operator's explicit act, or the shell after each line)."""
        return asyncio.run(self.dispatcher(platforms=platforms).drain(max_wait=max_wait))

    def close(self) -> None:
        self.db.dispose()


def _unknown_outcomes(db: Database) -> dict[str, int]:
    from storage.outbox import unknown_outcomes_by_platform

    with db.session() as session:
        return unknown_outcomes_by_platform(session)


def build_runtime(settings: Settings, clock: Clock | None = None, *, serve: bool = False, socket_mode: bool = False,
                  teams_local: bool = False, out: TextIO | None = None, db: Database | None = None,
                  slack_client: Any = None, teams_clients: Any = None) -> Runtime:
    """Build everything a process needs. `serve=True` adds the platforms' inbound side (routes, Socket Mode);
    without it only their senders are built (the CLI and `idesluss scheduler` send, they do not listen).
    `teams_local=True` is `serve --teams-local`: Teams through the Agents Playground, no Azure registration."""
    from bot.shell import shell_platform
    from bot.slack.platform import slack_platform
    from bot.teams.platform import teams_platform

    clock = clock or SystemClock()
    db = db or open_database(settings)
    core = Core(db, settings, clock)
    metrics = Metrics()
    core.observers.append(metrics.observe)
    metrics.watch_figures(lambda: organisation_figures(db, settings.timezone, clock.now(), settings.headcount),
                          clock.monotonic)
    metrics.watch_outbox(lambda: _unknown_outcomes(db), clock.monotonic)
    runtime = Runtime(settings, clock, db, core, metrics)
    built = [
        shell_platform(out or sys.stdout),
        slack_platform(settings, core, serve=serve, socket_mode=socket_mode, client=slack_client,
                       on_error=metrics.error),
        teams_platform(settings, core, db, serve=serve, local=teams_local, clients=teams_clients),
    ]
    runtime.platforms = {p.name: p for p in built if p is not None}
    return runtime
