"""`idesluss orgs …`: several organisations in one deployment — which Slack workspace, Grid organisation or
Teams tenant belongs to which, and who works together (add, list, connect, disconnect, partner, unpartner,
secret-key, rotate-key) — and an organisation's own settings for the feedback promise and figures
(set-headcount, set-feedback).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from bot.cli import common

orgs_app = typer.Typer(help="Organisations: connections to workspaces and tenants, partners, settings.",
                       no_args_is_help=True)
OrgOption = Annotated[str | None, typer.Option("--org", help="Organisation key (default: IDESLUSS_ORGANISATION; "
                                                             "the shell's is local).")]


def register(app: typer.Typer) -> None:
    app.add_typer(orgs_app, name="orgs")


def _organisation(session, key: str | None):  # type: ignore[no-untyped-def]
    from storage.people import get_or_create_org

    return get_or_create_org(session, key or common.settings().organisation, now=common.clock().now())


@orgs_app.command("set-headcount")
def orgs_set_headcount(count: Annotated[int, typer.Argument(help="Employees (0 clears it).")], org: OrgOption = None
                       ) -> None:
    """The organisation's number of employees: the base of "ideas per 100 employees" and participation."""
    if count < 0:
        common.fail("The headcount is a number of employees, 0 or more.")
    db = common.database()
    with db.session() as session:
        found = _organisation(session, org)
        found.headcount = count or None
        session.add(found)
        common.audit(session, "org.setting", now=common.clock().now(), org_id=found.id,
                     detail={"setting": "headcount", "value": count or None})
        typer.echo(f"{found.key}: headcount {count}." if count else
                   f"{found.key}: headcount cleared (IDESLUSS_HEADCOUNT, else the people the bot knows).")


@orgs_app.command("set-feedback")
def orgs_set_feedback(
    days: Annotated[int | None, typer.Option("--days", help="Working days to first feedback (promise).")] = None,
    tell_author: Annotated[bool | None, typer.Option("--tell-author/--no-tell-author",
                                                     help="Tell the author when the promise is missed.")] = None,
    org: OrgOption = None,
) -> None:
    """The feedback promise: its limit in working days, and whether a missed promise is admitted to the author.
    A new limit applies to ideas captured from now on; old promises keep their dates."""
    if days is not None and not 1 <= days <= 100:
        common.fail("--days is a number of working days between 1 and 100.")
    db = common.database()
    with db.session() as session:
        found = _organisation(session, org)
        if days is not None:
            found.first_feedback_days = days
        if tell_author is not None:
            found.tell_author_when_overdue = tell_author
        session.add(found)
        common.audit(session, "org.setting", now=common.clock().now(), org_id=found.id,
                     detail={"setting": "feedback", "days": found.first_feedback_days,
                             "tell_author": found.tell_author_when_overdue})
        typer.echo(f"{found.key}: answer within {found.first_feedback_days} working days; author told when late: "
                   f"{'yes' if found.tell_author_when_overdue else 'no'}.")


TeamOption = Annotated[list[str] | None, typer.Option("--slack-team", help="A Slack workspace's team id (T…).")]
EnterpriseOption = Annotated[list[str] | None, typer.Option("--slack-enterprise",
                                                            help="A Slack Enterprise Grid organisation's id (E…).")]
TenantOption = Annotated[str | None, typer.Option("--teams-tenant", help="A Microsoft 365 tenant id (GUID).")]


def _samverkan_box():  # type: ignore[no-untyped-def]
    from storage.secrets import BadSecretKey, SecretBox

    try:
        return SecretBox(common.settings().secret_key)
    except BadSecretKey as exc:
        common.fail(str(exc))


def _samverkan_read_secret(path: Path) -> str:
    text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8") if path.is_file() else None
    if text is None:
        common.fail(f"No such file: {path}")
    return text.strip()


@orgs_app.command("add")
def orgs_add(
    key: Annotated[str, typer.Argument(help="Short key, e.g. aneby (lower case; used in aneby#12 and --org).")],
    name: Annotated[str | None, typer.Option("--name", help='Its name, e.g. "Aneby kommun".')] = None,
    timezone: Annotated[str | None, typer.Option("--timezone", help="Its time zone (default IDESLUSS_TIMEZONE).")]
    = None,
    locale: Annotated[str | None, typer.Option("--locale", help="sv or en for people whose language is unknown.")]
    = None,
) -> None:
    """Add the organisation KEY (or change its name, time zone, language)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from storage.orgs import find_org, valid_key
    from storage.people import get_or_create_org

    if not valid_key(key):
        common.fail(f"{key!r} is not a key: lower-case letters, digits, - and _, e.g. aneby or ydre-kommun.")
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            common.fail(f"Unknown time zone {timezone!r}.")
    if locale is not None and locale not in ("sv", "en"):
        common.fail("--locale must be sv or en.")
    now = common.clock().now()
    db = common.database()
    with db.session() as session:
        existed = find_org(session, key) is not None
        org = get_or_create_org(session, key, name, now=now)
        for attr, value in (("name", name), ("timezone", timezone), ("locale", locale)):
            if value is not None:
                setattr(org, attr, value)
        session.add(org)
    typer.echo(f"Organisation {key!r} ({org.name}) {'updated' if existed else 'added'}.")


@orgs_app.command("list")
def orgs_list(fmt: Annotated[str, typer.Option("--format", help="text or json.")] = "text") -> None:
    """Every organisation with its connections, partners and number of ideas (never a secret)."""
    from storage import orgs as store
    from storage.slack_installations import all_installations
    from storage.teams_registrations import all_registrations

    if fmt not in ("text", "json"):
        common.fail("--format must be text or json.")
    db = common.database()
    with db.session() as session:
        organisations = store.all_orgs(session)
        by_id = {o.id: o for o in organisations}
        installed = {i.key for i in all_installations(session)} | {i.team_id for i in all_installations(session)}
        registrations = {r.tenant_id: r for r in all_registrations(session)}
        counts = store.idea_counts(session)
        rows = []
        for org in organisations:
            connections = []
            for c in store.connections(session, org.id):
                entry: dict[str, object] = {"kind": c.kind, "id": c.external_id}
                if c.kind != store.TEAMS_TENANT:
                    entry["installed"] = c.external_id in installed
                elif c.external_id in registrations:
                    reg = registrations[c.external_id]
                    entry.update(app_id=reg.app_id, credential="certificate" if reg.certificate else "secret")
                connections.append(entry)
            rows.append({"key": org.key, "name": org.name, "label": store.label(org), "timezone": org.timezone,
                         "locale": org.locale, "connections": connections,
                         "partners": sorted(by_id[p].key for p in store.partner_ids(session, org.id) if p in by_id),
                         "ideas": counts.get(org.id, 0)})
    if fmt == "json":
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    if not rows:
        typer.echo("No organisations yet: `idesluss orgs add KEY --name \"…\"`.")
    for row in rows:
        links = ", ".join(f"{c['kind']} {c['id']}" for c in row["connections"]) or "no connections"  # type: ignore[index]
        partners = ", ".join(row["partners"]) or "none"  # type: ignore[arg-type]
        typer.echo(f"{row['key']}\t{row['name']}\t{links}\tpartners: {partners}\t{row['ideas']} ideas")


@orgs_app.command("connect")
def orgs_connect(
    key: Annotated[str, typer.Argument(help="The organisation (see `idesluss orgs list`).")],
    slack_team: TeamOption = None,
    slack_enterprise: EnterpriseOption = None,
    teams_tenant: TenantOption = None,
    teams_app_id: Annotated[str | None, typer.Option("--teams-app-id", help="The tenant's own single-tenant Azure "
                                                                            "Bot registration (its app id).")] = None,
    teams_secret_file: Annotated[Path | None, typer.Option("--teams-secret-file", help="File with its client secret "
                                                                                      "(- reads standard input).")]
    = None,
    teams_certificate: Annotated[Path | None, typer.Option("--teams-certificate", help="PEM file with its "
                                                                                      "certificate and private key.")]
    = None,
    move: Annotated[bool, typer.Option("--move", help="Move a workspace/tenant connected to another organisation.")]
    = False,
) -> None:
    """Connect Slack workspaces, a Grid organisation or a Teams tenant (with its own bot registration) to KEY."""
    from storage import orgs as store
    from storage.orgs import ConnectedElsewhere
    from storage.secrets import NoSecretKey
    from storage.teams_registrations import BadCertificate, RegistrationConflict, save_registration

    wanted = [(store.SLACK_TEAM, t) for t in slack_team or []] + \
        [(store.SLACK_ENTERPRISE, e) for e in slack_enterprise or []] + \
        ([(store.TEAMS_TENANT, teams_tenant)] if teams_tenant else [])
    if not wanted:
        common.fail("Name what to connect: --slack-team T…, --slack-enterprise E… or --teams-tenant <tenant id>.")
    if (teams_app_id or teams_secret_file or teams_certificate) and not teams_tenant:
        common.fail("A Teams registration belongs to a tenant: give --teams-tenant too.")
    if teams_app_id and bool(teams_secret_file) == bool(teams_certificate):
        common.fail("A Teams registration needs its client secret (--teams-secret-file) or its certificate "
                    "(--teams-certificate), one of them.")
    if (teams_secret_file or teams_certificate) and not teams_app_id:
        common.fail("Give the registration's app id with --teams-app-id.")
    secret = _samverkan_read_secret(teams_secret_file) if teams_secret_file else None
    certificate = _samverkan_read_secret(teams_certificate) if teams_certificate else None
    settings, now = common.settings(), common.clock().now()
    db = common.database(settings)
    with db.session() as session:
        org = common.org_by_key(session, key, settings, now)
        first = not store.any_connection(session)
        left_out = store.unconnected_workspaces(session) if first else []
        for kind, external_id in wanted:
            try:
                changed = store.connect(session, org, kind, external_id, now=now, move=move)
            except ConnectedElsewhere as exc:
                common.fail(f"{external_id} is connected to {exc.org.key!r}: disconnect it there, or give --move.")
            if changed:
                common.audit(session, "org.connect", now=now, org_id=org.id, detail={"kind": kind, "id": external_id})
            typer.echo(f"{kind} {external_id} → {org.key}" + ("" if changed else " (already)"))
        if teams_app_id and teams_tenant:
            try:
                save_registration(session, _samverkan_box(), app_id=teams_app_id, tenant_id=teams_tenant,
                                  secret=secret, certificate_pem=certificate, now=now)
            except NoSecretKey as exc:
                common.fail(str(exc))
            except (RegistrationConflict, BadCertificate) as exc:
                common.fail(f"Teams registration refused: {exc}")
            common.audit(session, "org.teams_registration", now=now, org_id=org.id,
                         detail={"tenant": teams_tenant, "app_id": teams_app_id,
                                 "credential": "certificate" if certificate else "secret"})
            typer.echo(f"Teams registration {teams_app_id} (tenant {teams_tenant}) stored, its "
                       f"{'certificate' if certificate else 'secret'} encrypted.")
    still = [w for w in left_out if (w[1], w[2]) not in {("slack" if k != store.TEAMS_TENANT else "teams", e)
                                                          for k, e in wanted}]
    if first:
        typer.echo("From now on only connected workspaces and tenants are served.", err=True)
        for org_key, platform, workspace in still:
            typer.echo(f"  Not connected: {platform} {workspace} (its people are in {org_key!r}): "
                       f"`idesluss orgs connect {org_key} --{'slack-team' if platform == 'slack' else 'teams-tenant'} "
                       f"{workspace}`", err=True)


@orgs_app.command("disconnect")
def orgs_disconnect(key: str, slack_team: TeamOption = None, slack_enterprise: EnterpriseOption = None,
                    teams_tenant: TenantOption = None) -> None:
    """Disconnect workspaces or a tenant from KEY (their people get the "not connected" answer from then on)."""
    from storage import orgs as store
    from storage.teams_registrations import remove_registration

    settings, now = common.settings(), common.clock().now()
    db = common.database(settings)
    with db.session() as session:
        org = common.org_by_key(session, key, settings, now)
        for kind, external_id in ([(store.SLACK_TEAM, t) for t in slack_team or []]
                                  + [(store.SLACK_ENTERPRISE, e) for e in slack_enterprise or []]
                                  + ([(store.TEAMS_TENANT, teams_tenant)] if teams_tenant else [])):
            removed = store.disconnect(session, org, kind, external_id)
            if removed and kind == store.TEAMS_TENANT:
                remove_registration(session, external_id)
            if removed:
                common.audit(session, "org.disconnect", now=now, org_id=org.id,
                             detail={"kind": kind, "id": external_id})
            typer.echo(f"{kind} {external_id} " + ("disconnected." if removed else f"was not connected to {key}."))


def _samverkan_pair(a: str, b: str, *, make: bool) -> None:
    from storage import orgs as store

    if a == b:
        common.fail("An organisation is not its own partner.")
    settings, now = common.settings(), common.clock().now()
    db = common.database(settings)
    with db.session() as session:
        first, second = common.org_by_key(session, a, settings, now), common.org_by_key(session, b, settings, now)
        changed = store.partner(session, first, second, now=now) if make else store.unpartner(session, first, second)
        if changed:
            common.audit(session, "org.partner" if make else "org.unpartner", now=now, org_id=first.id,
                         detail={"partner": second.key})
    if make:
        typer.echo(f"{a} and {b} are partners" + ("." if changed else " already."))
    else:
        typer.echo(f"{a} and {b} are no longer partners." if changed else f"{a} and {b} were not partners.")


@orgs_app.command("partner")
def orgs_partner(a: str, b: str) -> None:
    """Make A and B partners: shared coaches (`roles grant … --org`), shared challenges, spreading."""
    _samverkan_pair(a, b, make=True)


@orgs_app.command("unpartner")
def orgs_unpartner(a: str, b: str) -> None:
    """End the partnership: roles held in the other organisation count for nothing from then on."""
    _samverkan_pair(a, b, make=False)


@orgs_app.command("secret-key")
def orgs_secret_key() -> None:
    """Print a new key for IDESLUSS_SECRET_KEY (keep it out of the database and out of version control)."""
    from storage.secrets import generate_key

    typer.echo(generate_key())


@orgs_app.command("rotate-key")
def orgs_rotate_key() -> None:
    """Re-encrypt every stored token and secret with the first key of IDESLUSS_SECRET_KEY ("new,old")."""
    from storage.secrets import NoSecretKey, UndecryptableSecret
    from storage.slack_installations import rotate_tokens
    from storage.teams_registrations import rotate_secrets

    db = common.database()
    try:
        with db.session() as session:
            box = _samverkan_box()
            tokens, secrets = rotate_tokens(session, box), rotate_secrets(session, box)
    except (NoSecretKey, UndecryptableSecret) as exc:
        common.fail(str(exc))
    typer.echo(f"Re-encrypted {tokens} Slack tokens and {secrets} Teams registrations with the first key.")
