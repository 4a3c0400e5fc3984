"""`idesluss orgs …`, `roles grant … --org`, `challenges …` as an operator types them (the real Typer app,
in-process against a real database), with clear one-line refusals for what cannot be done."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli import app as cli_app
from bot.config import get_settings
from storage.models import OrgConnection, Role, TeamsRegistration
from storage.secrets import SecretBox, generate_key

KEY = generate_key()


@pytest.fixture
def idesluss(database_url):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    env = {"IDESLUSS_DATABASE_URL": database_url, "IDESLUSS_ORGANISATION": "testkommun", "IDESLUSS_SECRET_KEY": KEY,
           "SLACK_BOT_TOKEN": "", "SLACK_CLIENT_ID": "", "TEAMS_APP_ID": ""}

    def run(*args: str, code: int = 0, stdin: str | None = None, **extra: str):  # type: ignore[no-untyped-def]
        get_settings.cache_clear()
        result = runner.invoke(cli_app, list(args), env={**env, **extra}, input=stdin)
        get_settings.cache_clear()
        assert result.exit_code == code, result.output
        assert "Traceback" not in result.output
        return result.output

    return run


def test_organisations_are_added_connected_and_listed(idesluss):
    idesluss("orgs", "add", "tranas", "--name", "Tranås kommun", "--timezone", "Europe/Stockholm")
    idesluss("orgs", "add", "aneby", "--name", "Aneby kommun", "--locale", "sv")
    idesluss("orgs", "connect", "tranas", "--slack-team", "T0TRANAS1", "--slack-team", "T0TRANAS2")
    idesluss("orgs", "connect", "aneby", "--slack-enterprise", "E0ANEBY01")
    idesluss("orgs", "partner", "aneby", "tranas")

    listed = {o["key"]: o for o in json.loads(idesluss("orgs", "list", "--format", "json"))}

    assert listed["tranas"]["label"] == "Tranås" and listed["tranas"]["timezone"] == "Europe/Stockholm"
    assert [c["id"] for c in listed["tranas"]["connections"]] == ["T0TRANAS1", "T0TRANAS2"]
    assert listed["tranas"]["connections"][0]["installed"] is False
    assert listed["aneby"]["connections"] == [{"kind": "slack_enterprise", "id": "E0ANEBY01", "installed": False}]
    assert listed["aneby"]["partners"] == ["tranas"] and listed["tranas"]["partners"] == ["aneby"]
    assert "tranas\tTranås kommun\tslack_team T0TRANAS1, slack_team T0TRANAS2\tpartners: aneby" in idesluss(
        "orgs", "list")


def test_a_workspace_belongs_to_one_organisation_unless_moved(idesluss, db):
    idesluss("orgs", "add", "tranas", "--name", "Tranås kommun")
    idesluss("orgs", "add", "aneby", "--name", "Aneby kommun")
    idesluss("orgs", "connect", "tranas", "--slack-team", "T0SHARED1")

    refused = idesluss("orgs", "connect", "aneby", "--slack-team", "T0SHARED1", code=2)
    idesluss("orgs", "connect", "aneby", "--slack-team", "T0SHARED1", "--move")

    assert "connected to 'tranas'" in refused
    with db.session() as session:
        (row,) = session.exec(select(OrgConnection)).all()
    assert row.external_id == "T0SHARED1"
    assert "disconnected" in idesluss("orgs", "disconnect", "aneby", "--slack-team", "T0SHARED1")


def test_the_first_connection_names_the_workspaces_that_stop_being_served(idesluss, core):
    from bot.core import Actor

    core.handle_command(Actor("slack", "U1", "T0OLDTEAM"), "En idé från förr")

    output = idesluss("orgs", "connect", "testkommun", "--teams-tenant", "tenant-ny")

    assert "only connected workspaces and tenants are served" in output
    assert "idesluss orgs connect testkommun --slack-team T0OLDTEAM" in output


def test_a_role_in_a_partner_needs_the_partnership(idesluss, db):
    idesluss("orgs", "add", "tranas", "--name", "Tranås kommun")
    idesluss("orgs", "add", "aneby", "--name", "Aneby kommun")
    idesluss("roles", "grant", "slack:UCECILIA", "coach", "--org", "tranas")

    refused = idesluss("roles", "grant", "slack:UCECILIA", "coach", "--org", "aneby", code=2)
    idesluss("orgs", "partner", "tranas", "aneby")
    granted = idesluss("roles", "grant", "slack:UCECILIA", "coach", "--org", "aneby")

    assert "not a partner of 'aneby'" in refused and "orgs partner tranas aneby" in refused
    assert "coach in aneby" in granted
    listed = idesluss("roles", "list")
    assert "slack:UCECILIA\tcoach\torg aneby\n" in listed and "slack:UCECILIA\tcoach\torg tranas\n" in listed
    idesluss("orgs", "unpartner", "tranas", "aneby")
    lapsed = idesluss("roles", "list")
    assert "slack:UCECILIA\tcoach\torg aneby\tcounts for nothing: not a partner" in lapsed
    assert "slack:UCECILIA\tcoach\torg tranas\n" in lapsed  # her own organisation's role is not touched
    idesluss("orgs", "partner", "tranas", "aneby")
    assert "slack:UCECILIA\tcoach\torg aneby\n" in idesluss("roles", "list")
    idesluss("roles", "revoke", "slack:UCECILIA", "coach", "--org", "aneby")
    with db.session() as session:
        assert len(session.exec(select(Role)).all()) == 1
    assert "no organisation 'ydre'" in idesluss("roles", "grant", "slack:U9", "coach", "--org", "ydre", code=2)


def test_a_tenants_registration_is_stored_encrypted_and_never_listed(idesluss, db):
    idesluss("orgs", "add", "aneby", "--name", "Aneby kommun")

    idesluss("orgs", "connect", "aneby", "--teams-tenant", "tenant-aneby", "--teams-app-id", "app-aneby",
             "--teams-secret-file", "-", stdin="hemlighet-från-entra\n")
    missing_key = idesluss("orgs", "connect", "aneby", "--teams-tenant", "tenant-aneby", "--teams-app-id",
                           "app-aneby", "--teams-secret-file", "-", stdin="x\n", code=2, IDESLUSS_SECRET_KEY="")

    with db.session() as session:
        (row,) = session.exec(select(TeamsRegistration)).all()
    assert row.secret and "hemlighet" not in row.secret
    assert SecretBox(KEY).decrypt(row.secret) == "hemlighet-från-entra"
    assert "IDESLUSS_SECRET_KEY is not set" in missing_key
    listed = idesluss("orgs", "list", "--format", "json")
    assert "hemlighet" not in listed and '"credential": "secret"' in listed
    assert "needs its client secret" in idesluss("orgs", "connect", "aneby", "--teams-tenant", "t2",
                                                 "--teams-app-id", "a2", code=2)


def test_bad_input_gets_one_clear_line(idesluss):
    assert "not a key" in idesluss("orgs", "add", "Tranås Kommun", code=2)
    assert "Unknown time zone" in idesluss("orgs", "add", "tranas", "--timezone", "Mars/Olympus", code=2)
    assert "Name what to connect" in idesluss("orgs", "connect", "testkommun", code=2)
    assert "not its own partner" in idesluss("orgs", "partner", "a", "a", code=2)
    assert "--ends is a date" in idesluss("challenges", "create", "--org", "testkommun", "--title", "T", "--ends",
                                          "i morgon", code=2)
    assert "no challenge #7" in idesluss("challenges", "close", "7", code=2)


def test_challenges_are_created_listed_and_closed_from_the_command_line(idesluss, core):
    from bot.core import Actor

    core.handle_command(Actor("shell", "anna"), "hjälp")  # someone the announcement can reach (the shell prints)
    idesluss("orgs", "add", "local", "--name", "Testkommunen")

    created = idesluss("challenges", "create", "--org", "local", "--title", "Mindre matsvinn", "--ends", "2099-12-31")
    core.handle_command(Actor("shell", "anna"), "utmaning 1 Mindre portioner som standard")
    (listed,) = json.loads(idesluss("challenges", "list", "--format", "json"))
    closed = idesluss("challenges", "close", "1")

    assert "Challenge #1 'Mindre matsvinn' (local, last day 2099-12-31): 1 announcements; sent 1" in created
    assert (listed["state"], listed["ideas"], listed["organisations"]) == ("open", 1, {"local": 1})
    assert "Utmaning #1 ”Mindre matsvinn” är avslutad" in closed and "1 idé från 1 organisation" in closed
    assert "closed already" in idesluss("challenges", "close", "1", code=2)
