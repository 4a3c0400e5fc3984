"""Recording a chat act in the audit trail: who (the person's id), where (their platform), when (the request's
moment), in the request's own transaction. The trail itself is `storage.audit`."""

from __future__ import annotations

from bot.core.context import Context
from storage import audit
from storage.models import Idea, Person
from storage.people import roles_of

# The role an act counts as done in, most specific first: a coach who is also admin decides as a coach.
ROLE_ORDER = ("coach", "admin", "manager")


def acting_role(ctx: Context) -> str:
    """The role `ctx.person` acts in: coach, admin, manager, or employee (everyone)."""
    held = roles_of(ctx.session, ctx.person, org_id=ctx.org.id)  # the organisation acted in (a partner's too)
    return next((role for role in ROLE_ORDER if role in held), "employee")


def record_act(ctx: Context, action: str, *, idea: Idea | None = None, subject: Person | None = None,
               **detail: audit.DetailValue) -> None:
    audit.record(ctx.session, action=action, now=ctx.now, via=ctx.person.platform, org_id=ctx.org.id,
                 actor_id=ctx.person.id, subject_id=subject.id if subject else None,
                 idea_id=idea.id if idea else None, detail={**({"number": idea.number} if idea else {}), **detail})
