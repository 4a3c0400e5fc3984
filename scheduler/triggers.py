"""APScheduler triggers for "mon 09:00"-style schedules, and when such a trigger last fired.

Named days (APScheduler 3.x reads crontab day numbers differently: 0 is Monday) and an explicit time
zone. Nudges, digests and their catch-up all build their triggers here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger


def weekly_trigger(day_of_week: str, hh_mm: str, timezone: str) -> CronTrigger:
    hour, minute = (int(x) for x in hh_mm.split(":"))
    return CronTrigger(day_of_week=day_of_week, hour=hour, minute=minute, timezone=ZoneInfo(timezone))


def previous_fire(trigger: CronTrigger, now: datetime, lookback: timedelta) -> datetime | None:
    """The last time `trigger` fired in (now - lookback, now], if any."""
    fire = trigger.get_next_fire_time(None, now - lookback)
    last = None
    while fire is not None and fire <= now:
        last = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return last
