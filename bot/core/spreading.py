"""Spreading (spridning): an implemented idea's coach offers it — to units of the organisation (a pilot group, a
channel) and to partner organisations (their coaches and managers). A receiver answers "Vi vill testa": that
creates a linked idea in the receiver's organisation at Test/pilot ("Spridd från Tranås #12"), tells the origin's
author and coach, and moves the origin to Spridd on its first adoption.

The offer shows the idea, what it solved and the contact coach. It never shows the author's name: naming them
needs their consent, which issue 10 (records) adds; until then no offer names anyone but the coach.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlmodel import Session

from bot.core import orgs
from bot.core.context import Context, Origin
from bot.core.extensions import ACTIONS, FORMS, IDEA_VIEWS, command
from bot.core.grammar import parse_idea_ref, parse_number
from bot.core.i18n import language, t
from bot.core.ideas import find, is_coach
from bot.core.replies import ActionId, Button, Field, Form, FormField, Option, Reply, ReplyKind
from bot.core.samverkan_text import count
from bot.core.stages import stage_label
from bot.core.views import display_name
from storage import groups as group_store
from storage import ideas as idea_store
from storage import orgs as org_store
from storage import outbox
from storage import spreading as store
from storage.models import Idea, Organisation, Person, PilotGroup, SpreadOffer

FORM = "spread-form"  # context: "spread-form:<idea ref>[:<platform>:<channel>]"
OFFERABLE = frozenset({"implemented", "spread"})
TRUE = (True, "true", "1", "on", "yes")


def _error(ctx: Context, key: str, **values: object) -> Reply:
    return Reply(ReplyKind.ERROR, t(ctx.lang, key, **values), locale=ctx.lang)


def _idea_ref(ctx: Context, number: int) -> str:
    """How the form and the buttons name the idea: `12`, or `aneby#12` when a shared coach offers a partner's."""
    return orgs.ref(ctx.org, number) if ctx.org.id != ctx.home_org.id else str(number)


def _offerable(ctx: Context, number: int) -> Idea | Reply:
    if not is_coach(ctx):
        return _error(ctx, "error.not_coach")
    found = find(ctx, number)
    if isinstance(found, Reply):
        return found
    if found.stage not in OFFERABLE:
        return _error(ctx, "spread.not_implemented", number=number, stage=stage_label("implemented", ctx.lang))
    return found


# -- the coach: /idé sprid <nr> …, the button "Erbjud spridning" and its form -----------------------------------


@command("sprid", "spread")
def spread_command(ctx: Context, rest: str) -> Reply | None:
    words = rest.split()
    parsed = parse_idea_ref(words[0]) if words else None
    if parsed is None:
        return None if words else Reply(ReplyKind.HELP, t(ctx.lang, "spread.usage"), locale=ctx.lang)
    written, number = parsed
    target = ctx if written is None else orgs.partner_context(ctx, written)
    if target is None:
        return _error(ctx, "error.unknown_ref", ref=words[0])
    options = [w.casefold() for w in words[1:]]
    if not options:
        return offer_form(target, number)
    cut = next((i for i, w in enumerate(options) if w in ("grupp", "group")), len(options))
    flags, group_name = options[:cut], " ".join(words[2 + cut:]).strip()  # "grupp <name>" comes last
    partners = any(w in ("partner", "partners", "partnerna") for w in flags)
    here = any(w in ("här", "here") for w in flags)
    group = group_store.get_group(target.session, target.org.id, group_name) if group_name else None
    if group_name and group is None:
        return _error(target, "group.unknown", name=group_name)
    if not (partners or here or group):
        return Reply(ReplyKind.HELP, t(ctx.lang, "spread.usage"), locale=ctx.lang)
    channel = (target.person.platform, target.origin.channel) if here and target.origin and target.origin.channel \
        else None
    return _offer(target, number, solved=None, partners=partners, group=group, channel=channel)


def offer_form(ctx: Context, number: int, values: Mapping[str, object] | None = None) -> Reply:
    found = _offerable(ctx, number)
    if isinstance(found, Reply):
        return found
    if not ctx.forms:
        return Reply(ReplyKind.HELP, t(ctx.lang, "spread.usage"), locale=ctx.lang)
    values = values or {}
    partners = org_store.partner_ids(ctx.session, ctx.org.id)
    groups = group_store.all_groups(ctx.session, ctx.org.id)
    here = ctx.origin.channel if ctx.origin and ctx.origin.channel else None
    fields = [FormField("solved", t(ctx.lang, "spread.field.solved"), kind="multiline", max_length=2000,
                        value=str(values.get("solved") or found.problem or "") or None)]
    if partners:
        fields.append(FormField("partners", t(ctx.lang, "spread.field.partners"), kind="checkbox",
                                value="true" if values.get("partners", True) in TRUE else None))
    if groups:
        fields.append(FormField("group", t(ctx.lang, "spread.field.group"), kind="choice",
                                value=str(values["group"]) if values.get("group") else None,
                                options=[Option(value=str(g.id), label=g.name[:75]) for g in groups[:100]]))
    if here:
        fields.append(FormField("here", t(ctx.lang, "spread.field.here"), kind="checkbox",
                                value="true" if values.get("here") in TRUE else None))
    context = f"{FORM}:{_idea_ref(ctx, number)}" + (f":{ctx.person.platform}:{here}" if here else "")
    form = Form(title=t(ctx.lang, "spread.form_title", number=number), submit_label=t(ctx.lang, "spread.submit"),
                fields=fields, idea_number=None, context=context)
    return Reply(ReplyKind.OPEN_FORM, form.title, form=form, locale=ctx.lang)


def offer_action(ctx: Context, action_id: str, value: str) -> Reply | None:
    number = parse_number(value)
    return offer_form(ctx, number) if number is not None else None


def submit_offer_form(ctx: Context, values: Mapping[str, object], origin: Origin | None, context: str) -> Reply:
    _, _, rest = context.partition(":")
    ref, _, where = rest.partition(":")
    parsed = parse_idea_ref(ref)
    if parsed is None:
        return _error(ctx, "error.not_allowed")
    written, number = parsed
    target = ctx if written is None else orgs.partner_context(ctx, written)
    if target is None:
        return _error(ctx, "error.unknown_ref", ref=ref)
    solved = str(values.get("solved") or "").strip()
    if len(solved) > 2000:
        return Reply(ReplyKind.ERROR, t(ctx.lang, "form.error.too_long", limit=2000, length=len(solved)),
                     errors={"solved": t(ctx.lang, "form.error.too_long", limit=2000, length=len(solved))},
                     form=offer_form(target, number, values).form, locale=ctx.lang)
    group = None
    if values.get("group") not in (None, ""):
        group = next((g for g in group_store.all_groups(target.session, target.org.id)
                      if str(g.id) == str(values["group"])), None)
    platform, _, channel = where.partition(":")
    here = (platform, channel) if channel and values.get("here") in TRUE else None
    partners = values.get("partners") in TRUE
    if not (partners or group or here):
        message = t(ctx.lang, "spread.error.nowhere")
        form = offer_form(target, number, values).form
        return Reply(ReplyKind.ERROR, message, errors={"partners" if form and any(
            f.name == "partners" for f in form.fields) else "solved": message}, form=form, locale=ctx.lang)
    return _offer(target, number, solved=solved or None, partners=partners, group=group, channel=here)


def _offer(ctx: Context, number: int, *, solved: str | None, partners: bool, group: PilotGroup | None,
           channel: tuple[str, str] | None) -> Reply:
    found = _offerable(ctx, number)
    if isinstance(found, Reply):
        return found
    offer = store.create_offer(ctx.session, found, ctx.person.id, solved=solved or found.problem,  # type: ignore[arg-type]
                               to_partners=partners, now=ctx.now)
    sent = send_offer(ctx.session, offer, found, ctx.org, ctx.person, group=group, channel=channel, now=ctx.now,
                      default_lang=ctx.lang, workspace=ctx.person.workspace)
    return Reply(ReplyKind.INFO, t(ctx.lang, "spread.offered", number=number, count=count(ctx.lang, "message", sent)),
                 idea_number=number,
                 locale=ctx.lang)


def offer_reply(session: Session, offer: SpreadOffer, idea: Idea, org: Organisation, coach: Person, target: str,
                lang: str) -> Reply:
    """The offer: the idea, what it solved, the contact coach — and no author's name (see the module's doc)."""
    fields = [Field(t(lang, "field.stage"), stage_label(idea.stage, lang))]
    if offer.solved:
        fields.append(Field(t(lang, "spread.field.solved"), offer.solved))
    if idea.benefit:
        fields.append(Field(t(lang, "field.benefit"), idea.benefit))
    fields.append(Field(t(lang, "spread.field.contact"), display_name(coach)))
    return Reply(ReplyKind.NOTIFICATION, idea.text,
                 title=t(lang, "spread.offer_title", org=org.name or org.key, label=org_store.label(org),
                         number=idea.number, title=idea.title),
                 fields=fields, buttons=[Button(t(lang, "spread.button.adopt"), ActionId.SPREAD_ADOPT,
                                                f"{offer.id}:{target}", style="primary")], locale=lang)


def send_offer(session: Session, offer: SpreadOffer, idea: Idea, org: Organisation, coach: Person, *,
               group: PilotGroup | None, channel: tuple[str, str] | None, now: datetime, default_lang: str,
               workspace: str | None = None) -> int:
    """Enqueue the offer to every receiver: partner organisations' coaches and managers, a pilot group (its
    channel, else its members), a channel. Returns how many messages were enqueued."""
    org_lang = language(org.locale, default_lang)
    sent = 0

    def dm(person: Person, target: str) -> int:
        if person.unreachable or person.id == coach.id:
            return 0
        reply = offer_reply(session, offer, idea, org, coach, target, language(person.locale, org_lang))
        return int(outbox.enqueue(session, outbox.NewMessage(
            key=f"spread:{offer.id}:{target}:dm:{person.ref}", platform=person.platform, recipient=person.user_id,
            workspace=person.workspace, payload=reply.to_dict(), org_id=person.org_id), now=now))

    def post(platform: str, where: str, target: str, team: str | None) -> int:
        reply = offer_reply(session, offer, idea, org, coach, target, org_lang)
        return int(outbox.enqueue(session, outbox.NewMessage(
            key=f"spread:{offer.id}:{target}:channel:{platform}:{where}", platform=platform, recipient=where,
            recipient_kind="channel", workspace=team, payload=reply.to_dict(), org_id=org.id), now=now))

    if offer.to_partners:
        for partner_id in sorted(org_store.partner_ids(session, org.id)):
            for person in org_store.people_with_roles(session, partner_id, ("coach", "manager")):
                sent += dm(person, f"org:{partner_id}")
    if group is not None:
        target = f"group:{group.id}"
        posted = False
        for platform, where in (("slack", group.slack_channel), ("teams", group.teams_conversation)):
            if where:
                kind = org_store.SLACK_TEAM if platform == "slack" else org_store.TEAMS_TENANT
                sent += post(platform, where, target, org_store.first_external_id(session, org.id, kind))
                posted = True
        if not posted:
            for person in group_store.members(session, group.id):
                sent += dm(person, target)
    if channel is not None:
        platform, where = channel
        sent += post(platform, where, f"channel:{platform}:{where}", workspace)
    return sent


# -- the receiver: "Vi vill testa" ---------------------------------------------------------------------------------


def _receiver(ctx: Context, offer: SpreadOffer, target: str) -> Organisation | None:
    """The organisation that adopts: a partner (for a target `org:<id>`, if the presser holds a role there and
    it is still a partner), or the offer's own (a unit's group or channel, for someone of that organisation)."""
    kind, _, rest = target.partition(":")
    if kind == "org" and rest.isdigit():
        org_id = int(rest)
        allowed = org_id in org_store.role_org_ids(ctx.session, ctx.person, orgs.STAFF)
        if not allowed or not org_store.are_partners(ctx.session, org_id, offer.org_id):
            return None
        return ctx.session.get(Organisation, org_id)
    if kind in ("group", "channel") and ctx.home_org.id == offer.org_id:
        return ctx.home_org
    return None


def adopt(ctx: Context, action_id: str, value: str) -> Reply | None:
    offer_id, _, target = value.partition(":")
    offer = store.get_offer(ctx.session, int(offer_id)) if offer_id.isdigit() else None
    if offer is None or not target:
        return None
    receiver = _receiver(ctx, offer, target)
    if receiver is None:
        return _error(ctx, "error.not_allowed")
    origin = ctx.session.get(Idea, offer.idea_id)
    origin_org = ctx.session.get(Organisation, offer.org_id)
    if origin is None or origin_org is None or origin.withdrawn_at is not None:
        return _error(ctx, "spread.gone")
    where = orgs.acting_in(ctx, receiver) if receiver.id != ctx.org.id else ctx
    source = f"{org_store.label(origin_org)} #{origin.number}"
    new = idea_store.NewIdea(
        title=origin.title, text=origin.text, source=ctx.person.platform, problem=offer.solved or origin.problem,
        benefit=origin.benefit, dedup_key=f"spread:{origin.id}:{target}", spread_from_id=origin.id)
    idea, created = idea_store.capture_idea(ctx.session, receiver, ctx.person, new, now=ctx.now)
    label = f"{org_store.label(receiver)} #{idea.number}"
    if not created:
        return Reply(ReplyKind.INFO, t(ctx.lang, "spread.already", label=label), locale=ctx.lang)
    org_lang = language(receiver.locale, ctx.lang)
    idea_store.change_stage(ctx.session, idea, ctx.person, "pilot", t(org_lang, "spread.comment_from", source=source),
                            now=ctx.now)
    store.record_adoption(ctx.session, offer, target=target, receiver_org_id=receiver.id,  # type: ignore[arg-type]
                          idea=idea, person_id=ctx.person.id, now=ctx.now)  # type: ignore[arg-type]
    _tell_origin(ctx, offer, origin, origin_org, receiver, label)
    reply = Reply(ReplyKind.INFO, t(ctx.lang, "spread.adopted", title=idea.title, number=idea.number,
                                    stage=stage_label("pilot", ctx.lang), source=source),
                  idea_number=idea.number, locale=ctx.lang)
    if where is not ctx:
        reply.idea_org = receiver.key
        return orgs.labelled(reply, receiver, qualify_buttons=True)
    return reply


def _tell_origin(ctx: Context, offer: SpreadOffer, origin: Idea, origin_org: Organisation, receiver: Organisation,
                 label: str) -> None:
    """The origin's author and coach hear about the adoption; the origin moves to Spridd on its first one."""
    origin_lang = language(origin_org.locale, ctx.lang)
    if origin.stage != "spread":
        idea_store.change_stage(ctx.session, origin, None, "spread",
                                t(origin_lang, "spread.comment_to", org=receiver.name or receiver.key, label=label),
                                now=ctx.now)
    people = {"author": ctx.session.get(Person, origin.author_id), "coach": ctx.session.get(Person, offer.coach_id)}
    told: set[int] = set()
    for role, person in people.items():
        if person is None or person.id in told or person.id == ctx.person.id:
            continue
        told.add(person.id)  # type: ignore[arg-type]
        lang = language(person.locale, origin_lang)
        key = "spread.told_author" if role == "author" else "spread.told_coach"
        reply = Reply(ReplyKind.NOTIFICATION, t(lang, key, number=origin.number, title=origin.title,
                                                org=receiver.name or receiver.key, label=label),
                      title=t(lang, "spread.told_title", number=origin.number), idea_number=origin.number,
                      buttons=[Button(t(lang, "button.show"), ActionId.SHOW, str(origin.number))], locale=lang)
        outbox.enqueue(ctx.session, outbox.NewMessage(
            key=f"spread:{origin.id}:adopted:{receiver.id}:{label}:{role}", platform=person.platform,
            recipient=person.user_id, workspace=person.workspace, payload=reply.to_dict(), org_id=origin_org.id),
            now=ctx.now)


# -- on the idea's card -------------------------------------------------------------------------------------------


def show_spreading(ctx: Context, idea: Idea, reply: Reply) -> None:
    """Where an idea came from and where it went; a coach's button to offer an implemented idea."""
    if reply.kind is not ReplyKind.IDEA:
        return
    if idea.spread_from_id is not None:
        source = ctx.session.get(Idea, idea.spread_from_id)
        source_org = ctx.session.get(Organisation, source.org_id) if source else None
        if source is not None and source_org is not None:
            reply.fields.append(Field(t(ctx.lang, "spread.field.from"),
                                      f"{org_store.label(source_org)} #{source.number}"))
    adoptions = store.adoptions_of(ctx.session, idea.id)  # type: ignore[arg-type]
    if adoptions:
        receivers = org_store.orgs_by_ids(ctx.session, {a.receiver_org_id for a in adoptions})
        ideas = {i.id: i for i in idea_store.ideas_by_ids(ctx.session, [a.idea_id for a in adoptions])}
        where = [f"{org_store.label(receivers[a.receiver_org_id])} #{ideas[a.idea_id].number}"
                 for a in adoptions if a.idea_id in ideas and a.receiver_org_id in receivers]
        reply.fields.append(Field(t(ctx.lang, "spread.field.to"), ", ".join(where)))
    if idea.stage in OFFERABLE and is_coach(ctx):
        reply.buttons.append(Button(t(ctx.lang, "spread.button.offer"), ActionId.SPREAD_OFFER, str(idea.number)))


IDEA_VIEWS.append(show_spreading)
FORMS[FORM] = submit_offer_form
ACTIONS[ActionId.SPREAD_OFFER] = offer_action
ACTIONS[ActionId.SPREAD_ADOPT] = adopt
