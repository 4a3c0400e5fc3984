"""Anonymity as the sluices practise it: `/idé anonym <text>`, and "Visa idégivare" for the project group.

An anonymous idea's author is known to the bot and shown only to the idea's responsible coach
(`Idea.owner_id`, set by "Ta ansvar") and the organisation's admins, and only when they ask: every reveal is
an audited act. Everywhere else the author reads "Anonym" (bot/core/views.py). The author still gets every
message about their idea and can act on it.

Registered through `bot.core.extensions` (FEATURE_MODULES): the grammar stays closed to edits.
"""

from __future__ import annotations

from bot.core import (
    records_text,  # noqa: F401 - registers the text
    views,
)
from bot.core.audit import record_act
from bot.core.context import Context
from bot.core.extensions import ACTIONS, command
from bot.core.grammar import parse_number
from bot.core.i18n import t
from bot.core.ideas import anonymity_refused, capture, find, in_project_group
from bot.core.replies import ActionId, Reply, ReplyKind
from storage import audit
from storage.models import Person


@command("anonym", "anonymous", "anonymt")
def anonymous_idea(ctx: Context, rest: str) -> Reply | None:
    """`/idé anonym <text>`: the idea in one line, without the author's name, on every platform."""
    if not ctx.may_capture:
        return None  # "anonym …" in a chat without the `idé` prefix: the core's hint, nothing stored
    if not rest.strip():
        refused = anonymity_refused(ctx, ctx.origin)
        return refused or Reply(ReplyKind.HELP, t(ctx.lang, "anonymous.usage"), locale=ctx.lang)
    return capture(ctx, rest, ctx.origin, anonymous=True)


def reveal_author(ctx: Context, action_id: str, value: str) -> Reply | None:
    """"Visa idégivare": the name, to the responsible coach or an admin alone, and an audit entry."""
    number = parse_number(value) or 0
    found = find(ctx, number)
    if isinstance(found, Reply):
        return found
    if not found.anonymous:
        return views.error(ctx.lang, "reveal.not_anonymous", number=number)
    if not in_project_group(ctx, found):
        return views.error(ctx.lang, "reveal.not_allowed")
    author = ctx.session.get(Person, found.author_id)
    record_act(ctx, audit.IDENTITY_REVEAL, idea=found, subject=author)
    if author is None or author.erased:
        text = t(ctx.lang, "reveal.former", number=number)
    else:
        text = t(ctx.lang, "reveal.text", number=number, name=views.display_name(author, ctx.lang), ref=author.ref)
    return Reply(ReplyKind.INFO, text, idea_number=number, locale=ctx.lang, private=True)


ACTIONS[ActionId.REVEAL_AUTHOR] = reveal_author
