"""The platform-neutral reply model.

The core answers every request with a `Reply`. Adapters render it: Block Kit for Slack, an Adaptive
Card for Teams, plain text for the shell. All strings in a reply are *plain text* exactly as a person
should read them (user text included, unescaped); each adapter escapes for its own markup.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class ReplyKind(StrEnum):
    CAPTURED = "captured"  # an idea was stored
    IDEA = "idea"  # one idea with its history
    LIST = "list"  # a list of ideas (own ideas, search hits)
    HELP = "help"
    INFO = "info"  # a neutral confirmation (stage changed, withdrawn, voted, ...)
    ERROR = "error"  # the request could not be done; text says why in the person's language
    QUESTION = "question"  # a guided-capture question; the next plain message answers it
    OPEN_FORM = "open_form"  # platforms with forms should open the idea form (Slack modal, Teams card)
    NOTIFICATION = "notification"  # a message sent to someone who did not ask (outbox)


class ActionId(StrEnum):
    """Action ids on buttons. The value of a button is always a string the core parses again."""

    ADD_DETAILS = "idea.details"  # value: idea number
    UNDO = "idea.undo"  # value: idea number
    SHOW = "idea.show"  # value: idea number
    VOTE = "idea.vote"  # value: idea number
    SET_STAGE = "idea.stage"  # value: "<number>:<stage code>"
    TAKE_OWNERSHIP = "idea.take"  # value: idea number
    REQUEST_INFO = "idea.request_info"  # value: idea number
    LIST_ALL = "ideas.all"  # value: ""
    NEW_IDEA = "idea.new"  # value: "" or a nudge id; opens the form
    NUDGE_SKIP = "nudge.skip"  # value: nudge id
    MENU = "idea.menu"  # value: "<action id>|<value>": one choice in a menu of several actions (queue lines)
    ASK = "idea.ask"  # value: idea number; opens the question form ("Fråga idégivaren")
    COMMENT = "idea.comment"  # value: idea number; opens the comment form
    HANDOVER = "idea.handover"  # value: "<number>:<person id>" (a choice), or the number
    QUEUE = "ideas.queue"  # value: ""; the coach's queue
    REVEAL_AUTHOR = "idea.reveal_author"  # value: idea number; "Visa idégivare" (responsible coach, admins)
    NAME_CONSENT_YES = "idea.name_yes"  # value: idea number; the author lets their name be shown more widely
    NAME_CONSENT_NO = "idea.name_no"  # value: idea number
    CHALLENGE_NEW = "challenge.new"  # value: ""; opens the challenge form (managers, admins)
    CHALLENGE_SHOW = "challenge.show"  # value: challenge number
    SPREAD_OFFER = "idea.spread"  # value: idea number; opens the spreading form (coaches, an implemented idea)
    SPREAD_ADOPT = "spread.adopt"  # value: "<offer id>:<target>"; "Vi vill testa"


@dataclass(slots=True)
class Button:
    label: str
    action_id: str
    value: str = ""
    style: str | None = None  # "primary" | "danger" | None


@dataclass(slots=True)
class Field:
    label: str
    value: str


@dataclass(slots=True)
class Option:
    label: str
    value: str


@dataclass(slots=True)
class Select:
    """A choice control: Slack renders a static_select (the choice arrives at once), Teams an
    Input.ChoiceSet with one Action.Execute button labelled `label`; the core gets `action_id` with the
    chosen option's value, exactly as if a button with that value had been pressed."""

    action_id: str
    label: str
    options: list[Option]
    placeholder: str | None = None
    value: str = ""  # what an unchosen Teams button sends (e.g. the idea number, so the core can say why)


@dataclass(slots=True)
class IdeaLine:
    """One idea in a list: rendered as a line with number, title and stage."""

    number: int
    title: str
    stage: str  # stage code
    stage_label: str  # in the reader's language
    author: str | None = None  # display name ("Anonym" for an anonymous idea), None when not relevant
    votes: int = 0
    note: str | None = None  # e.g. "3 arbetsdagar kvar · Cecilia" in the coach's queue
    menu: Select | None = None  # acting on this idea in one step (the queue's lines)
    organisation: str | None = None  # "Aneby": set wherever the reader works on several organisations' ideas

    @property
    def label(self) -> str:
        """"#12", or "Aneby #12" when the line carries its organisation."""
        return f"{self.organisation} #{self.number}" if self.organisation else f"#{self.number}"


@dataclass(slots=True)
class ChartPoint:
    label: str
    value: float


@dataclass(slots=True)
class Chart:
    """A picture of figures for platforms that can draw one (Teams' chart elements, a PNG in Slack). The same
    figures are always in the reply's text and fields as well."""

    kind: str  # bar | line | donut
    title: str
    points: list[ChartPoint]
    x_title: str | None = None
    y_title: str | None = None


@dataclass(slots=True)
class FormField:
    """A field of the idea form. `name` is the key the form submission uses."""

    name: str  # title | text | problem | benefit | unit | anonymous | challenge | …
    label: str
    kind: str = "text"  # text | multiline | checkbox | choice (one of `options`) | date (YYYY-MM-DD)
    required: bool = False
    max_length: int | None = None
    value: str | None = None
    placeholder: str | None = None
    options: list[Option] = field(default_factory=list)  # the choices of a `choice` field


@dataclass(slots=True)
class Form:
    title: str
    submit_label: str
    fields: list[FormField]
    idea_number: int | None = None  # set when the form adds details to an existing idea
    context: str = ""  # opaque value the adapter hands back on submit (e.g. a nudge id)


@dataclass(slots=True)
class Reply:
    kind: ReplyKind
    text: str
    title: str | None = None
    fields: list[Field] = field(default_factory=list)
    ideas: list[IdeaLine] = field(default_factory=list)
    ideas_heading: str | None = None  # e.g. "Liknande idéer" above `ideas`
    buttons: list[Button] = field(default_factory=list)
    form: Form | None = None
    idea_number: int | None = None
    locale: str = "sv"
    errors: dict[str, str] = field(default_factory=dict)  # form field name -> message
    # What the person's own action just did ("#12 är nu i Bedömning"), shown above the idea it changed. Only
    # the person who acted should read it: a card others can see drops it.
    notice: str | None = None
    selects: list[Select] = field(default_factory=list)  # choice controls beside the buttons
    charts: list[Chart] = field(default_factory=list)
    # Only the person who asked may read this reply (an anonymous idea's author, revealed): an adapter never
    # puts it where others can see it (a card shared in a channel shows it to the presser alone).
    private: bool = False
    # The key of the organisation whose idea `idea_number` is, when it is not the reader's own (a shared coach
    # working on a partner's idea): the message that shows it stands for that organisation's idea.
    idea_org: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reply:
        data = dict(data)
        data["kind"] = ReplyKind(data["kind"])
        data["fields"] = [Field(**f) for f in data.get("fields", [])]
        data["ideas"] = [_idea_line(i) for i in data.get("ideas", [])]
        data["buttons"] = [Button(**b) for b in data.get("buttons", [])]
        data["selects"] = [_select(s) for s in data.get("selects", [])]
        data["charts"] = [Chart(**{**c, "points": [ChartPoint(**p) for p in c.get("points", [])]})
                          for c in data.get("charts", [])]
        form = data.get("form")
        if form is not None:
            form = dict(form)
            form["fields"] = [FormField(**{**f, "options": [Option(**o) for o in f.get("options", [])]})
                              for f in form.get("fields", [])]
            data["form"] = Form(**form)
        return cls(**data)

    def plain_text(self) -> str:
        """The reply as plain text: the shell's rendering and every platform's fallback text."""
        lines: list[str] = []
        if self.notice:
            lines.append(self.notice)
        if self.title:
            lines.append(self.title)
        if self.text:
            lines.append(self.text)
        for f in self.fields:
            lines.append(f"{f.label}: {f.value}")
        if self.ideas and self.ideas_heading:
            lines.append(self.ideas_heading)
        for i in self.ideas:
            who = f" – {i.author}" if i.author else ""
            note = f" · {i.note}" if i.note else ""
            lines.append(f"  {i.label} {i.title} [{i.stage_label}]{who}{note}")
        for name, message in self.errors.items():
            lines.append(f"  {name}: {message}")
        return "\n".join(lines)


def _select(data: dict[str, Any]) -> Select:
    return Select(**{**data, "options": [Option(**o) for o in data.get("options", [])]})


def _idea_line(data: dict[str, Any]) -> IdeaLine:
    data = dict(data)
    if data.get("menu") is not None:
        data["menu"] = _select(data["menu"])
    return IdeaLine(**data)
