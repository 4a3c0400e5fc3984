"""The programme's figures, computed from storage.figures' aggregates: periods, working days, percentiles.

One `compute` call asks a fixed number of questions (seven) whatever the number of ideas; the working-day
arithmetic runs over grouped rows (one per combination of capture day, answer day and promised day).
Definitions, quotable in a follow-up report, are in docs/figures.md; keep the two in step.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.core.calendar import iso_week, week_start, working_days_between
from bot.core.stages import DECIDED_STAGES, IMPLEMENTED_STAGES
from storage import figures as store
from storage.db import Database
from storage.models import Organisation

DEFAULT_PERIOD = "90d"
PERIOD_WORDS = {"vecka": "week", "week": "week", "månad": "month", "manad": "month", "month": "month",
                "kvartal": "quarter", "quarter": "quarter", "år": "year", "ar": "year", "year": "year"}
_DAYS = re.compile(r"^(\d{1,4})d$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_WEEK = re.compile(r"^(\d{4})-W(0[1-9]|[1-4]\d|5[0-3])$")
_YEAR = re.compile(r"^(\d{4})$")


class BadPeriod(ValueError):
    """A period that is not 90d, 2026-Q4, 2026-11, 2026-W48, 2026, or a word (vecka, månad, kvartal, år)."""


@dataclass(frozen=True, slots=True)
class Period:
    label: str  # "90d", "2026-Q4", "2026-11", "2026-W48", "2026"
    first_day: date  # local, inclusive
    last_day: date  # local, inclusive (today when the period is still running)
    windows: store.Windows
    previous_first_day: date
    previous_last_day: date
    running: bool  # the period has not ended: it is compared with the same length of the one before
    kind: str  # days | week | month | quarter | year

    def as_json(self) -> dict[str, str]:
        return {"label": self.label, "start": self.first_day.isoformat(), "end": self.last_day.isoformat()}

    def previous_json(self) -> dict[str, str]:
        return {"start": self.previous_first_day.isoformat(), "end": self.previous_last_day.isoformat()}


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _calendar(kind: str, day: date) -> tuple[date, date, str]:
    """(first day, first day after, label) of the calendar period of `kind` holding `day`."""
    if kind == "week":
        first = week_start(iso_week(day))
        return first, first + timedelta(days=7), iso_week(day)
    if kind == "month":
        first = day.replace(day=1)
        return first, _add_months(first, 1), f"{day.year}-{day.month:02d}"
    if kind == "quarter":
        first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        return first, _add_months(first, 3), f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    first = date(day.year, 1, 1)
    return first, date(day.year + 1, 1, 1), str(day.year)


def parse_period(text: str | None, now: datetime, timezone: str) -> Period:
    """A period of whole local days ending no later than today. A calendar period still running ends with
    today and is compared with as many days of the period before (month to date against last month to the
    same day)."""
    tz = ZoneInfo(timezone)
    now = now.astimezone(UTC)
    today = now.astimezone(tz).date()
    raw = (text or DEFAULT_PERIOD).strip()
    word = PERIOD_WORDS.get(raw.casefold())
    if (match := _DAYS.match(raw.lower())) is not None:
        days = int(match.group(1))
        if days < 1:
            raise BadPeriod(raw)
        first = today - timedelta(days=days - 1)
        start, prev_start = _midnight(first, tz), _midnight(first - timedelta(days=days), tz)
        windows = store.Windows(start, _midnight(today + timedelta(days=1), tz), prev_start, start)
        return Period(f"{days}d", first, today, windows, first - timedelta(days=days), first - timedelta(days=1),
                      False, "days")
    if word is not None:
        kind, day = word, today
    elif (m := _QUARTER.match(raw.upper())) is not None:
        kind, day = "quarter", date(int(m.group(1)), 3 * int(m.group(2)) - 2, 1)
    elif (m := _MONTH.match(raw)) is not None:
        kind, day = "month", date(int(m.group(1)), int(m.group(2)), 1)
    elif (m := _WEEK.match(raw.upper())) is not None:
        kind = "week"
        try:
            day = date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
        except ValueError as exc:
            raise BadPeriod(raw) from exc
    elif (m := _YEAR.match(raw)) is not None:
        kind, day = "year", date(int(m.group(1)), 1, 1)
    else:
        raise BadPeriod(raw)
    first, after, label = _calendar(kind, day)
    if first > today:
        raise BadPeriod(raw)
    prev_first, prev_after, _ = _calendar(kind, first - timedelta(days=1))
    start, prev_start = _midnight(first, tz), _midnight(prev_first, tz)
    running = after > today
    until = _midnight(today + timedelta(days=1), tz) if running else _midnight(after, tz)  # whole local days
    prev_until = min(prev_start + (until - start), _midnight(prev_after, tz))
    last_day = today if running else after - timedelta(days=1)
    prev_last = (prev_first + (last_day - first)) if running else prev_after - timedelta(days=1)
    return Period(label, first, last_day, store.Windows(start, until, prev_start, prev_until), prev_first,
                  min(prev_last, prev_after - timedelta(days=1)), running, kind)


@dataclass(slots=True)
class Figures:
    """The key figures of one window. Rates are fractions (0.81), None when there is nothing to divide."""

    ideas: int = 0
    ideas_per_100: float | None = None
    participants: int = 0
    participation_rate: float | None = None
    answered: int = 0  # ideas with first feedback
    promised_decided: int = 0  # ideas whose promise is decided (answered, or the day has passed)
    in_time: int = 0
    first_feedback_in_time_rate: float | None = None
    median_days_to_first_feedback: float | None = None
    p90_days_to_first_feedback: float | None = None
    overdue: int = 0
    decided: int = 0
    implemented: int = 0
    implemented_rate: float | None = None
    nudges_sent: int = 0
    nudges_answered: int = 0
    nudge_answer_rate: float | None = None


@dataclass(slots=True)
class Report:
    scope: str  # "organisation", "group", "unit"
    scope_name: str
    period: Period
    current: Figures
    previous: Figures
    headcount: int | None  # the denominator of per-100 and participation
    headcount_source: str  # setting | environment | people_known | members | none
    stages: dict[str, int] = field(default_factory=dict)  # stage -> ideas of the period
    buckets: list[tuple[str, int, float | None]] = field(default_factory=list)  # (label, ideas, in-time rate)

    def as_json(self) -> dict[str, object]:
        data: dict[str, object] = {"scope": self.scope, "scope_name": self.scope_name,
                                   "period": self.period.as_json(), "previous_period": self.period.previous_json(),
                                   "headcount": self.headcount, "headcount_source": self.headcount_source}
        data.update(asdict(self.current))
        data["previous"] = asdict(self.previous)
        data["stages"] = dict(self.stages)
        return data


def median(values: list[tuple[int, int]]) -> float | None:
    """The median of a histogram [(value, count)]: the middle value, or the mean of the two middle ones."""
    total = sum(n for _, n in values)
    if not total:
        return None
    ordered = sorted(values)

    def nth(k: int) -> int:  # the k-th smallest value, 0-based
        seen = 0
        for value, n in ordered:
            seen += n
            if k < seen:
                return value
        return ordered[-1][0]

    return nth((total - 1) // 2) if total % 2 else (nth(total // 2 - 1) + nth(total // 2)) / 2


def percentile(values: list[tuple[int, int]], p: float) -> float | None:
    """The nearest-rank percentile of a histogram: the smallest value with at least p % of the ideas at or below."""
    total = sum(n for _, n in values)
    if not total:
        return None
    rank = max(1, math.ceil(p / 100 * total))
    seen = 0
    for value, n in sorted(values):
        seen += n
        if seen >= rank:
            return float(value)
    return None


def _rate(part: int, whole: int | None) -> float | None:
    return part / whole if whole else None


def _bucket(day: date, kind: str, days: int) -> str:
    if kind in ("week",) or (kind == "days" and days <= 14):
        return day.isoformat()
    if kind in ("month", "quarter") or (kind == "days" and days <= 120):
        return iso_week(day)
    return f"{day.year}-{day.month:02d}"


def compute(session: Session, org: Organisation, scope: store.Scope, period: Period, *, timezone: str, now: datetime,
            headcount_fallback: int | None = None, scope_name: str = "", headline_only: bool = False) -> Report:
    """Every key figure of the period and the one before, for `scope`, in seven queries; `headline_only`
    (the digest's line: ideas, within the promise, working days, overdue) in two."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    w = period.windows
    rows = store.idea_days(session, scope, w, timezone, now)
    overdue_now, overdue_then = store.overdue(session, scope, today=today, at=w.start, at_day=period.first_day)
    people: dict[int, int] = {}
    decided: dict[int, dict[str, int]] = {0: {}, 1: {}}
    stages: dict[str, int] = {}
    nudges: dict[int, tuple[int, int]] = {}
    if not headline_only:
        people = store.participants(session, scope, w)
        decided = store.decided(session, scope, w, DECIDED_STAGES)
        stages = store.stages(session, scope, w)
        nudges = store.nudge_answers(session, scope, w) if scope.unit is None else {}
    if headline_only or scope.unit is not None:
        headcount, source = None, "none"
    elif scope.groups:
        headcount, source = store.people_known(session, scope), "members"
    elif org.headcount:
        headcount, source = org.headcount, "setting"
    elif headcount_fallback:
        headcount, source = headcount_fallback, "environment"
    else:
        headcount, source = store.people_known(session, scope), "people_known"

    return _report(org, scope, period, today, rows, (overdue_now, overdue_then), people, decided, stages, nudges,
                   headcount, source, scope_name)


def headlines(session: Session, org: Organisation, period: Period, *, groups: Iterable[int], timezone: str,
              now: datetime) -> dict[frozenset[int], Report]:
    """The digest's headline figures (`compute(..., headline_only=True)`) of the whole organisation (key: the
    empty set) and of each of its pilot `groups` (key: that group alone), in a fixed number of queries whatever
    the number of groups or group-scoped managers."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    w = period.windows
    whole = store.idea_days(session, store.Scope(org.id), w, timezone, now)
    rows = store.idea_days_by_group(session, org.id, w, timezone, now)
    late_whole, late = store.overdue_by_group(session, org.id, today=today, at=w.start, at_day=period.first_day)

    def report(scope: store.Scope, days: list[store.DayRow], overdue: tuple[int, int]) -> Report:
        return _report(org, scope, period, today, days, overdue, {}, {0: {}, 1: {}}, {}, {}, None, "none", "")

    reports = {frozenset(): report(store.Scope(org.id), whole, late_whole)}
    for g in groups:
        reports[frozenset({g})] = report(store.Scope(org.id, groups=frozenset({g})), rows.get(g, []),
                                         late.get(g, (0, 0)))
    return reports


def _report(org: Organisation, scope: store.Scope, period: Period, today: date, rows: list[store.DayRow],
            overdue: tuple[int, int], people: dict[int, int], decided: dict[int, dict[str, int]],
            stages: dict[str, int], nudges: dict[int, tuple[int, int]], headcount: int | None, source: str,
            scope_name: str) -> Report:
    """The figures from the aggregates: working days and percentiles over the grouped rows."""
    overdue_now, overdue_then = overdue
    figures = {1: Figures(), 0: Figures()}
    histograms: dict[int, dict[int, int]] = {1: {}, 0: {}}
    days = (period.last_day - period.first_day).days + 1
    buckets: dict[str, list[int]] = {}
    for row in rows:
        f = figures[row.current]
        f.ideas += row.ideas
        if row.current:
            bucket = buckets.setdefault(_bucket(row.created, period.kind, days), [0, 0, 0])
            bucket[0] += row.ideas
        if row.answered is not None:
            f.answered += row.ideas
            spent = working_days_between(row.created, row.answered)
            histograms[row.current][spent] = histograms[row.current].get(spent, 0) + row.ideas
        if row.due is not None and (row.answered is not None or row.due < today):
            f.promised_decided += row.ideas
            kept = row.answered is not None and row.answered <= row.due
            f.in_time += row.ideas * kept
            if row.current:
                bucket[1] += row.ideas
                bucket[2] += row.ideas * kept
    for current, f in figures.items():
        f.ideas_per_100 = round(100 * f.ideas / headcount, 2) if headcount else None
        f.participants = people.get(current, 0)
        f.participation_rate = _rate(f.participants, headcount)
        f.first_feedback_in_time_rate = _rate(f.in_time, f.promised_decided)
        histogram = list(histograms[current].items())
        f.median_days_to_first_feedback = median(histogram)
        f.p90_days_to_first_feedback = percentile(histogram, 90)
        f.decided = sum(decided[current].values())
        f.implemented = sum(n for stage, n in decided[current].items() if stage in IMPLEMENTED_STAGES)
        f.implemented_rate = _rate(f.implemented, f.decided)
        f.nudges_sent, f.nudges_answered = nudges.get(current, (0, 0))
        f.nudge_answer_rate = _rate(f.nudges_answered, f.nudges_sent)
    figures[1].overdue, figures[0].overdue = overdue_now, overdue_then
    kind = "unit" if scope.unit is not None else "group" if scope.groups else "organisation"
    return Report(kind, scope_name or scope.unit or org.name or org.key, period, figures[1], figures[0], headcount,
                  source, stages, [(label, b[0], _rate(b[2], b[1])) for label, b in sorted(buckets.items())])


def organisation_figures(db: Database, timezone: str, now: datetime, headcount: int | None) -> list[dict[str, object]]:
    """Every organisation's key figures of the default period (the /metrics gauges): seven queries each."""
    period = parse_period(DEFAULT_PERIOD, now, timezone)
    with db.session() as session:
        return [{"organisation": org.key, **compute(session, org, store.Scope(org.id), period, timezone=timezone,
                                                    now=now, headcount_fallback=headcount).as_json()}
                for org in session.exec(select(Organisation).order_by(col(Organisation.id))).all()]
