"""A challenge's messages: its announcement everywhere it goes, and its owner's summary when it ends.

The chat feature (bot/core/challenges.py), `idesluss challenges` and the scheduler all send through these, so a
challenge reads the same whoever posed or ended it. Everything goes through the outbox, with keys that make a
rerun send nothing new.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.core.i18n import language, t
from bot.core.replies import ActionId, Button, Field, IdeaLine, Reply, ReplyKind
from bot.core.samverkan_text import count
from bot.core.stages import stage_label
from storage import challenges as store
from storage import groups as group_store
from storage import orgs as org_store
from storage import outbox
from storage.models import Challenge, Organisation, Person, PilotGroup

IDEA_CONTEXT = "challenge"  # the idea form's context from the button: "challenge:<number>"
SUMMARY_LINES = 20


def local_today(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


def lines(answers: list[store.Answer], lang: str, *, labelled: bool) -> list[IdeaLine]:
    """Answering ideas as lines, each with its organisation when `labelled` (no names: several organisations)."""
    return [IdeaLine(number=a.idea.number, title=a.idea.title, stage=a.idea.stage,
                     stage_label=stage_label(a.idea.stage, lang), votes=a.votes,
                     organisation=org_store.label(a.organisation) if labelled else None)
            for a in answers[:SUMMARY_LINES]]


def counts_text(answers: list[store.Answer], lang: str) -> str:
    """"Aneby 2, Tranås 1": ideas per organisation."""
    by_org: dict[str, int] = {}
    for a in answers:
        name = org_store.label(a.organisation)
        by_org[name] = by_org.get(name, 0) + 1
    if not by_org:
        return t(lang, "challenge.no_ideas")
    return ", ".join(f"{name} {n}" for name, n in sorted(by_org.items()))


def announcement(session: Session, challenge: Challenge, org: Organisation, lang: str) -> Reply:
    text = challenge.description or t(lang, "challenge.announce.default")
    return Reply(ReplyKind.NOTIFICATION, f"{text}\n\n{t(lang, 'challenge.how', number=challenge.id)}",
                 title=t(lang, "challenge.announce.title", org=org.name or org.key, title=challenge.title),
                 fields=[Field(t(lang, "challenge.field.ends"), challenge.ends_on.isoformat())],
                 buttons=[Button(t(lang, "button.new_idea"), ActionId.NEW_IDEA, f"{IDEA_CONTEXT}:{challenge.id}",
                                 style="primary")], locale=lang)


def _reachable(person: Person) -> bool:
    return not person.unreachable


def announce(session: Session, challenge: Challenge, *, default_lang: str, now: datetime,
             workspace: str | None = None) -> int:
    """Enqueue the announcement everywhere the challenge goes; a rerun enqueues nothing new. Returns how many
    messages were enqueued. `workspace`: the Slack workspace of a channel picked in the form."""
    org = session.get(Organisation, challenge.org_id)
    assert org is not None
    partner_orgs = list(org_store.orgs_by_ids(session, org_store.partner_ids(session, org.id)).values()) \
        if challenge.partners else []
    people: dict[int, Person] = {}
    if challenge.everyone:
        for each in [org, *partner_orgs]:
            people.update((p.id, p) for p in org_store.people_of(session, each.id))  # type: ignore[misc]
    else:
        for each in partner_orgs:
            people.update((p.id, p) for p in org_store.people_with_roles(session, each.id,  # type: ignore[misc]
                                                                           ("coach", "manager")))
    channels: list[tuple[str, str, str | None]] = []
    if challenge.group_id is not None:
        group = session.get(PilotGroup, challenge.group_id)
        if group is not None and (group.slack_channel or group.teams_conversation):
            channels += [(p, c, None) for p, c in (("slack", group.slack_channel), ("teams", group.teams_conversation))
                         if c]
        elif group is not None:
            people.update((p.id, p) for p in group_store.members(session, group.id))  # type: ignore[misc]
    if challenge.slack_channel:
        channels.append(("slack", challenge.slack_channel, workspace))
    if challenge.teams_conversation:
        channels.append(("teams", challenge.teams_conversation, workspace))
    sent = 0
    org_lang = language(org.locale, default_lang)
    for platform, channel, where in channels:
        where = where or org_store.first_external_id(
            session, org.id, org_store.SLACK_TEAM if platform == "slack" else org_store.TEAMS_TENANT)
        sent += outbox.enqueue(session, outbox.NewMessage(
            key=f"challenge:{challenge.id}:channel:{platform}:{channel}", platform=platform, recipient=channel,
            recipient_kind="channel", workspace=where, payload=announcement(session, challenge, org, org_lang)
            .to_dict(), org_id=org.id), now=now)
    payloads: dict[str, dict] = {}  # one announcement per language, however many people read it
    for person in people.values():
        if not _reachable(person):
            continue
        lang = language(person.locale, org_lang)
        if lang not in payloads:
            payloads[lang] = announcement(session, challenge, org, lang).to_dict()
        sent += outbox.enqueue(session, outbox.NewMessage(
            key=f"challenge:{challenge.id}:dm:{person.ref}", platform=person.platform, recipient=person.user_id,
            workspace=person.workspace, payload=payloads[lang], org_id=person.org_id), now=now)
    return sent


def summary(session: Session, challenge: Challenge, lang: str) -> Reply:
    """What the owner reads when the challenge ends: ideas received, votes, the most supported, and how many
    organisations took part (each idea with its organisation, no names)."""
    answers = store.answers(session, challenge.id)  # type: ignore[arg-type]
    organisations = {a.organisation.id for a in answers}
    votes = sum(a.votes for a in answers)
    text = t(lang, "challenge.summary.text", ideas=count(lang, "idea", len(answers)), votes=count(lang, "vote", votes),
             organisations=count(lang, "org", len(organisations)))
    fields = [Field(t(lang, "challenge.field.ideas"), counts_text(answers, lang))]
    if answers:
        top = answers[0]
        fields.insert(0, Field(t(lang, "challenge.summary.top"), t(
            lang, "challenge.summary.top_line", org=org_store.label(top.organisation), number=top.idea.number,
            title=top.idea.title, votes=count(lang, "vote", top.votes))))
    return Reply(ReplyKind.NOTIFICATION, text, title=t(lang, "challenge.summary.title", number=challenge.id,
                                                       title=challenge.title),
                 fields=fields, ideas=lines(answers, lang, labelled=True),
                 ideas_heading=t(lang, "challenge.ideas_heading") if answers else None, locale=lang)


def close(session: Session, challenge: Challenge, *, default_lang: str, now: datetime) -> Reply | None:
    """Close the challenge and send its summary to its owner (without one: the organisation's managers). None
    when it was closed already: the summary goes out once."""
    if not store.close_challenge(session, challenge, now=now):
        return None
    org = session.get(Organisation, challenge.org_id)
    owner = session.get(Person, challenge.owner_id) if challenge.owner_id else None
    recipients = [owner] if owner is not None else org_store.people_with_roles(session, challenge.org_id,
                                                                               ("manager",))
    org_lang = language(org.locale if org else None, default_lang)
    for person in recipients:
        outbox.enqueue(session, outbox.NewMessage(
            key=f"challenge:{challenge.id}:summary:{person.ref}", platform=person.platform, recipient=person.user_id,
            workspace=person.workspace, payload=summary(session, challenge, language(person.locale, org_lang))
            .to_dict(), org_id=challenge.org_id), now=now)
    return summary(session, challenge, org_lang)


def week_challenge(session: Session, org_id: int, today: date) -> Challenge | None:
    """The open challenge a nudge of the organisation carries: the one that ends soonest."""
    found = store.open_challenges_for(session, org_id, org_store.partner_ids(session, org_id), today=today)
    return found[0] if found else None
