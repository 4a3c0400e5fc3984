"""Who handles an idea: chosen at capture, taken ("Ta ansvar") or handed to another coach.

The rule at capture: the coach of the idea's unit (`idesluss coaches assign --unit`), else the coach of its
pilot group (`idesluss groups set-coach`), else the organisation's coaches in turn. Nobody is given their
own idea. Taking or handing over tells the author who handles it now; it is not feedback on the idea.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.core import views
from bot.core.audit import record_act
from bot.core.context import Context
from bot.core.i18n import language, t
from bot.core.replies import ActionId, Button, Reply, ReplyKind
from storage import audit, outbox
from storage import feedback as store
from storage.ideas import set_owner
from storage.models import Idea, Person


def choose_owner(ctx: Context, author_id: int, unit: str | None, group_id: int | None) -> Person | None:
    """The coach of the new idea's unit, else of its pilot group (the nudge's, else the author's), else the
    organisation's coaches in turn (skipping those the platform cannot reach); never the author."""
    found = store.owner_candidates(ctx.session, ctx.org.id, author_id=author_id, unit=unit, group_id=group_id)
    for why, person in found:
        if why != store.ANY_COACH and person.id != author_id:
            return person
    turn = [p for why, p in found if why == store.ANY_COACH and p.id != author_id and not p.unreachable]
    return store.next_in_turn(ctx.session, ctx.org, turn)


def tell_author(ctx: Context, idea: Idea, key: str, reply_for: Callable[[str], Reply]) -> None:
    """Enqueue `reply_for(lang)` to the idea's author (unless they are the one acting), in this transaction."""
    author = ctx.session.get(Person, idea.author_id)
    if author is None or author.id == ctx.person.id:
        return
    reply = reply_for(language(author.locale, ctx.lang))
    outbox.enqueue(ctx.session, outbox.NewMessage(
        key=key, platform=author.platform, recipient=author.user_id, workspace=author.workspace,
        payload=reply.to_dict(), org_id=ctx.org.id), now=ctx.now)


def tell_person(ctx: Context, person: Person, key: str, reply: Reply) -> None:
    outbox.enqueue(ctx.session, outbox.NewMessage(
        key=key, platform=person.platform, recipient=person.user_id, workspace=person.workspace,
        payload=reply.to_dict(), org_id=ctx.org.id), now=ctx.now)


def change_owner(ctx: Context, idea: Idea, owner: Person) -> None:
    """Set the responsible coach and tell the author who handles their idea now (and the new owner, when
    someone else handed it to them)."""
    if idea.owner_id == owner.id:
        return
    # Audited: the responsible coach is one of the people who may reveal an anonymous author.
    record_act(ctx, audit.OWNER_CHANGE, idea=idea, previous_owner=idea.owner_id, owner=owner.id)
    set_owner(ctx.session, idea, owner, now=ctx.now)
    stamp = ctx.now.strftime("%Y%m%dT%H%M%S%f")
    name = views.display_name(owner)

    def for_author(lang: str) -> Reply:
        return Reply(ReplyKind.NOTIFICATION, t(lang, "owner.notify.text", number=idea.number, title=idea.title,
                                               coach=name),
                     title=t(lang, "owner.notify.title", number=idea.number), idea_number=idea.number, locale=lang,
                     buttons=[Button(t(lang, "button.show"), ActionId.SHOW, str(idea.number))])

    tell_author(ctx, idea, f"owner:{idea.id}:{owner.id}:{stamp}", for_author)
    if owner.id != ctx.person.id:
        lang = language(owner.locale, ctx.lang)
        tell_person(ctx, owner, f"handover:{idea.id}:{owner.id}:{stamp}", Reply(
            ReplyKind.NOTIFICATION, t(lang, "handover.notify.text", who=views.display_name(ctx.person),
                                      number=idea.number, title=idea.title),
            title=t(lang, "handover.notify.title", number=idea.number), idea_number=idea.number, locale=lang,
            buttons=[Button(t(lang, "button.show"), ActionId.SHOW, str(idea.number))]))
