"""Who is asking, where from, and the per-request context the use cases work in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from storage.models import Organisation, Person


@dataclass(frozen=True, slots=True)
class Actor:
    """A person as a platform names them. `workspace` is the Slack team id or the Teams tenant id; `enterprise` the
    Slack Enterprise Grid organisation, when there is one. The core maps them to an organisation."""

    platform: str  # slack | teams | shell
    user_id: str
    workspace: str | None = None
    display_name: str | None = None
    locale: str | None = None
    timezone: str | None = None
    enterprise: str | None = None

    @property
    def ref(self) -> str:
        return f"{self.platform}:{self.user_id}"


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a request came from, as far as the idea should remember it."""

    link: str | None = None  # permalink to the message the idea came from
    channel: str | None = None
    message_ref: str | None = None  # the platform's message id (Slack ts, Teams activity id)
    original_author: str | None = None  # person ref when a message by someone else was saved as an idea
    dedup_key: str | None = None  # the same key never stores a second idea
    nudge_id: int | None = None
    group_id: int | None = None
    challenge_id: int | None = None  # the challenge the idea answers (set by the challenges feature)
    context: str = ""  # the opaque value a form carried (e.g. "nudge:12"), for capture enrichers
    # The message is seen by others (a mention in a channel), not only by the bot: anonymity cannot hold there.
    public: bool = False
    # Values of fields that features added to the idea form (e.g. "challenge": the challenge it answers).
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Context:
    """One request's transaction and what the use cases need to know about it.

    `now` is read once from the injected clock when the request starts: every row the request writes
    carries the same moment, and a test's clock decides it.
    """

    session: Session
    org: Organisation
    person: Person
    lang: str
    max_length: int
    now: datetime
    forms: bool = False
    timezone: str = "Europe/Stockholm"  # the organisation's (else IDESLUSS_TIMEZONE): what "this week" means
    events: list[str] = field(default_factory=list)  # what happened, reported once the transaction committed
    headcount: int | None = None  # IDESLUSS_HEADCOUNT: employees, for an organisation without its own
    may_capture: bool = True  # False for chat text without the `idé` prefix: it must not store an idea
    # The organisation of the workspace or tenant the request came from. `org` is where the use case acts: the
    # same, except while a shared coach works on a partner's idea (bot.core.orgs.acting_in).
    home: Organisation | None = None
    origin: Origin | None = None  # where the request came from, for feature commands (the channel it was typed in)

    @property
    def home_org(self) -> Organisation:
        return self.home or self.org
