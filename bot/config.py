"""All settings, read from the environment (and an optional .env file) by pydantic-settings.

Every variable here is listed in README's configuration table.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _env(name: str) -> AliasChoices:
    return AliasChoices(name)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore",
                                      populate_by_name=True)

    # Core
    database_url: str = Field("sqlite:///./idesluss.db", validation_alias=_env("IDESLUSS_DATABASE_URL"))
    organisation: str = Field("default", validation_alias=_env("IDESLUSS_ORGANISATION"))
    organisation_name: str = Field("", validation_alias=_env("IDESLUSS_ORGANISATION_NAME"))
    default_locale: str = Field("sv", validation_alias=_env("IDESLUSS_DEFAULT_LOCALE"))
    timezone: str = Field("Europe/Stockholm", validation_alias=_env("IDESLUSS_TIMEZONE"))
    log_level: str = Field("INFO", validation_alias=_env("IDESLUSS_LOG_LEVEL"))
    max_idea_length: int = Field(4000, validation_alias=_env("IDESLUSS_MAX_IDEA_LENGTH"))
    # Feedback and figures (issue 9)
    headcount: int | None = Field(None, validation_alias=_env("IDESLUSS_HEADCOUNT"))
    feedback_time: str = Field("08:30", validation_alias=_env("IDESLUSS_FEEDBACK_TIME"))
    chart_font: str | None = Field(None, validation_alias=_env("IDESLUSS_CHART_FONT"))
    # Fernet key(s) for the Slack tokens and Teams secrets kept in the database (several, comma-separated: the
    # first encrypts, all decrypt, so a key can be rotated). Without it nothing secret is ever stored.
    secret_key: str | None = Field(None, validation_alias=_env("IDESLUSS_SECRET_KEY"))

    # Slack
    slack_bot_token: str | None = Field(None, validation_alias=_env("SLACK_BOT_TOKEN"))
    slack_signing_secret: str | None = Field(None, validation_alias=_env("SLACK_SIGNING_SECRET"))
    slack_app_token: str | None = Field(None, validation_alias=_env("SLACK_APP_TOKEN"))
    slack_api_url: str = Field("https://slack.com/api/", validation_alias=_env("SLACK_API_URL"))
    # Several workspaces: Slack's OAuth v2 install flow (/slack/install, /slack/oauth_redirect) when both are set.
    slack_client_id: str | None = Field(None, validation_alias=_env("SLACK_CLIENT_ID"))
    slack_client_secret: str | None = Field(None, validation_alias=_env("SLACK_CLIENT_SECRET"))
    slack_redirect_uri: str | None = Field(None, validation_alias=_env("SLACK_REDIRECT_URI"))

    # Microsoft Teams
    teams_app_id: str | None = Field(None, validation_alias=_env("TEAMS_APP_ID"))
    teams_app_password: str | None = Field(None, validation_alias=_env("TEAMS_APP_PASSWORD"))
    teams_tenant_id: str | None = Field(None, validation_alias=_env("TEAMS_TENANT_ID"))
    teams_authority: str | None = Field(None, validation_alias=_env("TEAMS_AUTHORITY"))
    # Where the registrations kept in the database (`idesluss orgs connect --teams-app-id`) get their tokens:
    # this host + their tenant id.
    teams_authority_host: str = Field("https://login.microsoftonline.com/",
                                      validation_alias=_env("TEAMS_AUTHORITY_HOST"))
    teams_openid_metadata_url: str = Field("https://login.botframework.com/v1/.well-known/openidconfiguration",
                                           validation_alias=_env("TEAMS_OPENID_METADATA_URL"))
    teams_token_scope: str = Field("https://api.botframework.com/.default",
                                   validation_alias=_env("TEAMS_TOKEN_SCOPE"))

    # Scheduler: nudges, digests, outbox dispatcher (scheduler/**)
    digest_day: str = Field("mon", validation_alias=_env("IDESLUSS_DIGEST_DAY"))
    digest_time: str = Field("08:00", validation_alias=_env("IDESLUSS_DIGEST_TIME"))
    working_hours_start: int = Field(8, validation_alias=_env("IDESLUSS_WORKING_HOURS_START"))
    working_hours_end: int = Field(17, validation_alias=_env("IDESLUSS_WORKING_HOURS_END"))
    nudge_reminder_days: int = Field(2, validation_alias=_env("IDESLUSS_NUDGE_REMINDER_DAYS"))
    outbox_max_attempts: int = Field(8, validation_alias=_env("IDESLUSS_OUTBOX_MAX_ATTEMPTS"))
    outbox_concurrency: int = Field(20, validation_alias=_env("IDESLUSS_OUTBOX_CONCURRENCY"))
    slack_rate_per_second: float = Field(10.0, validation_alias=_env("IDESLUSS_SLACK_RATE"))
    teams_conversation_rate_per_second: float = Field(1.8, validation_alias=_env("IDESLUSS_TEAMS_CONVERSATION_RATE"))
    teams_tenant_rate_per_second: float = Field(30.0, validation_alias=_env("IDESLUSS_TEAMS_TENANT_RATE"))
    # The rates above are where the dispatcher starts; it finds each scope's limit itself, never above these.
    slack_rate_ceiling: float = Field(200.0, gt=0, validation_alias=_env("IDESLUSS_SLACK_RATE_CEILING"))
    teams_conversation_rate_ceiling: float = Field(2.0, gt=0,
                                                   validation_alias=_env("IDESLUSS_TEAMS_CONVERSATION_RATE_CEILING"))
    teams_tenant_rate_ceiling: float = Field(50.0, gt=0, validation_alias=_env("IDESLUSS_TEAMS_TENANT_RATE_CEILING"))
    # How long a dispatcher's heartbeat lasts: a dead dispatcher's untried rows are taken over after this.
    dispatcher_lease_seconds: float = Field(4.0, ge=1, validation_alias=_env("IDESLUSS_DISPATCHER_LEASE_SECONDS"))
    scheduler_lease_seconds: int = Field(60, validation_alias=_env("IDESLUSS_SCHEDULER_LEASE_SECONDS"))
    scheduler_misfire_grace_seconds: int = Field(900, validation_alias=_env("IDESLUSS_SCHEDULER_MISFIRE_GRACE_SECONDS"))
    # end Scheduler

    # Records: retention of operational data and of closed ideas (issue 10; bot/core/retention.py)
    retention_time: str = Field("03:30", pattern=r"^([01]?\d|2[0-3]):[0-5]\d$",
                                validation_alias=_env("IDESLUSS_RETENTION_TIME"))
    retention_outbox_payload_days: int = Field(90, ge=1,
                                               validation_alias=_env("IDESLUSS_RETENTION_OUTBOX_PAYLOAD_DAYS"))
    retention_event_days: int = Field(7, ge=1, validation_alias=_env("IDESLUSS_RETENTION_EVENT_DAYS"))
    retention_guided_capture_days: int = Field(30, ge=1,
                                               validation_alias=_env("IDESLUSS_RETENTION_GUIDED_CAPTURE_DAYS"))
    retention_nudge_delivery_days: int = Field(365, ge=1,
                                               validation_alias=_env("IDESLUSS_RETENTION_NUDGE_DELIVERY_DAYS"))
    # Closed ideas are records: kept unless the organisation decided otherwise (None = keep).
    retention_declined_years: int | None = Field(None, ge=1, validation_alias=_env("IDESLUSS_RETENTION_DECLINED_YEARS"))
    retention_parked_years: int | None = Field(None, ge=1, validation_alias=_env("IDESLUSS_RETENTION_PARKED_YEARS"))
    retention_withdrawn_years: int | None = Field(None, ge=1,
                                                  validation_alias=_env("IDESLUSS_RETENTION_WITHDRAWN_YEARS"))
    retention_records_action: Literal["pseudonymise", "delete"] = Field(
        "pseudonymise", validation_alias=_env("IDESLUSS_RETENTION_RECORDS_ACTION"))
    # end Records

    @field_validator("retention_declined_years", "retention_parked_years", "retention_withdrawn_years",
                     mode="before")
    @classmethod
    def _keep_means_none(cls, value: object) -> object:
        """`keep` (or empty) keeps those ideas for good, like leaving the variable out."""
        return None if isinstance(value, str) and value.strip().lower() in ("", "keep", "behåll") else value

    @property
    def slack_oauth(self) -> bool:
        """Slack in several workspaces: installed through OAuth, each workspace's token in the database."""
        return bool(self.slack_client_id and self.slack_client_secret)

    @property
    def teams_authority_url(self) -> str:
        if self.teams_authority:
            return self.teams_authority
        return f"https://login.microsoftonline.com/{self.teams_tenant_id or 'botframework.com'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
