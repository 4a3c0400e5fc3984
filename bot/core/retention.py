"""The retention policy: what is purged when, and what happens to closed ideas when their time has come.

Operational data that is not a record goes after a fixed time, each a setting: the text of sent messages
(90 days; the row's metadata stays), inbound event ids (7 days), guided captures nobody finished (30 days),
nudge deliveries and engagement (a year). Ideas are the organisation's records: declined, parked and withdrawn
ideas are kept unless the organisation set a number of years for them, and then they are pseudonymised (kept,
without any link to a person) or deleted, as configured.

`apply_retention` is the one function: the scheduler runs it daily under its lease, `idesluss retention apply`
runs it by hand (`--dry-run` only counts). A real run is recorded in the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import select

from bot.config import Settings
from storage import audit
from storage import retention as store
from storage.db import Database
from storage.models import Idea, Organisation, as_utc

CLOSED_STAGES = ("declined", "parked")


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    outbox_payload_days: int = 90
    event_days: int = 7
    guided_capture_days: int = 30
    nudge_delivery_days: int = 365
    years: dict[str, int | None] = field(default_factory=dict)  # declined | parked | withdrawn -> years, None keeps
    records_action: str = "pseudonymise"  # or "delete"

    @classmethod
    def from_settings(cls, settings: Settings) -> RetentionPolicy:
        return cls(settings.retention_outbox_payload_days, settings.retention_event_days,
                   settings.retention_guided_capture_days, settings.retention_nudge_delivery_days,
                   {"declined": settings.retention_declined_years, "parked": settings.retention_parked_years,
                    "withdrawn": settings.retention_withdrawn_years},
                   settings.retention_records_action)


@dataclass(slots=True)
class RetentionReport:
    dry_run: bool
    action: str
    counts: dict[str, int] = field(default_factory=dict)
    ideas: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # declined -> [(org key, number)]
    kept: list[str] = field(default_factory=list)  # kinds of closed ideas the policy keeps for good

    def lines(self) -> list[str]:
        """What the run removed (or, dry, would remove), for a person to read."""
        verb = "would be" if self.dry_run else "were"
        labels = {"outbox_payloads": "sent message texts emptied (metadata kept)",
                  "processed_events": "processed event ids deleted",
                  "guided_captures": "unfinished guided captures deleted",
                  "nudge_deliveries": "nudge deliveries deleted", "nudge_engagement": "nudge answers deleted"}
        out = [f"{self.counts.get(key, 0)} {label}" for key, label in labels.items()]
        for kind, ideas in self.ideas.items():
            numbers = ", ".join(f"{org} #{n}" for org, n in ideas) or "none"
            out.append(f"{len(ideas)} {kind} ideas {verb} {self.action}d: {numbers}")
        for kind in self.kept:
            out.append(f"{kind} ideas are kept (IDESLUSS_RETENTION_{kind.upper()}_YEARS is not set)")
        return out


def years_before(moment: datetime, years: int) -> datetime:
    """The same date `years` earlier (29 February becomes the 28th)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def apply_retention(db: Database, settings: Settings, *, now: datetime, dry_run: bool = False,
                    via: str = audit.CLI, operator: str | None = None,
                    policy: RetentionPolicy | None = None) -> RetentionReport:
    """Purge what the policy says is due at `now`, in one transaction (nothing half-done on a failure)."""
    policy = policy or RetentionPolicy.from_settings(settings)
    now = as_utc(now)
    report = RetentionReport(dry_run=dry_run, action=policy.records_action)
    with db.session() as session:
        report.counts["outbox_payloads"] = store.sent_payloads(
            session, before=now - timedelta(days=policy.outbox_payload_days), dry_run=dry_run)
        report.counts["processed_events"] = store.processed_events(
            session, before=now - timedelta(days=policy.event_days), dry_run=dry_run)
        report.counts["guided_captures"] = store.guided_captures(
            session, before=now - timedelta(days=policy.guided_capture_days), dry_run=dry_run)
        deliveries, engagement = store.nudge_deliveries(
            session, before=now - timedelta(days=policy.nudge_delivery_days), dry_run=dry_run)
        report.counts["nudge_deliveries"], report.counts["nudge_engagement"] = deliveries, engagement

        orgs = {o.id: o.key for o in session.exec(select(Organisation)).all()}
        pseudonymise = policy.records_action == "pseudonymise"
        ids: dict[str, list[int]] = {}
        for kind in (*CLOSED_STAGES, "withdrawn"):
            years = policy.years.get(kind)
            if years is None:
                report.kept.append(kind)
                continue
            before = years_before(now, years)
            # Closed stages count live ideas only; a withdrawn idea is handled once, as withdrawn.
            due: list[Idea] = (store.withdrawn_ideas(session, before=before, skip_pseudonymised=pseudonymise)
                               if kind == "withdrawn" else
                               store.closed_ideas(session, kind, before=before, skip_pseudonymised=pseudonymise))
            report.ideas[kind] = [(orgs.get(i.org_id, "?"), i.number) for i in due]
            ids[f"{kind}_idea_ids"] = [i.id for i in due if i.id is not None]
            for idea in [] if dry_run else due:
                if pseudonymise:
                    store.pseudonymise_idea(session, idea, store.placeholder(session, idea.org_id, now=now))
                else:
                    store.delete_idea(session, idea)
        if not dry_run:
            audit.record(session, action=audit.RETENTION_RUN, now=now, via=via, operator=operator,
                         detail={**report.counts, "records_action": policy.records_action, **ids})
    return report
