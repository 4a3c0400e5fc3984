"""The tables. Changing one means a new Alembic revision in storage/migrations/versions/."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

# Deterministic constraint names, so Alembic can alter them on SQLite (batch mode) and PostgreSQL alike.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def as_utc(moment: datetime) -> datetime:
    """SQLite hands timestamps back naive (they were stored as UTC), PostgreSQL aware: compare them as aware UTC.

    Rows are never stamped here: every timestamp comes from the caller's `now`, which comes from the one
    clock the composition root built (so a test's clock and a stored row always agree).
    """
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class Organisation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=200)  # "local", or the configured organisation key
    name: str = Field(default="", max_length=200)
    next_idea_number: int = 1
    first_feedback_days: int = 10  # the feedback promise: working days from capture to first feedback
    headcount: int | None = None  # employees, for "ideas per 100 employees" (None: IDESLUSS_HEADCOUNT)
    tell_author_when_overdue: bool = True  # the ladder's honest line to the author at a missed promise
    last_assigned_coach_id: int | None = None  # round robin: the coach who got the latest unowned idea
    anonymous_ideas: bool = True  # may people submit ideas without their name (issue 10; `idesluss settings`)
    # The organisation's own settings (issue 11); None: IDESLUSS_TIMEZONE / IDESLUSS_DEFAULT_LOCALE.
    timezone: str | None = Field(default=None, max_length=64)
    locale: str | None = Field(default=None, max_length=20)
    created_at: datetime


class Person(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("platform", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    platform: str = Field(max_length=20)  # slack | teams | shell
    user_id: str = Field(max_length=200)  # Slack user id, Teams AAD object id, shell name
    workspace: str | None = Field(default=None, max_length=200)  # Slack team id, Teams tenant id
    display_name: str | None = Field(default=None, max_length=200)
    locale: str | None = Field(default=None, max_length=20)
    timezone: str | None = Field(default=None, max_length=64)
    unreachable: bool = False  # the platform refuses messages to this person (blocked/uninstalled)
    nudges_paused_until: datetime | None = None
    nudges_opt_out: bool = False
    # Set by `idesluss people erase`: nothing that identifies the person is left; the row stays so that ideas,
    # comments and audit entries keep pointing at "Tidigare medarbetare" (issue 10).
    erased_at: datetime | None = None
    created_at: datetime

    @property
    def ref(self) -> str:
        return f"{self.platform}:{self.user_id}"

    @property
    def erased(self) -> bool:
        return self.erased_at is not None


_WAITING = "first_feedback_at IS NULL AND withdrawn_at IS NULL"  # partial indexes of migration 0010_digests
_NUDGED = "nudge_id IS NOT NULL"


class Idea(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("org_id", "number"),
        UniqueConstraint("org_id", "dedup_key"),
        Index("ix_idea_org_stage", "org_id", "stage"),
        Index("ix_idea_org_created", "org_id", "created_at"),
        # The ladder and "overdue" (ideas still waiting), read from the index alone.
        Index("ix_idea_feedback", "first_feedback_at", "withdrawn_at", "feedback_due", "org_id"),
        # The figures' per-day grouping and participants, read from the index alone (bench/feedback.py); the
        # digest's late ideas per author and nudge group too (migration 0012_digest_figures).
        Index("ix_idea_figures", "org_id", "created_at", "withdrawn_at", "first_feedback_at", "feedback_due",
              "author_id", "group_id"),
        # The digest (storage/digests.py, migration 0008): waiting ideas counted per author and group and the
        # oldest read in order; a week's nudges' ideas; a group's members' ideas by time (its headline).
        Index("ix_idea_waiting", "org_id", "stage", "first_feedback_at", "withdrawn_at", "created_at", "id",
              "author_id", "group_id", sqlite_where=text(_WAITING), postgresql_where=text(_WAITING)),
        Index("ix_idea_nudge", "nudge_id", sqlite_where=text(_NUDGED), postgresql_where=text(_NUDGED)),
        Index("ix_idea_author_created", "author_id", "created_at", "org_id", "group_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id")
    number: int
    title: str = Field(max_length=200)
    text: str = Field(sa_column=Column(Text, nullable=False))
    problem: str | None = Field(default=None, sa_column=Column(Text))
    benefit: str | None = Field(default=None, sa_column=Column(Text))
    unit: str | None = Field(default=None, max_length=200)
    stage: str = Field(default="new", max_length=30)
    anonymous: bool = False
    author_id: int = Field(foreign_key="person.id", index=True)
    owner_id: int | None = Field(default=None, foreign_key="person.id")  # the coach who took it on
    source: str = Field(max_length=20)  # slack | teams | shell
    source_link: str | None = Field(default=None, max_length=1000)
    source_channel: str | None = Field(default=None, max_length=200)
    source_message_ref: str | None = Field(default=None, max_length=200)
    original_author: str | None = Field(default=None, max_length=220)  # person ref when saved from a message
    dedup_key: str | None = Field(default=None, max_length=200)
    group_id: int | None = None  # the pilot group whose nudge prompted it
    nudge_id: int | None = None
    challenge_id: int | None = Field(default=None, foreign_key="challenge.id", index=True)  # the challenge it answers
    spread_from_id: int | None = Field(default=None, foreign_key="idea.id")  # adopted from another idea (spreading)
    first_feedback_at: datetime | None = None
    # The promise made at capture: the author hears back by the end of this local date (None: captured
    # before promises existed). Stored, so a later change of the organisation's limit moves no old promise.
    feedback_due: date | None = None
    withdrawn_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


class IdeaBacklog(SQLModel, table=True):
    """Live ideas without first feedback, counted per organisation and scope, kept by the database.

    A scope is the whole organisation (`group_key` 0) or one of its pilot groups, which holds its members'
    ideas and the ideas its nudges prompted (as the digest's scopes do). Triggers on `idea` and `group_member`
    (migration 0014_idea_backlog) add and subtract every write, whatever code path made it, so the digest's
    waiting count and the headline's late ideas read one row per scope instead of every idea of the backlog.
    `unanswered`: no first feedback, a promise (`feedback_due`) set; `waiting`: no first feedback and still
    Inkommen. Both leave withdrawn ideas out. Not written by the application (`idesluss db recount` aside).
    """

    __tablename__ = "idea_backlog"

    org_id: int = Field(primary_key=True)
    group_key: int = Field(primary_key=True)  # a pilot group's id, 0 for the whole organisation
    unanswered: int = 0
    waiting: int = 0


class StageChange(SQLModel, table=True):
    __tablename__ = "stage_change"

    id: int | None = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="idea.id", index=True)
    actor_id: int | None = Field(default=None, foreign_key="person.id")
    from_stage: str | None = Field(default=None, max_length=30)
    to_stage: str = Field(max_length=30)
    comment: str | None = Field(default=None, sa_column=Column(Text))
    # The role the change was made in (coach, admin, manager, employee): the diarium records the decision by
    # role, and a person's later roles must not rewrite it. None for changes made before issue 10.
    actor_role: str | None = Field(default=None, max_length=20)
    created_at: datetime = Field(index=True)


class Vote(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("idea_id", "person_id"),
                      Index("ix_vote_created", "created_at", "idea_id"))  # the digest's votes of the period

    id: int | None = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="idea.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    created_at: datetime


class Comment(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("idea_id", "dedup_key"),)

    id: int | None = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="idea.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    dedup_key: str | None = Field(default=None, max_length=200)
    created_at: datetime


class Role(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("person_id", "role", "group_id", "org_id"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    role: str = Field(max_length=20)  # coach | manager | admin
    # The organisation the role is held in: the person's own, or a partner's (a shared coach, issue 11).
    org_id: int = Field(foreign_key="organisation.id", index=True)
    group_id: int | None = None  # a manager's scope: None = the whole organisation
    created_at: datetime


class GuidedCapture(SQLModel, table=True):
    """An unfinished guided capture: survives restarts, one per person."""

    __tablename__ = "guided_capture"

    person_id: int = Field(foreign_key="person.id", primary_key=True)
    step: str = Field(max_length=20)  # idea | problem | benefit
    data: str = Field(default="{}", sa_column=Column(Text, nullable=False))  # JSON of answers so far
    context: str = Field(default="", max_length=200)
    updated_at: datetime


class IdeaMessage(SQLModel, table=True):
    """A platform message that shows an idea: reactions on it are votes, replies in its thread comments."""

    __tablename__ = "idea_message"
    __table_args__ = (UniqueConstraint("platform", "channel", "message_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="idea.id", index=True)
    platform: str = Field(max_length=20)
    channel: str = Field(max_length=200)
    message_ref: str = Field(max_length=200)
    created_at: datetime


class ProcessedEvent(SQLModel, table=True):
    """Inbound events already handled (Slack event_id, Teams activity id): retries become no-ops."""

    __tablename__ = "processed_event"

    key: str = Field(primary_key=True, max_length=250)
    created_at: datetime = Field(index=True)


class ConversationRef(SQLModel, table=True):
    """Where the bot can reach a conversation later (Teams proactive messages)."""

    __tablename__ = "conversation_ref"
    __table_args__ = (UniqueConstraint("platform", "conversation_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20)
    conversation_id: str = Field(max_length=500)
    conversation_type: str | None = Field(default=None, max_length=30)  # personal | channel | groupChat
    service_url: str = Field(max_length=500)
    tenant_id: str | None = Field(default=None, max_length=200)
    bot_id: str | None = Field(default=None, max_length=200)
    user_id: str | None = Field(default=None, max_length=200, index=True)  # AAD object id (personal chats)
    member_id: str | None = Field(default=None, max_length=200)  # the "29:…" channel account id
    updated_at: datetime


class OutboxMessage(SQLModel, table=True):
    """Every message that is not a direct reply. `key` makes a second enqueue of the same message a no-op."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_state_due", "state", "due_at"),
                      # a dispatcher's claim of one workspace's rows (migration 0013_outbox_partition)
                      Index("ix_outbox_partition", "platform", "workspace", "state", "due_at"),
                      Index("ix_outbox_unknown", "platform", sqlite_where=text("unknown_outcomes > 0"),
                            postgresql_where=text("unknown_outcomes > 0")))

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=300)
    org_id: int | None = Field(default=None, foreign_key="organisation.id")
    platform: str = Field(max_length=20)
    recipient_kind: str = Field(default="user", max_length=20)  # user | channel
    recipient: str = Field(max_length=500)
    workspace: str | None = Field(default=None, max_length=200)
    thread: str | None = Field(default=None, max_length=200)
    payload: str = Field(sa_column=Column(Text, nullable=False))  # Reply.to_dict() as JSON
    due_at: datetime
    state: str = Field(default="pending", max_length=20)  # pending | sending | sent | failed | dead
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    claimed_by: str | None = Field(default=None, max_length=200)
    claimed_at: datetime | None = None
    # When the send was handed to the platform (None: claimed but never tried, so a dead worker's row can be
    # taken over at once without risking a duplicate).
    attempted_at: datetime | None = None
    # Sends that ended with an unknown outcome (a timeout after the request left, migration 0011_dispatch): one
    # such send is retried, a second is not (the message may well have arrived).
    unknown_outcomes: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    sent_at: datetime | None = None
    message_id: str | None = Field(default=None, max_length=200)
    created_at: datetime


class SendRate(SQLModel, table=True):
    """The send rate the dispatcher has learnt for one platform scope ("slack:T123", "teams:tenant:…"), so the next
    fan-out starts near it instead of at the configured starting rate (migration 0007_limits)."""

    __tablename__ = "send_rate"

    scope: str = Field(primary_key=True, max_length=300)
    rate: float
    updated_at: datetime


class SchedulerLease(SQLModel, table=True):
    """Which process runs the scheduler: taken, renewed, taken over when expired."""

    __tablename__ = "scheduler_lease"

    name: str = Field(primary_key=True, max_length=100)
    holder: str = Field(max_length=200)
    expires_at: datetime


# --- Scheduler: pilot groups, nudges, digests (issue 5; migration 0002_groups_nudges) -------------------


class PilotGroup(SQLModel, table=True):
    """A pilot group: members who get a weekly prompt at the group's time, in the group's time zone."""

    __tablename__ = "pilot_group"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    name: str = Field(max_length=200)
    schedule_day: str = Field(default="mon", max_length=20)  # APScheduler day_of_week names: mon, tue-thu, ...
    schedule_time: str = Field(default="09:00", max_length=5)  # HH:MM, local time in `timezone`
    timezone: str = Field(default="Europe/Stockholm", max_length=64)
    slack_channel: str | None = Field(default=None, max_length=200)
    teams_conversation: str | None = Field(default=None, max_length=500)
    dm_members: bool = False  # DM every member as well when the group has a channel
    coach_id: int | None = Field(default=None, foreign_key="person.id")  # owns the group's new ideas
    created_at: datetime


class GroupMember(SQLModel, table=True):
    __tablename__ = "group_member"
    __table_args__ = (UniqueConstraint("group_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="pilot_group.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    created_at: datetime


class GroupPrompt(SQLModel, table=True):
    """A group's own prompts; a group without any rotates through the default set."""

    __tablename__ = "group_prompt"

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="pilot_group.id", index=True)
    text: str = Field(max_length=500)
    created_at: datetime


class Nudge(SQLModel, table=True):
    """One prompt to one group on one local day (`key` = "{group id}:{date}"): a rerun the same day reuses it."""

    __tablename__ = "nudge"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=100)
    group_id: int = Field(foreign_key="pilot_group.id", index=True)
    org_id: int = Field(foreign_key="organisation.id")
    week: str = Field(max_length=10, index=True)  # ISO week, "2026-W14"
    local_date: str = Field(max_length=10)  # the group's local date, "2026-03-30"
    prompt_sv: str = Field(max_length=500)
    prompt_en: str = Field(max_length=500)
    manual: bool = False  # sent by `idesluss nudge send`
    reminded_at: datetime | None = None  # the reminder round ran (at most once)
    created_at: datetime


class NudgeDelivery(SQLModel, table=True):
    """Where a nudge went (one per outbox row); `message_ref` is filled in once the platform answered."""

    __tablename__ = "nudge_delivery"
    __table_args__ = (Index("ix_nudge_delivery_message", "platform", "message_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    nudge_id: int = Field(foreign_key="nudge.id", index=True)
    outbox_key: str = Field(unique=True, max_length=300)
    kind: str = Field(max_length=20)  # dm | channel | reminder
    person_id: int | None = Field(default=None, foreign_key="person.id")
    platform: str = Field(max_length=20)
    message_ref: str | None = Field(default=None, max_length=200)
    created_at: datetime


class NudgeEngagement(SQLModel, table=True):
    """A member answered (an idea), replied, reacted or said "not this week": no reminder for them."""

    __tablename__ = "nudge_engagement"
    __table_args__ = (UniqueConstraint("nudge_id", "person_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    nudge_id: int = Field(foreign_key="nudge.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    kind: str = Field(max_length=20)  # answered | replied | reacted | skipped
    created_at: datetime


class DigestLog(SQLModel, table=True):
    """When each manager's digest was built: the next one covers what happened since. One per organisation
    they manage (a shared manager gets a partner's digest too)."""

    __tablename__ = "digest_log"
    __table_args__ = (UniqueConstraint("person_id", "week", "org_id"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    org_id: int = Field(foreign_key="organisation.id")
    week: str = Field(max_length=10)
    covered_until: datetime
    created_at: datetime


# --- Feedback: promise, ownership, the ladder, questions (issue 9; migration 0004_feedback) ------------


class UnitCoach(SQLModel, table=True):
    """The coach who owns new ideas of one unit (`Idea.unit`, compared casefolded)."""

    __tablename__ = "unit_coach"
    __table_args__ = (UniqueConstraint("org_id", "unit_key"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    unit: str = Field(max_length=200)  # as the operator wrote it
    unit_key: str = Field(max_length=200)  # NFC, casefolded: what ideas are matched on
    person_id: int = Field(foreign_key="person.id")
    created_at: datetime


class FeedbackStep(SQLModel, table=True):
    """One rung of the escalation ladder taken (or passed over) for one idea: each happens once."""

    __tablename__ = "feedback_step"
    __table_args__ = (UniqueConstraint("idea_id", "step"),)

    id: int | None = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="idea.id", index=True)
    step: int  # 1 coach before the deadline, 2 coaches and admins after it, 3 managers, 4 the author's line
    recipients: int = 0  # how many people were told (0: nobody to tell, or passed over)
    created_at: datetime


class FeedbackQuestion(SQLModel, table=True):
    """A coach asked the author for more: the author's next answer (thread or DM) is stored as a comment."""

    __tablename__ = "feedback_question"

    id: int | None = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="idea.id", index=True)
    asked_by: int = Field(foreign_key="person.id")
    author_id: int = Field(foreign_key="person.id", index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    answered_at: datetime | None = None
    created_at: datetime
# --- Records: the audit trail and name consents (issue 10; migration 0005_records) ------------------------


class AuditEntry(SQLModel, table=True):
    """One act that changed who may see or do what, or that revealed identities. Append-only: the database
    refuses UPDATE and DELETE on this table (triggers), and nothing in the bot tries.

    People are referenced by their internal person id only, never by platform id or name, and `detail` holds
    codes and counts, never names: erasing a person needs no audit row rewritten, and the erased person is
    shown as "Tidigare medarbetare". No foreign keys either: the trail outlives ideas that retention deletes.
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_org_at", "org_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    org_id: int | None = None
    action: str = Field(max_length=50)  # role.grant, idea.stage, identity.reveal, ideas.export, ...
    actor_id: int | None = None  # the person who acted; None for an operator at the command line or the scheduler
    via: str = Field(max_length=20)  # slack | teams | shell | cli | scheduler
    operator: str | None = Field(default=None, max_length=200)  # the OS account of a command-line operator
    subject_id: int | None = None  # the person the act was about (granted a role, revealed, erased, exported)
    idea_id: int | None = None
    detail: str = Field(default="{}", sa_column=Column(Text, nullable=False))  # JSON: codes and counts, no names


class NameConsent(SQLModel, table=True):
    """Whether an idea's author lets their name be shown when the idea is presented more widely.

    Asked once per idea (when it reaches Test/pilot, Införd or Spridd); `answer` stays None until they press a
    button, and None means no name is shown.
    """

    __tablename__ = "name_consent"

    idea_id: int = Field(foreign_key="idea.id", primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    answer: bool | None = None
    asked_at: datetime
    answered_at: datetime | None = None


# --- Samverkan: several organisations in one deployment (issue 11; migration 0006_samverkan) ---------------


class OrgConnection(SQLModel, table=True):
    """A Slack workspace, a Slack Enterprise Grid organisation or a Teams tenant, connected to one organisation.

    Requests are mapped to their organisation through these rows. While there are none at all, every
    workspace and tenant belongs to IDESLUSS_ORGANISATION (a single-organisation deployment).
    """

    __tablename__ = "org_connection"
    __table_args__ = (UniqueConstraint("kind", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    kind: str = Field(max_length=30)  # slack_team | slack_enterprise | teams_tenant
    external_id: str = Field(max_length=200)  # T…, E…, the tenant's GUID
    created_at: datetime


class OrgPartner(SQLModel, table=True):
    """Two organisations that work together: shared coaches, shared challenges, spreading. Stored once per pair,
    the smaller id first."""

    __tablename__ = "org_partner"
    __table_args__ = (UniqueConstraint("org_id", "partner_id"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    partner_id: int = Field(foreign_key="organisation.id", index=True)
    created_at: datetime


class SlackInstallation(SQLModel, table=True):
    """A workspace (or a Grid organisation, for an org-wide install) that installed the app through OAuth.

    `bot_token` is Fernet ciphertext (IDESLUSS_SECRET_KEY); the plain token never reaches the database.
    `key` is the team id, or the enterprise id of an org-wide install: what a request is authorised by.
    """

    __tablename__ = "slack_installation"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=200)
    team_id: str | None = Field(default=None, max_length=200)
    team_name: str | None = Field(default=None, max_length=200)
    enterprise_id: str | None = Field(default=None, max_length=200, index=True)
    enterprise_name: str | None = Field(default=None, max_length=200)
    is_enterprise_install: bool = False
    app_id: str | None = Field(default=None, max_length=200)
    bot_id: str | None = Field(default=None, max_length=200)
    bot_user_id: str | None = Field(default=None, max_length=200)
    bot_scopes: str = Field(default="", sa_column=Column(Text, nullable=False))
    bot_token: str = Field(sa_column=Column(Text, nullable=False))  # encrypted
    installer_user_id: str | None = Field(default=None, max_length=200)
    installed_at: datetime
    updated_at: datetime


class SlackOAuthState(SQLModel, table=True):
    """The `state` of an OAuth install in progress: issued by /slack/install, consumed once by the redirect."""

    __tablename__ = "slack_oauth_state"

    state: str = Field(primary_key=True, max_length=100)
    created_at: datetime = Field(index=True)


class WorkspacePause(SQLModel, table=True):
    """A workspace whose messages wait: the app was uninstalled or its token revoked. The outbox rows addressed
    to it are `paused` until it is installed again."""

    __tablename__ = "workspace_pause"

    platform: str = Field(primary_key=True, max_length=20)
    workspace: str = Field(primary_key=True, max_length=200)
    reason: str = Field(max_length=50)  # app_uninstalled | tokens_revoked
    created_at: datetime


class TeamsRegistration(SQLModel, table=True):
    """A single-tenant Azure Bot registration kept in the database, one per tenant. The client secret or the
    certificate's private key is Fernet ciphertext (IDESLUSS_SECRET_KEY)."""

    __tablename__ = "teams_registration"

    id: int | None = Field(default=None, primary_key=True)
    app_id: str = Field(unique=True, max_length=200)
    tenant_id: str = Field(unique=True, max_length=200)
    secret: str | None = Field(default=None, sa_column=Column(Text))  # encrypted client secret
    certificate: str | None = Field(default=None, sa_column=Column(Text))  # encrypted PEM (key + certificate)
    thumbprint: str | None = Field(default=None, max_length=100)  # SHA-1 of the certificate, hex
    created_at: datetime
    updated_at: datetime


class Challenge(SQLModel, table=True):
    """A challenge (utmaning) posed by a manager or admin: ideas answer it until `ends_on` (inclusive, in the
    organisation's time zone). With `partners` the partner organisations' people may answer too; each idea
    stays in its own organisation."""

    __tablename__ = "challenge"

    id: int | None = Field(default=None, primary_key=True)  # also its number: /idé utmaning <id> <text>
    org_id: int = Field(foreign_key="organisation.id", index=True)
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    ends_on: date
    owner_id: int | None = Field(default=None, foreign_key="person.id")  # gets the summary (else the managers)
    partners: bool = False
    everyone: bool = False  # announced to every known person of the organisation (and its partners)
    group_id: int | None = Field(default=None, foreign_key="pilot_group.id")
    slack_channel: str | None = Field(default=None, max_length=200)
    teams_conversation: str | None = Field(default=None, max_length=500)
    state: str = Field(default="open", max_length=20)  # open | closed
    closed_at: datetime | None = None
    created_at: datetime


class SpreadOffer(SQLModel, table=True):
    """A coach offers an implemented idea to units of the organisation or to partner organisations."""

    __tablename__ = "spread_offer"

    id: int | None = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="idea.id", index=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    coach_id: int = Field(foreign_key="person.id")  # the contact coach
    solved: str | None = Field(default=None, sa_column=Column(Text))  # what it solved, as the offer says
    to_partners: bool = False
    created_at: datetime


class Adoption(SQLModel, table=True):
    """"Vi vill testa": a receiver took an offered idea; `idea_id` is the linked idea in the receiver's
    organisation. One per origin idea and receiver (`target`: org:<id>, group:<id> or channel:<platform>:<id>)."""

    __tablename__ = "adoption"
    __table_args__ = (UniqueConstraint("origin_idea_id", "target"),)

    id: int | None = Field(default=None, primary_key=True)
    offer_id: int = Field(foreign_key="spread_offer.id", index=True)
    origin_idea_id: int = Field(foreign_key="idea.id", index=True)
    receiver_org_id: int = Field(foreign_key="organisation.id", index=True)
    target: str = Field(max_length=250)
    idea_id: int = Field(foreign_key="idea.id")
    person_id: int = Field(foreign_key="person.id")
    created_at: datetime
