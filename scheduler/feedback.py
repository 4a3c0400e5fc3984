"""The escalation ladder: every working morning, the ideas still without first feedback climb one rung.

For an idea promised an answer by the end of day D (its `feedback_due`):

1. on the morning two working days are left (D and the day before): its responsible coach, or every
   coach when nobody is responsible;
2. on the first working morning after D: every coach and administrator of the organisation — and
   (4) the author gets one honest line, unless the organisation turned that off;
3. on the first working morning five working days after D: the managers whose scope holds the idea.

Each rung happens once per idea (a `feedback_step` row, claimed with INSERT … ON CONFLICT DO NOTHING, so
a rerun, a second replica or `idesluss feedback remind` after the scheduler claims nothing twice). A rung
that is overtaken (rung 1 when rung 2 is already due) is passed over, not sent late. An idea leaves the
ladder at its first feedback. Messages go through the outbox, one per person per day (key
`feedback:{person}:{local date}`) listing all their ideas, and only in working hours on working days.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.core import feedback_text  # noqa: F401 - registers the text
from bot.core.calendar import add_working_days, within_working_hours, working_days_before
from bot.core.feedback_text import long_date_year
from bot.core.i18n import language, t
from bot.core.replies import ActionId, Button, Field, Reply, ReplyKind
from storage import feedback as store
from storage import outbox
from storage.db import Database
from storage.digests import managers
from storage.groups import memberships
from storage.models import Organisation, Person, as_utc

COACH_SOON, COACHES_LATE, MANAGERS, AUTHOR = 1, 2, 3, 4
MAX_LINES = 10


@dataclass(slots=True)
class LadderRun:
    evaluated_at: datetime
    day: date
    held_back: str | None = None  # why nothing was sent: outside working hours, not a working day
    ideas: int = 0  # ideas on the ladder that were looked at
    steps: dict[int, int] = field(default_factory=dict)  # rung -> ideas that took it in this run
    messages: int = 0  # outbox messages enqueued (one per person)


def rung_days(due: date) -> dict[int, date]:
    """The local day each rung is due for a promise that ends with day `due`."""
    return {COACH_SOON: working_days_before(due, 1), COACHES_LATE: add_working_days(due, 1),
            MANAGERS: add_working_days(due, 6)}


def _reachable(people: Sequence[Person], exclude: int) -> list[Person]:
    return [p for p in people if not p.unreachable and p.id != exclude]


@dataclass(slots=True)
class _Inbox:
    """What one person is told today, by section."""

    person: Person
    soon: list[store.LadderIdea] = field(default_factory=list)
    soon_all: list[store.LadderIdea] = field(default_factory=list)
    late: list[store.LadderIdea] = field(default_factory=list)
    managers: list[store.LadderIdea] = field(default_factory=list)
    own: list[tuple[store.LadderIdea, bool]] = field(default_factory=list)  # (idea, coaches were reminded)


def remind(db: Database, settings: Settings, *, now: datetime) -> LadderRun:
    """Take every rung that is due at `now` (idempotent). The scheduler's morning job and `idesluss feedback
    remind [--at]` both call this."""
    now = as_utc(now)
    today = now.astimezone(ZoneInfo(settings.timezone)).date()
    run = LadderRun(now, today)
    if not within_working_hours(now, settings.timezone, settings.working_hours_start, settings.working_hours_end):
        run.held_back = "outside working hours or not a working day"
        return run
    with db.session() as session:
        candidates = store.ladder_ideas(session, due_until=add_working_days(today, 1))
        run.ideas = len(candidates)
        if not candidates:
            return run
        org_ids = {c.org_id for c in candidates}
        orgs = {o.id: o for o in session.exec(_orgs_query(org_ids)).all()}
        roles = store.people_with_roles(session, org_ids, ["coach", "admin"])
        coaches_of: dict[int, list[Person]] = defaultdict(list)
        staff_of: dict[int, dict[int, Person]] = defaultdict(dict)  # coaches and admins, by id
        for person in roles["coach"]:
            coaches_of[person.org_id].append(person)
            staff_of[person.org_id][person.id] = person
        for person in roles["admin"]:
            staff_of[person.org_id][person.id] = person
        managers_of = {org_id: managers(session, org_id) for org_id in org_ids}
        groups_of = {org_id: memberships(session, org_id) for org_id in org_ids}

        planned: list[tuple[store.LadderIdea, int, list[Person]]] = []
        for idea in candidates:
            days = rung_days(idea.feedback_due)
            due = {step for step, day in days.items() if day <= today and step not in idea.steps}
            if COACH_SOON in due and (COACHES_LATE in due or COACHES_LATE in idea.steps):
                planned.append((idea, COACH_SOON, []))  # overtaken: passed over, not sent late
                due.discard(COACH_SOON)
            coaches = _reachable(coaches_of[idea.org_id], idea.author.id)
            if COACH_SOON in due:
                owner = next((c for c in coaches if c.id == idea.owner_id), None)
                planned.append((idea, COACH_SOON, [owner] if owner else coaches))
            if COACHES_LATE in due:
                staff = _reachable(list(staff_of[idea.org_id].values()), idea.author.id)
                planned.append((idea, COACHES_LATE, staff))
                tell = orgs[idea.org_id].tell_author_when_overdue and not idea.author.unreachable
                planned.append((idea, AUTHOR, [idea.author] if tell else []))
            if MANAGERS in due:
                scope = groups_of[idea.org_id].get(idea.author.id, set()) | {idea.group_id} - {None}
                told = [m.person for m in managers_of[idea.org_id] if not m.groups or m.groups & scope]
                planned.append((idea, MANAGERS, _reachable(told, idea.author.id)))
        claimed = store.claim_steps(session, [(i.id, s, len(p)) for i, s, p in planned], now=now)

        inboxes: dict[int, _Inbox] = {}
        reminded = {i.id for i, s, p in planned if s == COACHES_LATE and p and (i.id, s) in claimed}
        for idea, step, people in planned:
            if (idea.id, step) not in claimed:
                continue
            run.steps[step] = run.steps.get(step, 0) + 1
            for person in people:
                inbox = inboxes.setdefault(person.id, _Inbox(person))
                if step == COACH_SOON:
                    (inbox.soon if idea.owner_id == person.id else inbox.soon_all).append(idea)
                elif step == COACHES_LATE:
                    inbox.late.append(idea)
                elif step == MANAGERS:
                    inbox.managers.append(idea)
                else:
                    inbox.own.append((idea, idea.id in reminded or COACHES_LATE in idea.steps))
        if not inboxes:
            return run
        people = {p.id: p for staff in staff_of.values() for p in staff.values()}
        taken = outbox.keys_like(session, f"feedback:%:{today.isoformat()}%")
        messages = []
        for inbox in inboxes.values():
            person = inbox.person
            lang = language(person.locale, language(settings.default_locale))
            org = orgs[person.org_id] if person.org_id in orgs else orgs[next(iter(orgs))]
            reply = _message(inbox, lang, today, org, people)
            key = f"feedback:{person.ref}:{today.isoformat()}"
            n = 2
            while key in taken:  # a second run the same day with new rungs (a very short limit): a second message
                key = f"feedback:{person.ref}:{today.isoformat()}:{n}"
                n += 1
            messages.append(outbox.NewMessage(key=key, platform=person.platform, recipient=person.user_id,
                                              workspace=person.workspace, payload=reply.to_dict(),
                                              org_id=person.org_id))
        run.messages = len(outbox.enqueue_many(session, messages, now=now))
    return run


def _orgs_query(org_ids: set[int]):  # type: ignore[no-untyped-def]
    from sqlmodel import col, select

    return select(Organisation).where(col(Organisation.id).in_(list(org_ids)))


def _lines(ideas: list[store.LadderIdea], lang: str, today: date, people: dict[int, Person]) -> str:
    def line(idea: store.LadderIdea) -> str:
        owner = people.get(idea.owner_id) if idea.owner_id else None
        coach = t(lang, "ladder.line_coach", coach=owner.display_name or owner.user_id) if owner else ""
        return t(lang, "ladder.line", number=idea.number, title=idea.title,
                 date=long_date_year(idea.feedback_due, lang, today), coach=coach)

    shown = [line(i) for i in ideas[:MAX_LINES]]
    if len(ideas) > MAX_LINES:
        shown.append(t(lang, "digest.more", count=len(ideas) - MAX_LINES))
    return "\n".join(shown)


def _message(inbox: _Inbox, lang: str, today: date, org: Organisation, people: dict[int, Person]) -> Reply:
    """One person's message of the day: their sections as fields, their own ideas' honest lines as text."""
    fields = [Field(t(lang, key, count=len(items)), _lines(items, lang, today, people))
              for key, items in (("ladder.soon", inbox.soon), ("ladder.soon_all", inbox.soon_all),
                                 ("ladder.late", inbox.late), ("ladder.managers", inbox.managers)) if items]
    own_lines = [t(lang, "ladder.author_text" if reminded else "ladder.author_text_nobody", title=idea.title,
                   date=long_date_year(idea.feedback_due, lang, today)) for idea, reminded in inbox.own]
    if not fields and len(inbox.own) == 1:
        idea = inbox.own[0][0]
        return Reply(ReplyKind.NOTIFICATION, own_lines[0], title=t(lang, "ladder.author_title", number=idea.number),
                     idea_number=idea.number, locale=lang,
                     buttons=[Button(t(lang, "button.show"), ActionId.SHOW, str(idea.number))])
    text = "\n\n".join([t(lang, "ladder.intro", days=org.first_feedback_days)] * bool(fields) + own_lines)
    buttons = [Button(t(lang, "button.queue"), ActionId.QUEUE, "", style="primary")] if fields else []
    return Reply(ReplyKind.NOTIFICATION, text, title=t(lang, "ladder.title"), fields=fields, buttons=buttons,
                 locale=lang)
