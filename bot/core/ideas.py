"""The idea use cases: capture, list, search, show, change stage, withdraw, vote, comment."""

from __future__ import annotations

from dataclasses import replace
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from bot.core import links, ownership, views
from bot.core.audit import acting_role, record_act
from bot.core.context import Context, Origin
from bot.core.extensions import (
    AFTER_CAPTURE,
    AFTER_COMMENT,
    CAPTURE_DECIDERS,
    CAPTURE_ENRICHERS,
    IDEA_VIEWS,
    STAGE_CHANGED,
)
from bot.core.feedback_text import long_date_year
from bot.core.grammar import make_title
from bot.core.i18n import language, t
from bot.core.replies import IdeaLine, Reply, ReplyKind
from bot.core.stages import BY_CODE, stage_label
from storage import audit, outbox
from storage import feedback as feedback_store
from storage import ideas as store
from storage.models import Idea, Organisation, Person
from storage.orgs import label as org_label
from storage.people import has_role
from storage.text import clean_text

CAPTURED = "captured"  # the event `Core` reports (metrics) once a new idea's transaction committed


def is_coach(ctx: Context) -> bool:
    """A coach (or admin) of the organisation the request acts in."""
    return has_role(ctx.session, ctx.person, "coach", "admin", org_id=ctx.org.id)


def local_today(ctx: Context):  # type: ignore[no-untyped-def]
    return ctx.now.astimezone(ZoneInfo(ctx.timezone)).date()


def in_project_group(ctx: Context, idea: Idea) -> bool:
    """The people who may learn who an anonymous idea's author is: its responsible coach and the admins."""
    return idea.owner_id == ctx.person.id or has_role(ctx.session, ctx.person, "admin", org_id=ctx.org.id)


def anonymity_refused(ctx: Context, origin: Origin | None) -> Reply | None:
    """Why an anonymous idea cannot be taken here, or None: the organisation turned anonymous ideas off, or
    the message is one others see (a mention in a channel names its writer, and so would the answer)."""
    if not ctx.org.anonymous_ideas:
        return views.error(ctx.lang, "anonymous.off")
    if origin is not None and origin.public:
        return views.error(ctx.lang, "anonymous.public")
    return None


def too_long(ctx: Context, text: str) -> Reply | None:
    if len(text) > ctx.max_length:
        return views.error(ctx.lang, "error.too_long", limit=ctx.max_length, length=len(text))
    return None


def capture(ctx: Context, text: str, origin: Origin | None, *, title: str | None = None,
            problem: str | None = None, benefit: str | None = None, unit: str | None = None,
            anonymous: bool = False) -> Reply:
    """Store an idea (never an empty one) and answer with its number, stage and similar ideas."""
    text = clean_text(text)
    if not text:
        return views.error(ctx.lang, "guided.empty")
    if (reply := too_long(ctx, text)) is not None:
        return reply
    if anonymous and (refused := anonymity_refused(ctx, origin)) is not None:
        return refused
    origin = origin or Origin()
    if origin.original_author == ctx.person.ref:
        origin = replace(origin, original_author=None)  # one's own message saved as an idea is simply theirs
    for enrich in CAPTURE_ENRICHERS:
        origin = enrich(ctx, origin)
    new = store.NewIdea(
        title=clean_text(title) or make_title(text), text=text, source=ctx.person.platform, problem=problem,
        benefit=benefit, unit=unit, anonymous=anonymous, source_link=origin.link, source_channel=origin.channel,
        source_message_ref=origin.message_ref, original_author=origin.original_author, dedup_key=origin.dedup_key,
        group_id=origin.group_id, nudge_id=origin.nudge_id, challenge_id=origin.challenge_id,
    )
    idea, created = store.capture_idea(ctx.session, ctx.org, ctx.person, new, now=ctx.now,
                                       decide=lambda fresh: decide_new(ctx, fresh))
    if created:
        ctx.events.append(CAPTURED)
        if origin.channel and origin.message_ref:
            # The message the idea came from stands for it: a reaction on it is a vote, a reply in its thread
            # a comment, on every platform.
            links.link(ctx.session, idea, ctx.person.platform, origin.channel, origin.message_ref, now=ctx.now)
    similar = store.similar_ideas(ctx.session, idea)
    reply = views.captured(idea, similar, ctx.lang, again=not created)
    for hook in AFTER_CAPTURE:
        hook(ctx, idea, reply, created)
    for extend in IDEA_VIEWS:  # features add what they know about it (the challenge it answers)
        extend(ctx, idea, reply)
    return reply


def decide_new(ctx: Context, new: store.NewIdea) -> None:
    """What the features decide about a new idea before it is stored (extensions.CAPTURE_DECIDERS)."""
    for decide in CAPTURE_DECIDERS:
        decide(ctx, new)


def find(ctx: Context, number: int) -> Idea | Reply:
    idea = store.get_idea(ctx.session, ctx.org.id, number)
    if idea is None:
        return views.error(ctx.lang, "error.unknown_number", number=number)
    return idea


def find_own(ctx: Context, number: int) -> Idea | Reply:
    """The caller's own idea, or the reply that says why not."""
    found = find(ctx, number)
    if isinstance(found, Reply) or found.author_id == ctx.person.id:
        return found
    return views.error(ctx.lang, "error.not_author", number=number)


def own_ideas(ctx: Context) -> Reply:
    ideas = store.ideas_by_author(ctx.session, ctx.person)
    votes = store.vote_count(ctx.session, [i.id for i in ideas])
    if not ideas:
        return Reply(ReplyKind.LIST, t(ctx.lang, "list.empty"), title=t(ctx.lang, "list.title"), locale=ctx.lang)
    text = t(ctx.lang, "list.one") if len(ideas) == 1 else t(ctx.lang, "list.text", count=len(ideas))
    lines = [views.idea_line(i, ctx.lang, votes=votes.get(i.id, 0)) for i in ideas]
    return Reply(ReplyKind.LIST, text, title=t(ctx.lang, "list.title"), ideas=lines, locale=ctx.lang)


def _lines_with_authors(ctx: Context, ideas: list[Idea]) -> list[IdeaLine]:
    authors = {p.id: p for p in _people(ctx, {i.author_id for i in ideas})}
    votes = store.vote_count(ctx.session, [i.id for i in ideas])
    return [views.idea_line(i, ctx.lang, author=authors.get(i.author_id), votes=votes.get(i.id, 0)) for i in ideas]


def _people(ctx: Context, ids: set[int]) -> list[Person]:
    if not ids:
        return []
    return list(ctx.session.exec(select(Person).where(col(Person.id).in_(ids))).all())


def search(ctx: Context, query: str) -> Reply:
    query = clean_text(query)
    ideas = store.search_ideas(ctx.session, ctx.org.id, query)
    title = t(ctx.lang, "search.title", query=query)
    if not ideas:
        return Reply(ReplyKind.LIST, t(ctx.lang, "search.empty", query=query), title=title, locale=ctx.lang)
    text = t(ctx.lang, "search.one") if len(ideas) == 1 else t(ctx.lang, "search.text", count=len(ideas))
    return Reply(ReplyKind.LIST, text, title=title,
                 ideas=_lines_with_authors(ctx, ideas), locale=ctx.lang)


def _lines_of(ctx: Context, organisations: list[Organisation], fetch) -> list[IdeaLine]:  # type: ignore[no-untyped-def]
    """Idea lines of one or several organisations; with several, each line carries its organisation. One query
    per organisation for its ideas, then one for all their authors and one for all their votes."""
    found = [(org, fetch(org)) for org in organisations]
    every = [idea for _, ideas in found for idea in ideas]
    authors = {p.id: p for p in _people(ctx, {i.author_id for i in every})}
    votes = store.vote_count(ctx.session, [i.id for i in every])
    lines: list[IdeaLine] = []
    for org, ideas in found:
        for idea in ideas:
            line = views.idea_line(idea, ctx.lang, author=authors.get(idea.author_id), votes=votes.get(idea.id, 0))
            if len(organisations) > 1:
                line.organisation = org_label(org)
            lines.append(line)
    return lines


def show(ctx: Context, number: int) -> Reply:
    found = find(ctx, number)
    if isinstance(found, Reply):
        return found
    author = ctx.session.get(Person, found.author_id)
    votes = store.vote_count(ctx.session, [found.id]).get(found.id, 0)
    coach = is_coach(ctx)
    owner = ctx.session.get(Person, found.owner_id) if found.owner_id else None
    promised = long_date_year(found.feedback_due, ctx.lang, local_today(ctx)) if found.feedback_due else None
    reply = views.idea_detail(found, ctx.lang, author=author, votes=votes,
                             history=store.stage_history(ctx.session, found),
                             comments=store.comments_for(ctx.session, found), is_coach=coach, owner=owner,
                             promised=promised, viewer_id=ctx.person.id,
                             coaches=feedback_store.coaches(ctx.session, ctx.org.id) if coach else (),
                             can_reveal=found.anonymous and in_project_group(ctx, found))
    for extend in IDEA_VIEWS:  # features add what they know about the idea (its challenge, where it spread)
        extend(ctx, found, reply)
    return reply


def is_coach_or_manager(ctx: Context) -> bool:
    return has_role(ctx.session, ctx.person, "coach", "admin", "manager", org_id=ctx.org.id)


def request_info(ctx: Context, number: int) -> Reply:
    """"Be om komplettering" from a digest: coaches and managers may ask the author for more."""
    if not is_coach_or_manager(ctx):
        return views.error(ctx.lang, "error.not_allowed")
    return set_stage(ctx, number, "needs_info", allowed=True)


def recent(ctx: Context, organisations: list[Organisation] | None = None) -> Reply:
    """"Visa alla": the newest ideas of each organisation the coach or manager serves, one's own for others."""
    organisations = organisations if organisations is not None else ([ctx.org] if is_coach_or_manager(ctx) else [])
    if not organisations:
        return own_ideas(ctx)
    lines = _lines_of(ctx, organisations, lambda org: store.recent_ideas(ctx.session, org.id, limit=50))
    text = t(ctx.lang, "recent.text", count=len(lines)) if lines else t(ctx.lang, "recent.empty")
    return Reply(ReplyKind.LIST, text, title=t(ctx.lang, "recent.title"), ideas=lines, locale=ctx.lang)


def set_stage(ctx: Context, number: int, stage: str | None, comment: str = "", *, stage_word: str | None = None,
              allowed: bool = False) -> Reply:
    if not (allowed or is_coach(ctx)):
        return views.error(ctx.lang, "error.not_coach")
    if stage is None and stage_word is None:
        return views.error(ctx.lang, "stage.choose")
    if stage is None or stage not in BY_CODE:
        return views.error(ctx.lang, "error.unknown_stage", stage=stage_word or stage or "",
                           stages=views.stage_names(ctx.lang))
    found = find(ctx, number)
    if isinstance(found, Reply):
        return found
    comment = clean_text(comment)
    if stage == "declined" and not comment:
        if ctx.forms:  # a button or a choice: ask for the reason in a form instead of sending them to a command
            form = views.text_form(t(ctx.lang, "form.decline_title", number=number), t(ctx.lang, "form.decline_field"),
                                   t(ctx.lang, "form.send"), f"feedback:decline:{number}", idea_number=number)
            return Reply(ReplyKind.OPEN_FORM, form.title, form=form, idea_number=number, locale=ctx.lang)
        return views.error(ctx.lang, "stage.declined_needs_reason", number=number)
    if found.stage == stage and not comment:
        return Reply(ReplyKind.INFO, t(ctx.lang, "stage.same", number=number, stage=stage_label(stage, ctx.lang)),
                     idea_number=number, locale=ctx.lang)
    role = acting_role(ctx)
    change = store.change_stage(ctx.session, found, ctx.person, stage, comment, now=ctx.now, actor_role=role)
    record_act(ctx, audit.STAGE_CHANGE, idea=found, from_stage=change.from_stage, to_stage=stage, role=role)
    author = ctx.session.get(Person, found.author_id)
    if author is not None and author.id != ctx.person.id and not author.erased:
        # The author hears about it through the outbox, in the same transaction as the change itself.
        lang = language(author.locale, ctx.lang)
        notice = views.stage_notification(found, change, lang)
        outbox.enqueue(ctx.session, outbox.NewMessage(
            key=f"stage:{found.id}:{change.id}", platform=author.platform, recipient=author.user_id,
            workspace=author.workspace, payload=notice.to_dict(), org_id=ctx.org.id), now=ctx.now)
    for hook in STAGE_CHANGED:
        hook(ctx, found, change)
    return Reply(ReplyKind.INFO, t(ctx.lang, "stage.changed", number=number, stage=stage_label(stage, ctx.lang)),
                 idea_number=number, locale=ctx.lang)


def take_ownership(ctx: Context, number: int) -> Reply:
    if not is_coach_or_manager(ctx):
        return views.error(ctx.lang, "error.not_allowed")
    found = find(ctx, number)
    if isinstance(found, Reply):
        return found
    ownership.change_owner(ctx, found, ctx.person)
    return Reply(ReplyKind.INFO, t(ctx.lang, "take.done", number=number), idea_number=number, locale=ctx.lang)


def withdraw(ctx: Context, number: int) -> Reply:
    found = find_own(ctx, number)
    if isinstance(found, Reply):
        return found
    store.withdraw_idea(ctx.session, found, now=ctx.now)
    return Reply(ReplyKind.INFO, t(ctx.lang, "undo.done", number=number), idea_number=number, locale=ctx.lang)


def cast_vote(ctx: Context, idea: Idea) -> str:
    """One vote per person, never on one's own idea: "voted", "again" or "own"."""
    if idea.author_id == ctx.person.id:
        return "own"
    return "voted" if store.add_vote(ctx.session, idea, ctx.person, now=ctx.now) else "again"


def vote(ctx: Context, number: int) -> Reply:
    found = find(ctx, number)
    if isinstance(found, Reply):
        return found
    outcome = cast_vote(ctx, found)
    if outcome == "own":
        return Reply(ReplyKind.INFO, t(ctx.lang, "vote.own"), idea_number=number, locale=ctx.lang)
    if outcome == "again":
        return Reply(ReplyKind.INFO, t(ctx.lang, "vote.again", number=number), idea_number=number, locale=ctx.lang)
    votes = store.vote_count(ctx.session, [found.id]).get(found.id, 0)
    key = "vote.done.one" if votes == 1 else "vote.done"
    return Reply(ReplyKind.INFO, t(ctx.lang, key, number=number, votes=votes), idea_number=number, locale=ctx.lang)


def comment(ctx: Context, number: int, text: str, origin: Origin | None) -> Reply:
    found = find(ctx, number)
    if isinstance(found, Reply):
        return found
    text = clean_text(text)
    if not text:
        return views.error(ctx.lang, "error.empty_comment")
    if (reply := too_long(ctx, text)) is not None:
        return reply
    stored = store.add_comment(ctx.session, found, ctx.person, text, now=ctx.now,
                               dedup_key=origin.dedup_key if origin else None)
    said = t(ctx.lang, "comment.done", number=number)
    if stored is not None:
        for hook in AFTER_COMMENT:
            said = hook(ctx, found, stored) or said
    return Reply(ReplyKind.INFO, said, idea_number=number, locale=ctx.lang)
