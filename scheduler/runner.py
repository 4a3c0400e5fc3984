"""The scheduler: APScheduler 3.x jobs for nudges, digests, reminders, the feedback ladder, retention and the
outbox, in one process.

Several 3.x processes sharing a job store run jobs twice, so every replica keeps its jobs in memory and a
lease row decides which one acts: a job body runs only while this process holds (and renews) the lease.
Jobs are idempotent anyway (outbox keys), so a lease handover at the wrong moment costs nothing twice.

Triggers name their days (`day_of_week="mon"`; crontab numbers mean something else in 3.x), carry an
explicit time zone, coalesce, and have a misfire grace of at least 15 minutes. A digest missed during
downtime is sent once on start; a nudge missed by more than the grace is skipped, not sent late.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.config import Settings
from bot.core.clock import Clock
from bot.core.retention import apply_retention
from scheduler.challenges import close_ended
from scheduler.digests import build_digests, digest_moment
from scheduler.dispatcher import Dispatcher
from scheduler.feedback import remind
from scheduler.nudges import send_nudge, send_reminders
from scheduler.triggers import previous_fire, weekly_trigger
from storage import audit, lease
from storage.db import Database
from storage.groups import all_groups
from storage.models import PilotGroup, as_utc

log = logging.getLogger(__name__)
LEASE_NAME = "scheduler"
TICK_SECONDS = 2.0


def group_trigger(group: PilotGroup) -> CronTrigger:
    return weekly_trigger(group.schedule_day, group.schedule_time, group.timezone)


def digest_trigger(settings: Settings) -> CronTrigger:
    return weekly_trigger(settings.digest_day, settings.digest_time, settings.timezone)


def feedback_trigger(settings: Settings) -> CronTrigger:
    """Every working morning (holidays are skipped by the ladder itself)."""
    return weekly_trigger("mon-fri", settings.feedback_time, settings.timezone)


def retention_trigger(settings: Settings) -> CronTrigger:
    """Every day at IDESLUSS_RETENTION_TIME, local time (night by default: nobody waits on it)."""
    hour, minute = (int(x) for x in settings.retention_time.split(":", 1))
    return CronTrigger(hour=hour, minute=minute, timezone=ZoneInfo(settings.timezone))


class SchedulerService:
    """The jobs of one process. The composition root hands it the dispatcher (with the platforms' senders)
    and the clock; the scheduler never builds a platform itself."""

    def __init__(self, settings: Settings, db: Database, dispatcher: Dispatcher, *, clock: Clock,
                 holder: str | None = None) -> None:
        self.settings = settings
        self.db = db
        self.clock = clock
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.dispatcher = dispatcher
        self.grace = max(900, settings.scheduler_misfire_grace_seconds)
        self.scheduler: BackgroundScheduler | None = None
        self._dispatch_lock = threading.Lock()
        self._leading = False
        self._dispatching: threading.Thread | None = None  # the dispatcher's own loop, once started
        self._stop_dispatching = threading.Event()
        # One event loop for every dispatch: the senders' HTTP sessions (aiohttp, httpx) belong to a loop and
        # are reused across ticks instead of being opened and abandoned every two seconds.
        self._loop = asyncio.new_event_loop()

    # -- the lease ----------------------------------------------------------------------------------------

    def is_leader(self, now: datetime | None = None) -> bool:
        """Take or renew the lease; only the holder acts."""
        with self.db.session() as session:
            return lease.try_acquire(session, LEASE_NAME, self.holder, now=now or self.clock.now(),
                                     duration=timedelta(seconds=self.settings.scheduler_lease_seconds))

    def keep_lease(self, now: datetime | None = None) -> bool:
        """Renew the lease on its own schedule (a long send must not let it lapse), and catch up on what a
        scheduled job skipped while another replica held it: a digest or nudge that fired during the
        handover would otherwise be lost for the week."""
        now = now or self.clock.now()
        leading = self.is_leader(now)
        if leading and not self._leading:
            log.info("scheduler lease taken by %s: catching up", self.holder)
            self.catch_up(now, dispatch=False)  # the tick sends what it enqueued
        self._leading = leading
        return leading

    # -- job bodies (also called directly by tests with a controlled clock) --------------------------------

    def dispatch(self) -> None:
        """Send what is due now. Once `start` runs the dispatcher's own loop, that loop sends it (within a
        second); before (tests, `scheduler --once`) it is sent here and now."""
        if self._dispatching is not None:
            return
        with self._dispatch_lock:
            self._loop.run_until_complete(self.dispatcher.drain(max_wait=0))

    def tick(self, now: datetime | None = None) -> None:
        if self.is_leader(now or self.clock.now()):
            self.dispatch()

    def start_dispatching(self) -> None:
        """The dispatcher's loop, in a thread of its own and in every process that runs the scheduler (not only
        the lease holder's): several dispatchers share the outbox by workspace (scheduler/dispatcher.py)."""
        if self._dispatching is not None:
            return
        self._stop_dispatching.clear()

        def run() -> None:
            with self._dispatch_lock:
                try:
                    self._loop.run_until_complete(self.dispatcher.serve(self._stop_dispatching))
                except Exception:
                    log.exception("outbox dispatcher stopped")

        self._dispatching = threading.Thread(target=run, name="outbox-dispatcher", daemon=True)
        self._dispatching.start()

    def stop_dispatching(self) -> None:
        if self._dispatching is None:
            return
        self._stop_dispatching.set()
        self._dispatching.join(timeout=60)
        self._dispatching = None

    def run_reminders(self, now: datetime | None = None) -> None:
        now = now or self.clock.now()
        if self.is_leader(now):
            send_reminders(self.db, self.settings, now=now)

    def run_challenges(self, now: datetime | None = None) -> None:
        """Challenges whose last day is over: closed, their summaries sent."""
        now = now or self.clock.now()
        if self.is_leader(now) and close_ended(self.db, self.settings, now=now):
            self.dispatch()

    def run_digest(self, now: datetime | None = None) -> None:
        now = now or self.clock.now()
        if self.is_leader(now):
            run = build_digests(self.db, self.settings, now=now)
            log.info("digests for %s: %d enqueued, %d already sent", run.week, run.enqueued, run.already_sent)
            self.dispatch()

    def run_feedback(self, now: datetime | None = None) -> None:
        now = now or self.clock.now()
        if self.is_leader(now):
            run = remind(self.db, self.settings, now=now)
            log.info("feedback ladder: %s", run.held_back or f"{run.steps} rungs, {run.messages} messages")
            self.dispatch()

    def run_nudge(self, group_id: int, now: datetime | None = None) -> None:
        now = now or self.clock.now()
        if self.is_leader(now):
            outcome = send_nudge(self.db, self.settings, group_id, now=now)
            log.info("nudge for group %s: %s", outcome.group, outcome.held_back or f"{outcome.enqueued} enqueued")
            self.dispatch()

    def run_retention(self, now: datetime | None = None) -> None:
        now = now or self.clock.now()
        if self.is_leader(now):
            report = apply_retention(self.db, self.settings, now=now, via=audit.SCHEDULER)
            log.info("retention: %s", "; ".join(report.lines()))

    def retention_due(self, now: datetime) -> bool:
        """A day has passed since the last retention run (or there was none): downtime skips no day's purge."""
        with self.db.session() as session:
            last = audit.last_at(session, audit.RETENTION_RUN)
        return last is None or as_utc(last) <= now - timedelta(days=1)

    def catch_up(self, now: datetime | None = None, *, dispatch: bool = True) -> None:
        """After downtime or a handover: this week's digest if its time has passed (a rerun enqueues
        nothing new); a nudge only within the grace (send_nudge is idempotent per group and day)."""
        now = as_utc(now or self.clock.now())
        if not self.is_leader(now):
            return
        local_today = now.astimezone(ZoneInfo(self.settings.timezone)).date()
        if now >= digest_moment(self.settings, local_today):
            build_digests(self.db, self.settings, now=now)
        if previous_fire(feedback_trigger(self.settings), now, timedelta(hours=12)) is not None:
            remind(self.db, self.settings, now=now)  # this morning's ladder (a rerun takes no rung twice)
        with self.db.session() as session:
            groups = all_groups(session)
        for group in groups:
            fired = previous_fire(group_trigger(group), now, timedelta(seconds=self.grace))
            if fired is not None:
                send_nudge(self.db, self.settings, group.id, now=fired)
        if self.retention_due(now):
            apply_retention(self.db, self.settings, now=now, via=audit.SCHEDULER)
        if dispatch:
            self.dispatch()

    # -- APScheduler wiring ---------------------------------------------------------------------------------

    def sync_group_jobs(self) -> None:
        """Groups are created from the CLI in another process: pick up new or changed schedules."""
        if self.scheduler is None:
            return
        with self.db.session() as session:
            groups = all_groups(session)
        wanted = {f"nudge:{g.id}:{g.schedule_day}:{g.schedule_time}:{g.timezone}": g for g in groups}
        for job in self.scheduler.get_jobs():
            if job.id.startswith("nudge:") and job.id not in wanted:
                job.remove()
        for job_id, group in wanted.items():
            if self.scheduler.get_job(job_id) is None:
                self.scheduler.add_job(self.run_nudge, group_trigger(group), args=[group.id], id=job_id)

    def start(self) -> SchedulerService:
        logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)  # a line per tick is noise
        self.scheduler = BackgroundScheduler(
            timezone=ZoneInfo(self.settings.timezone),
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": self.grace})
        lease_every = max(1.0, self.settings.scheduler_lease_seconds / 3)
        # First the lease (catching up once it is taken, right away on start), then the rest.
        # APScheduler fires on the machine's wall clock, not the injected one: "right away" must be its own now
        # (a test clock months in the past made the first run a misfire, skipped, and the lease waited 20 s).
        self.scheduler.add_job(self.keep_lease, IntervalTrigger(seconds=lease_every), id="lease",
                               next_run_time=datetime.now(ZoneInfo(self.settings.timezone)))
        # The tick takes the lease within seconds (as it always did) and sends what is due whenever the
        # dispatcher's own loop is not running; while it runs, the loop sends.
        self.scheduler.add_job(self.tick, IntervalTrigger(seconds=TICK_SECONDS), id="tick")
        self.start_dispatching()
        self.scheduler.add_job(self.run_reminders, IntervalTrigger(minutes=1), id="reminders")
        self.scheduler.add_job(self.run_challenges, IntervalTrigger(minutes=5), id="challenges")
        self.scheduler.add_job(self.run_digest, digest_trigger(self.settings), id="digest")
        self.scheduler.add_job(self.run_feedback, feedback_trigger(self.settings), id="feedback")
        self.scheduler.add_job(self.run_retention, retention_trigger(self.settings), id="retention")
        self.scheduler.add_job(self.sync_group_jobs, IntervalTrigger(minutes=1), id="groups")
        self.sync_group_jobs()
        self.scheduler.start()
        log.info("scheduler started as %s", self.holder)
        return self

    def shutdown(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=True)
            self.scheduler = None
        self.stop_dispatching()
        with self.db.session() as session:
            lease.release(session, LEASE_NAME, self.holder, now=self.clock.now())
        with self._dispatch_lock:
            self._loop.close()

