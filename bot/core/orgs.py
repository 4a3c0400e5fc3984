"""Which organisation a request belongs to, and the explicit rules by which anything crosses organisations.

**Resolution.** An adapter says where a request came from (`Actor.workspace`: the Slack team or the Teams
tenant; `Actor.enterprise`: the Slack Grid organisation). The shell is always the organisation `local`.
Otherwise, in this order:

1. a connection of the workspace (`slack_team` / `teams_tenant`) names the organisation;
2. for Slack, a connection of its Grid organisation (`slack_enterprise`) does;
3. while the database holds **no connection at all** — a single-organisation deployment, as before issue 11 —
   the organisation is IDESLUSS_ORGANISATION (created on first use);
4. otherwise the workspace is connected to no organisation: the request is answered with one polite line,
   logged, and nothing is stored (no person, no idea, no message).

**Crossing.** A person holds roles in organisations (`Role.org_id`). A role in a partner of the organisation
they write from lets them act on that partner's ideas (`aneby#12`); a role in an organisation that is not (or no
longer) a partner counts for nothing. Ideas are shown with their organisation ("Aneby #12") wherever a person
serves more than one. Challenges shared with partners and spreading are the other crossings (challenges.py,
spreading.py). Nothing else crosses.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import datetime

from sqlmodel import Session

from bot.config import Settings
from bot.core.context import Actor, Context
from bot.core.replies import IdeaLine, Reply
from storage import orgs as store
from storage.models import Organisation
from storage.people import ROLES, get_or_create_org

log = logging.getLogger(__name__)
LOCAL_ORG = "local"
STAFF = ROLES  # coach, manager, admin: the roles that let a person act in a partner organisation


class Unconnected(Exception):
    """The request came from a workspace or tenant that is connected to no organisation."""

    def __init__(self, platform: str, workspace: str | None) -> None:
        super().__init__(f"{platform}:{workspace}")
        self.platform = platform
        self.workspace = workspace


def default_org_key(platform: str, settings: Settings) -> str:
    """The organisation when nothing is connected: the shell's own, else the configured one."""
    return LOCAL_ORG if platform == "shell" else settings.organisation


def _candidates(actor: Actor) -> list[tuple[str, str | None]]:
    if actor.platform == "slack":
        # An org-wide Grid install may name only the enterprise, as the workspace.
        return [(store.SLACK_TEAM, actor.workspace), (store.SLACK_ENTERPRISE, actor.enterprise),
                (store.SLACK_ENTERPRISE, actor.workspace)]
    return [(store.TEAMS_TENANT, actor.workspace)]


def _connected(session: Session, actor: Actor) -> Organisation | None:
    for kind, external_id in _candidates(actor):
        org = store.connected_org(session, kind, external_id)
        if org is not None:
            return org
    return None


def resolve(session: Session, actor: Actor, settings: Settings, *, now: datetime) -> Organisation | None:
    """The organisation of the request's workspace or tenant, or None when it is connected to none (see above)."""
    if actor.platform == "shell":
        return get_or_create_org(session, LOCAL_ORG, now=now)
    # One query on every request: the workspace's connection, or the default while nothing is connected.
    org, connected = store.resolve_org(session, _candidates(actor), settings.organisation)
    if org is not None or connected:
        return org
    return get_or_create_org(session, settings.organisation, settings.organisation_name or None, now=now)


def is_served(session: Session, actor: Actor, *, connected_only: bool = False) -> bool:
    """`resolve` would find an organisation (reads only, creates nothing). `connected_only`: by a connection of
    its own, the fallback aside (what an OAuth install needs: see bot/slack/installations.py)."""
    if actor.platform == "shell":
        return True
    if not connected_only and not store.any_connection(session):
        return True
    return _connected(session, actor) is not None


# -- acting in a partner organisation --------------------------------------------------------------------------


def served(session: Session, ctx: Context, roles: tuple[str, ...] = STAFF) -> list[Organisation]:
    """The organisations whose ideas the person works on with one of `roles`: the one they write from (when they
    hold the role there) and each partner of it in which they hold it. Their own first."""
    home = ctx.home_org
    held = store.role_org_ids(session, ctx.person, roles)
    partner_ids = store.partner_ids(session, home.id) & held if held - {home.id} else set()
    found = store.orgs_by_ids(session, partner_ids)
    result = [home] if home.id in held else []
    return result + sorted(found.values(), key=lambda o: o.key)


def serves_several(ctx: Context) -> bool:
    """Whether the person works on more than one organisation's ideas: then every idea carries its organisation."""
    return len(served(ctx.session, ctx)) > 1


def acting_in(ctx: Context, org: Organisation) -> Context:
    """The same request, acting on `org`'s ideas (roles, numbers, time zone are `org`'s; `home` stays)."""
    return replace(ctx, org=org, home=ctx.home_org, timezone=org.timezone or ctx.timezone)


def partner_context(ctx: Context, written: str) -> Context | None:
    """The context for an idea of the organisation `written` ("aneby", "Aneby"), if the person may act there: it
    is where they write from, or a partner of it in which they hold a role. None otherwise (the caller answers
    as for an unknown number: nothing about other organisations leaks)."""
    org = store.find_org_by_word(ctx.session, written)
    if org is None:
        return None
    home = ctx.home_org
    if org.id == home.id:
        return ctx if ctx.org.id == home.id else acting_in(ctx, home)
    if org.id not in store.role_org_ids(ctx.session, ctx.person, STAFF):
        return None
    if not store.are_partners(ctx.session, home.id, org.id):
        return None
    return acting_in(ctx, org)


# -- labels ---------------------------------------------------------------------------------------------------


def label(org: Organisation) -> str:
    return store.label(org)


def ref(org: Organisation, number: int) -> str:
    """An idea as a button or a command names it in another organisation: `aneby#12`."""
    return f"{org.key}#{number}"


def labelled(reply: Reply, org: Organisation, *, qualify_buttons: bool) -> Reply:
    """The reply about one of `org`'s ideas with the organisation beside its number ("Aneby #12") in every text,
    and — when the idea is not of the organisation the person writes from — buttons that name it (`aneby#12`),
    so a press acts on that idea and never on one of the same number at home."""
    number = reply.idea_number
    name = label(org)
    if number is not None:
        pattern = re.compile(rf"(?<![\w#])#{number}\b")
        tag = f"{name} #{number}"
        reply.title = pattern.sub(tag, reply.title) if reply.title else reply.title
        reply.text = pattern.sub(tag, reply.text)
        reply.notice = pattern.sub(tag, reply.notice) if reply.notice else reply.notice
        if qualify_buttons:
            for button in reply.buttons:
                button.value = _qualified(button.value, org, number)
            for select in reply.selects:  # the stage and hand-over choices act on the same idea
                select.value = _qualified(select.value, org, number)
                for option in select.options:
                    option.value = _qualified(option.value, org, number)
    for line in reply.ideas:
        line.organisation = line.organisation or name
    return reply


def _qualified(value: str, org: Organisation, number: int) -> str:
    """`12:pilot` as `aneby#12:pilot` (a value that names idea #12 of `org`); any other value unchanged."""
    head, sep, tail = value.partition(":")
    return f"{ref(org, number)}{sep}{tail}" if head == str(number) else value


def line_for(line: IdeaLine, org: Organisation) -> IdeaLine:
    line.organisation = label(org)
    return line
