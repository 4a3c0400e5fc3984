"""Ending challenges: once a challenge's last day has passed in its organisation's time zone, it is closed and
its owner's summary enqueued (bot.core.challenges.close, once: a second run or a second replica finds it closed).
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.config import Settings
from bot.core.challenge_messages import close, local_today
from bot.core.i18n import language
from storage import challenges as store
from storage.db import Database
from storage.models import Organisation, as_utc

log = logging.getLogger(__name__)


def close_ended(db: Database, settings: Settings, *, now: datetime) -> int:
    """Close every open challenge whose last day is over; returns how many were closed now."""
    now = as_utc(now)
    closed = 0
    with db.session() as session:
        for challenge in store.open_challenges(session):
            org = session.get(Organisation, challenge.org_id)
            today = local_today(now, (org.timezone if org else None) or settings.timezone)
            if challenge.ends_on >= today:
                continue
            if close(session, challenge, default_lang=language(settings.default_locale), now=now) is not None:
                log.info("challenge #%s ended: summary enqueued", challenge.id)
                closed += 1
    return closed
