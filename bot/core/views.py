"""Builders that turn stored ideas into replies in the reader's language."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core import records_text  # noqa: F401 - "Tidigare medarbetare", "Visa idégivare"
from bot.core.i18n import t
from bot.core.replies import ActionId, Button, Field, Form, FormField, IdeaLine, Option, Reply, ReplyKind, Select
from bot.core.stages import CHOOSABLE_STAGES, STAGES, stage_label
from storage.models import Comment, Idea, Person, StageChange
from storage.search import SimilarIdea


def display_name(person: Person | None, lang: str = "sv") -> str:
    """How a person is named to others: "Tidigare medarbetare" once erased (nothing else is left of them)."""
    if person is None:
        return ""
    if person.erased:
        return t(lang, "person.former")
    return person.display_name or person.user_id


def author_label(idea: Idea, person: Person | None, lang: str) -> str:
    """The name beside something the idea's author did (the idea, a comment, a stage change): "Anonym" when
    the idea is anonymous, so that neither the idea nor its author's own comment names them."""
    if idea.anonymous and (person is None or person.id == idea.author_id):
        return t(lang, "show.anonymous")
    return display_name(person, lang)


def idea_line(idea: Idea | SimilarIdea, lang: str, *, author: Person | None = None, votes: int = 0) -> IdeaLine:
    """A line in a list; with `author` it names them ("Anonym" for an anonymous idea)."""
    shown_author = None if author is None or not isinstance(idea, Idea) else author_label(idea, author, lang)
    return IdeaLine(number=idea.number, title=idea.title, stage=idea.stage, stage_label=stage_label(idea.stage, lang),
                    author=shown_author, votes=votes)


def stage_names(lang: str) -> str:
    return ", ".join(s.label(lang) for s in STAGES)


def error(lang: str, key: str, **values: object) -> Reply:
    return Reply(ReplyKind.ERROR, t(lang, key, **values), locale=lang)


def captured(idea: Idea, similar: Sequence[SimilarIdea], lang: str, *, again: bool = False) -> Reply:
    stage = stage_label(idea.stage, lang)
    text = t(lang, "captured.again" if again else "captured.text", number=idea.number, title=idea.title, stage=stage)
    if idea.anonymous:
        text += "\n" + t(lang, "captured.anonymous")
    return Reply(
        ReplyKind.CAPTURED,
        text,
        title=t(lang, "captured.title", number=idea.number),
        fields=[Field(t(lang, "field.stage"), stage)],
        ideas=[idea_line(s, lang) for s in similar],
        ideas_heading=t(lang, "captured.similar") if similar else None,
        buttons=[
            Button(t(lang, "button.details"), ActionId.ADD_DETAILS, str(idea.number)),
            Button(t(lang, "button.undo"), ActionId.UNDO, str(idea.number), style="danger"),
            Button(t(lang, "button.show"), ActionId.SHOW, str(idea.number)),
        ],
        idea_number=idea.number,
        locale=lang,
    )


MAX_TOP_LEVEL_ACTIONS = 6  # Teams shows no more on a card


def idea_detail(idea: Idea, lang: str, *, author: Person | None, votes: int,
                history: Sequence[tuple[StageChange, Person | None]],
                comments: Sequence[tuple[Comment, Person]], is_coach: bool, owner: Person | None = None,
                promised: str | None = None, coaches: Sequence[Person] = (), viewer_id: int | None = None,
                can_reveal: bool = False) -> Reply:
    """One idea as anyone may see it. An anonymous idea's author is "Anonym" everywhere in it (beside their
    comments and stage changes too), and the link to the message it came from is left out (that message
    names its writer). `can_reveal` adds "Visa idégivare" for the responsible coach and the admins.

    A coach's card acts in one step and keeps to six top-level actions (Teams shows no more): +1, Ta ansvar,
    Fråga idégivaren, Kommentera, and two choices (status, hand over); when "Visa idégivare" makes a seventh,
    taking the idea is left to the hand-over choice, which offers the coach themself."""
    fields = [Field(t(lang, "field.stage"), stage_label(idea.stage, lang))]
    for key in ("problem", "benefit", "unit"):
        value = getattr(idea, key)
        if value:
            fields.append(Field(t(lang, f"field.{key}"), value))
    fields.append(Field(t(lang, "field.author"), author_label(idea, author, lang)))
    if idea.original_author:
        fields.append(Field(t(lang, "field.original_author"), idea.original_author))
    fields.append(Field(t(lang, "field.owner"), display_name(owner) if owner else t(lang, "owner.none")))
    if promised and idea.first_feedback_at is None:
        fields.append(Field(t(lang, "field.due"), promised))
    fields.append(Field(t(lang, "field.votes"), str(votes)))
    if idea.source_link and not idea.anonymous:
        fields.append(Field(t(lang, "field.source"), idea.source_link))
    lines = []
    for change, who in history:
        line = t(lang, "history.line", date=change.created_at.strftime("%Y-%m-%d"),
                 stage=stage_label(change.to_stage, lang))
        if who is not None and change.from_stage is not None:
            line += t(lang, "history.by", who=author_label(idea, who, lang))
        if change.comment:
            line += t(lang, "history.comment", comment=change.comment)
        lines.append(line)
    fields.append(Field(t(lang, "field.history"), "\n".join(lines)))
    if comments:
        fields.append(Field(t(lang, "field.comments"),
                            "\n".join(f"{author_label(idea, p, lang)}: {c.text}" for c, p in comments[-10:])))
    number = str(idea.number)
    buttons = [Button(t(lang, "button.vote"), ActionId.VOTE, number)]
    selects: list[Select] = []
    if can_reveal and idea.anonymous:
        buttons.append(Button(t(lang, "button.reveal"), ActionId.REVEAL_AUTHOR, number))
    if is_coach:
        if owner is None or owner.id != viewer_id:
            buttons.append(Button(t(lang, "button.take"), ActionId.TAKE_OWNERSHIP, number))
        buttons += [Button(t(lang, "button.ask"), ActionId.ASK, number),
                    Button(t(lang, "button.comment"), ActionId.COMMENT, number)]
        selects.append(Select(ActionId.SET_STAGE, t(lang, "select.stage"),
                              [Option(stage_label(code, lang), f"{number}:{code}") for code in CHOOSABLE_STAGES
                               if code != idea.stage], t(lang, "select.stage_placeholder"), value=number))
        others = [c for c in coaches if owner is None or c.id != owner.id]
        if others:
            selects.append(Select(ActionId.HANDOVER, t(lang, "select.handover"),
                                  [Option(display_name(c), f"{number}:{c.id}") for c in others[:100]],
                                  t(lang, "select.handover_placeholder"), value=number))
        take = next((b for b in buttons if b.action_id == ActionId.TAKE_OWNERSHIP), None)
        offers_me = any(c.id == viewer_id for c in others[:100])
        if len(buttons) + len(selects) > MAX_TOP_LEVEL_ACTIONS and take is not None and offers_me:
            buttons.remove(take)
    return Reply(ReplyKind.IDEA, idea.text, title=t(lang, "show.title", number=idea.number, title=idea.title),
                 fields=fields, buttons=buttons, selects=selects, idea_number=idea.number, locale=lang)


def commenter_name(idea: Idea, person: Person, lang: str) -> str:
    """Who answered, in a message to the coach: the author of an anonymous idea is "Idégivaren", never named."""
    if idea.anonymous and person.id == idea.author_id:
        return t(lang, "author.anonymous")
    return display_name(person, lang)


def text_form(title: str, label: str, submit: str, context: str, *, idea_number: int, max_length: int = 2000) -> Form:
    """A one-field form (a question, a comment, a reason). Its field is named `text`, which every platform's
    form submission carries."""
    return Form(title=title, submit_label=submit, idea_number=idea_number, context=context,
                fields=[FormField("text", label, kind="multiline", required=True, max_length=max_length)])


def idea_form(lang: str, *, idea: Idea | None = None, values: dict[str, object] | None = None,
              max_length: int = 4000, context: str = "", anonymous_allowed: bool = True) -> Form:
    """The idea form; without the "anonymous" checkbox where the organisation has turned anonymous ideas off
    (an idea that is anonymous already keeps its checkbox, so its author may still choose to be named)."""
    values = dict(values or {})
    if idea is not None:
        for key in ("title", "text", "problem", "benefit", "unit"):
            values.setdefault(key, getattr(idea, key))
        values.setdefault("anonymous", idea.anonymous)

    def current(name: str) -> str | None:
        value = values.get(name)
        return None if value is None or isinstance(value, bool) else str(value)

    return Form(
        title=t(lang, "form.title_details", number=idea.number) if idea else t(lang, "form.title"),
        submit_label=t(lang, "form.submit"),
        fields=[
            FormField("title", t(lang, "field.title"), required=True, max_length=120, value=current("title"),
                      placeholder=t(lang, "form.placeholder.title")),
            FormField("text", t(lang, "field.text"), kind="multiline", required=True, max_length=max_length,
                      value=current("text")),
            FormField("problem", t(lang, "field.problem"), kind="multiline", max_length=2000, value=current("problem")),
            FormField("benefit", t(lang, "field.benefit"), kind="multiline", max_length=2000, value=current("benefit")),
            FormField("unit", t(lang, "field.unit"), max_length=200, value=current("unit")),
            *([FormField("anonymous", t(lang, "field.anonymous"), kind="checkbox",
                         value="true" if values.get("anonymous") else None)]
              if anonymous_allowed or values.get("anonymous") else []),
        ],
        idea_number=idea.number if idea else None,
        context=context,
    )


def stage_notification(idea: Idea, change: StageChange, lang: str) -> Reply:
    stage = stage_label(change.to_stage, lang)
    text = t(lang, "stage.notify.text", title=idea.title, from_stage=stage_label(change.from_stage or "new", lang),
             stage=stage)
    if change.comment:
        text += "\n" + t(lang, "stage.notify.comment", comment=change.comment)
    return Reply(ReplyKind.NOTIFICATION, text, title=t(lang, "stage.notify.title", number=idea.number, stage=stage),
                 buttons=[Button(t(lang, "button.show"), ActionId.SHOW, str(idea.number))],
                 idea_number=idea.number, locale=lang)
