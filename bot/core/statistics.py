"""`/idé statistik [vecka|månad|kvartal|år]`: the programme's figures in chat.

Coaches and administrators see the organisation, managers their scope (the organisation, or their pilot
groups), as a compact card with the trend against the period before and charts where the platform draws
them; everybody else gets the short public version (ideas received and implemented this year).
"""

from __future__ import annotations

from sqlmodel import select

from bot.core import feedback_text  # noqa: F401 - registers the text
from bot.core.context import Context
from bot.core.extensions import command
from bot.core.feedback_text import MONTHS
from bot.core.figures import BadPeriod, Report, compute, parse_period
from bot.core.i18n import register, t
from bot.core.replies import Chart, ChartPoint, Field, Reply, ReplyKind
from bot.core.stages import STAGES, stage_label
from storage.figures import Scope
from storage.groups import all_groups
from storage.models import Role
from storage.people import has_role

register({
    "sv": {
        "stats.title": "Idéslussen i siffror",
        "stats.period.days": "Senaste {days} dagarna ({first}–{last}), jämfört med dagarna före",
        "stats.period.calendar": "{label} ({first}–{last}), jämfört med perioden före",
        "stats.period.running": "{label} hittills ({first}–{last}), jämfört med samma dagar perioden före",
        "stats.scope.groups": "Pilotgrupper: {names}",
        "stats.ideas": "Idéer",
        "stats.per100": "Idéer per 100 anställda",
        "stats.per100_known": "Idéer per 100 personer som idéslussen känner (antal anställda saknas: "
                              "idesluss orgs set-headcount)",
        "stats.per100_members": "Idéer per 100 gruppmedlemmar",
        "stats.participation": "Delaktighet (andel som skickat in minst en idé)",
        "stats.in_time": "Besked inom löftet",
        "stats.median": "Arbetsdagar till första besked (median / 90:e percentil)",
        "stats.overdue": "Väntar på besked efter löftet nu",
        "stats.implemented": "Beslutade idéer som införts eller spridits",
        "stats.nudges": "Svar på pilotgruppernas frågor",
        "stats.none": "–",
        "stats.days": "{median} / {p90} dagar",
        "stats.was": "förra perioden {value}",
        "stats.public_title": "Idéslussen i år",
        "stats.public_text": "I år har {ideas} idéer kommit in och {implemented} har införts eller spridits. "
                             "Tack för alla idéer!",
        "stats.bad_period": "”{period}” är ingen period. Skriv vecka, månad, kvartal eller år.",
        "chart.ideas": "Inkomna idéer",
        "chart.in_time": "Besked i tid (%)",
        "chart.stages": "Status för periodens idéer",
    },
    "en": {
        "stats.title": "The idea sluice in figures",
        "stats.period.days": "The last {days} days ({first}–{last}), against the days before",
        "stats.period.calendar": "{label} ({first}–{last}), against the period before",
        "stats.period.running": "{label} so far ({first}–{last}), against the same days of the period before",
        "stats.scope.groups": "Pilot groups: {names}",
        "stats.ideas": "Ideas",
        "stats.per100": "Ideas per 100 employees",
        "stats.per100_known": "Ideas per 100 people the bot knows (no headcount set: idesluss orgs set-headcount)",
        "stats.per100_members": "Ideas per 100 group members",
        "stats.participation": "Participation (share who submitted at least one idea)",
        "stats.in_time": "Answered within the promise",
        "stats.median": "Working days to first answer (median / 90th percentile)",
        "stats.overdue": "Waiting past the promise now",
        "stats.implemented": "Decided ideas implemented or spread",
        "stats.nudges": "Answers to the pilot groups' questions",
        "stats.none": "–",
        "stats.days": "{median} / {p90} days",
        "stats.was": "previous period {value}",
        "stats.public_title": "The idea sluice this year",
        "stats.public_text": "This year {ideas} ideas came in and {implemented} have been implemented or spread. "
                             "Thank you for every idea!",
        "stats.bad_period": "“{period}” is not a period. Write week, month, quarter or year.",
        "chart.ideas": "Ideas received",
        "chart.in_time": "Answered in time (%)",
        "chart.stages": "Status of the period's ideas",
    },
})


def number(value: float | None, lang: str, decimals: int = 1) -> str:
    if value is None:
        return t(lang, "stats.none")
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{value:.0f}"
    return text.replace(".", ",") if lang == "sv" else text


def percent(value: float | None, lang: str) -> str:
    return t(lang, "stats.none") if value is None else f"{number(100 * value, lang, 0)} %"


def trend(now: float | None, before: float | None, as_text, lang: str) -> str:  # type: ignore[no-untyped-def]
    """The value, an arrow against the period before, and the value before."""
    if now is None:
        return as_text(now)
    arrow = "" if before is None else " ↑" if now > before else " ↓" if now < before else " →"
    return f"{as_text(now)}{arrow} ({t(lang, 'stats.was', value=as_text(before))})"


def period_text(report: Report, lang: str) -> str:
    p = report.period
    first, last = p.first_day.isoformat(), p.last_day.isoformat()
    if p.kind == "days":
        return t(lang, "stats.period.days", days=(p.last_day - p.first_day).days + 1, first=first, last=last)
    key = "stats.period.running" if p.running else "stats.period.calendar"
    return t(lang, key, label=p.label, first=first, last=last)


def figure_fields(report: Report, lang: str) -> list[Field]:
    c, b = report.current, report.previous
    per100 = {"people_known": "stats.per100_known", "members": "stats.per100_members"}.get(report.headcount_source,
                                                                                           "stats.per100")
    fields = [Field(t(lang, "stats.ideas"), trend(c.ideas, b.ideas, lambda v: number(v, lang, 0), lang))]
    if report.headcount:
        fields += [Field(t(lang, per100), trend(c.ideas_per_100, b.ideas_per_100, lambda v: number(v, lang), lang)),
                   Field(t(lang, "stats.participation"),
                         trend(c.participation_rate, b.participation_rate, lambda v: percent(v, lang), lang))]
    days = t(lang, "stats.days", median=number(c.median_days_to_first_feedback, lang),
             p90=number(c.p90_days_to_first_feedback, lang))
    fields += [
        Field(t(lang, "stats.in_time"), trend(c.first_feedback_in_time_rate, b.first_feedback_in_time_rate,
                                              lambda v: percent(v, lang), lang)),
        Field(t(lang, "stats.median"), days),
        Field(t(lang, "stats.overdue"), trend(c.overdue, b.overdue, lambda v: number(v, lang, 0), lang)),
        Field(t(lang, "stats.implemented"), trend(c.implemented_rate, b.implemented_rate,
                                                  lambda v: percent(v, lang), lang)),
    ]
    if c.nudges_sent or b.nudges_sent:
        fields.append(Field(t(lang, "stats.nudges"), trend(c.nudge_answer_rate, b.nudge_answer_rate,
                                                           lambda v: percent(v, lang), lang)))
    return fields


def bucket_label(key: str, lang: str) -> str:
    """"2026-W10" -> "v. 10", "2026-03-05" -> "5 mar", "2026-03" -> "mar 2026"."""
    if "-W" in key:
        return f"{'v.' if lang == 'sv' else 'wk'} {int(key.split('-W')[1])}"
    parts = key.split("-")
    month = MONTHS["en" if lang == "en" else "sv"][int(parts[1]) - 1][:3]
    return f"{int(parts[2])} {month}" if len(parts) == 3 else f"{month} {parts[0]}"


def charts(report: Report, lang: str) -> list[Chart]:
    buckets = [(bucket_label(key, lang), n, rate) for key, n, rate in report.buckets]
    result = [Chart("bar", t(lang, "chart.ideas"), [ChartPoint(label, n) for label, n, _ in buckets])]
    in_time = [ChartPoint(label, round(100 * rate)) for label, _, rate in buckets if rate is not None]
    if len(in_time) >= 2:
        result.append(Chart("line", t(lang, "chart.in_time"), in_time, y_title="%"))
    order = [s.code for s in STAGES]
    slices = [ChartPoint(stage_label(code, lang), report.stages[code]) for code in order if report.stages.get(code)]
    if slices:
        result.append(Chart("donut", t(lang, "chart.stages"), slices))
    return result


def report_reply(report: Report, lang: str, *, headline: str | None = None) -> Reply:
    text = period_text(report, lang)
    if headline:
        text = f"{headline}\n{text}"
    return Reply(ReplyKind.INFO, text, title=f"{t(lang, 'stats.title')} – {report.scope_name}",
                 fields=figure_fields(report, lang), charts=charts(report, lang), locale=lang)


def headline(report: Report, lang: str) -> str:
    """One line for the weekly digest: the key figures with their trend."""
    c, b = report.current, report.previous
    ideas = trend(c.ideas, b.ideas, lambda v: number(v, lang, 0), lang)
    in_time = trend(c.first_feedback_in_time_rate, b.first_feedback_in_time_rate, lambda v: percent(v, lang), lang)
    parts = [f"{t(lang, 'stats.ideas')} {ideas}", f"{t(lang, 'stats.in_time').lower()} {in_time}",
             f"{t(lang, 'stats.overdue').lower()} {number(c.overdue, lang, 0)}"]
    return f"{period_text(report, lang)}: " + "; ".join(parts)


def _manager_groups(ctx: Context) -> frozenset[int] | None:
    """A manager's scope: None for the whole organisation, else their groups; empty when no manager."""
    scopes = set(ctx.session.exec(select(Role.group_id).where(Role.person_id == ctx.person.id, Role.role == "manager",
                                                              Role.org_id == ctx.org.id)).all())
    if not scopes:
        return frozenset()
    return None if None in scopes else frozenset(g for g in scopes if g is not None)


def scope_for(ctx: Context) -> tuple[Scope, str] | None:
    """What the caller may see: coaches and admins the organisation, managers their scope; None: public."""
    if has_role(ctx.session, ctx.person, "coach", "admin", org_id=ctx.org.id):
        return Scope(ctx.org.id), ctx.org.name or ctx.org.key
    groups = _manager_groups(ctx)
    if groups is None:
        return Scope(ctx.org.id), ctx.org.name or ctx.org.key
    if not groups:
        return None
    names = [g.name for g in all_groups(ctx.session, ctx.org.id) if g.id in groups]
    return Scope(ctx.org.id, groups=groups), t(ctx.lang, "stats.scope.groups", names=", ".join(sorted(names)))


def _served_partner(ctx: Context, word: str) -> Context | None:
    """The context of a partner organisation named by `word` ("aneby") in which the caller holds a role."""
    from bot.core import orgs

    for org in orgs.served(ctx.session, ctx, ("coach", "admin", "manager")):
        if org.id != ctx.org.id and word.casefold() in (org.key.casefold(), (org.name or "").casefold()):
            return orgs.acting_in(ctx, org)
    return None


@command("statistik", "stats", "statistics")
def statistics(ctx: Context, rest: str) -> Reply | None:
    word = rest.strip()
    words = word.split()
    if len(words) > 2:
        return None  # "/idé statistik över sjukfrånvaron …" is an idea
    partner = _served_partner(ctx, words[-1]) if words else None
    if partner is not None:  # "/idé statistik aneby", "/idé statistik månad aneby": a partner a coach serves
        ctx = partner
        word = " ".join(words[:-1])
    elif len(words) > 1:
        return None
    allowed = scope_for(ctx)
    try:
        period = parse_period(word or None if allowed else "år", ctx.now, ctx.timezone)
    except BadPeriod:
        return Reply(ReplyKind.ERROR, t(ctx.lang, "stats.bad_period", period=word), locale=ctx.lang)
    fallback = ctx.headcount
    if allowed is None:
        report = compute(ctx.session, ctx.org, Scope(ctx.org.id), parse_period("år", ctx.now, ctx.timezone),
                         timezone=ctx.timezone, now=ctx.now, headcount_fallback=fallback)
        return Reply(ReplyKind.INFO, t(ctx.lang, "stats.public_text", ideas=report.current.ideas,
                                       implemented=report.current.implemented),
                     title=t(ctx.lang, "stats.public_title"), locale=ctx.lang)
    scope, name = allowed
    report = compute(ctx.session, ctx.org, scope, period, timezone=ctx.timezone, now=ctx.now,
                     headcount_fallback=fallback, scope_name=name)
    return report_reply(report, ctx.lang)
