"""Consent before publishing a name: asked once, when an idea reaches Test/pilot, Införd or Spridd.

The author (of an idea that is not anonymous) gets one message through the outbox with two buttons; their
answer is stored per idea. Until they say yes, every place that presents the idea more widely — spreading to
other units, channel announcements, the public part of the statistics — shows no name: those features ask
`public_author_name` and nothing else.
"""

from __future__ import annotations

from sqlmodel import Session

from bot.core import records_text  # noqa: F401 - registers the text
from bot.core.audit import record_act
from bot.core.context import Context
from bot.core.extensions import ACTIONS, STAGE_CHANGED
from bot.core.grammar import parse_number
from bot.core.i18n import language, t
from bot.core.ideas import find_own
from bot.core.replies import ActionId, Button, Reply, ReplyKind
from bot.core.stages import stage_label
from storage import audit, consents, outbox
from storage.models import Idea, Person, StageChange

# Where an idea starts being presented beyond the sluice.
WIDER_STAGES = frozenset({"pilot", "implemented", "spread"})


def consent_key(idea: Idea) -> str:
    """One question per idea, ever: the outbox key makes a second ask (pilot, then Införd) a no-op."""
    return f"consent:{idea.id}"


def public_author_name(session: Session, idea: Idea) -> str | None:
    """The name to show when the idea is presented more widely, or None: only with the author's yes, never
    for an anonymous idea or an erased person, and only a real name (a bare platform id is no name)."""
    if idea.anonymous:
        return None
    consent = consents.get(session, idea.id)
    if consent is None or consent.answer is not True or consent.person_id != idea.author_id:
        return None
    author = session.get(Person, idea.author_id)
    if author is None or author.erased or not author.display_name:
        return None
    return author.display_name


def consent_question(idea: Idea, lang: str) -> Reply:
    return Reply(ReplyKind.NOTIFICATION,
                 t(lang, "consent.text", title=idea.title, stage=stage_label(idea.stage, lang)),
                 title=t(lang, "consent.title", number=idea.number),
                 buttons=[Button(t(lang, "button.name_yes"), ActionId.NAME_CONSENT_YES, str(idea.number),
                                 style="primary"),
                          Button(t(lang, "button.name_no"), ActionId.NAME_CONSENT_NO, str(idea.number))],
                 idea_number=idea.number, locale=lang)


def ask_when_presented_wider(ctx: Context, idea: Idea, change: StageChange) -> None:
    if change.to_stage not in WIDER_STAGES or idea.anonymous:
        return
    author = ctx.session.get(Person, idea.author_id)
    if author is None or author.erased or not consents.ask(ctx.session, idea.id, author.id, now=ctx.now):
        return
    lang = language(author.locale, ctx.lang)
    outbox.enqueue(ctx.session, outbox.NewMessage(
        key=consent_key(idea), platform=author.platform, recipient=author.user_id, workspace=author.workspace,
        payload=consent_question(idea, lang).to_dict(), org_id=ctx.org.id), now=ctx.now)


def answer(ctx: Context, action_id: str, value: str) -> Reply | None:
    """The author's yes or no (pressed again, the newer answer counts)."""
    number = parse_number(value) or 0
    found = find_own(ctx, number)
    if isinstance(found, Reply):
        return found
    if found.anonymous:
        return Reply(ReplyKind.INFO, t(ctx.lang, "consent.anonymous", number=number), locale=ctx.lang)
    yes = action_id == ActionId.NAME_CONSENT_YES
    if consents.answer(ctx.session, found.id, ctx.person.id, yes, now=ctx.now):
        record_act(ctx, audit.NAME_CONSENT, idea=found, subject=ctx.person, answer="yes" if yes else "no")
    return Reply(ReplyKind.INFO, t(ctx.lang, "consent.yes" if yes else "consent.no", number=number),
                 idea_number=number, locale=ctx.lang)


STAGE_CHANGED.append(ask_when_presented_wider)
ACTIONS[ActionId.NAME_CONSENT_YES] = answer
ACTIONS[ActionId.NAME_CONSENT_NO] = answer
