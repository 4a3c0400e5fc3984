"""Several Slack workspaces in one deployment: installed through Slack's OAuth v2 flow (Bolt's /slack/install and
/slack/oauth_redirect against the stand-in's authorize page and `oauth.v2.access`), each connected to its own
organisation, each numbering its ideas from 1, each message sent with its own workspace's token; an uninstall
pauses that workspace's messages and a reinstall sends them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlmodel import select

from bot.app import Runtime
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.web.app import create_app
from storage import orgs
from storage import outbox as outbox_store
from storage.db import Database
from storage.ideas import export_ideas
from storage.models import OutboxMessage, Person, SlackInstallation, SlackOAuthState
from storage.people import get_or_create_org, get_or_create_person, grant_role
from storage.secrets import SecretBox, generate_key
from tests.conftest import START, serving
from tests.slack.conftest import SECRET, AppServer, SlackClient
from tests.slack.standin import CLIENT_ID, CLIENT_SECRET, SlackStandIn, wait_until
from tests.teams.conftest import pki  # noqa: F401 - the test CA: the app is served over HTTPS, as in production
from tests.teams.standins import Pki

KEY = generate_key()
TRANAS, ANEBY, YDRE = "T0TRANAS1", "T0ANEBY01", "T0YDRE001"


@pytest.fixture
def oauth_settings(database_url: str, standin: SlackStandIn) -> Settings:
    return Settings(database_url=database_url, organisation="testkommun", default_locale="sv",
                    slack_client_id=CLIENT_ID, slack_client_secret=CLIENT_SECRET, slack_signing_secret=SECRET,
                    slack_api_url=standin.api_url, secret_key=KEY)


@pytest.fixture
def two_municipalities(db: Database) -> None:
    """What an operator does first: `orgs add tranas|aneby`, `orgs connect … --slack-team`, `orgs partner`."""
    with db.session() as session:
        tranas = get_or_create_org(session, "tranas", "Tranås kommun", now=START)
        aneby = get_or_create_org(session, "aneby", "Aneby kommun", now=START)
        orgs.connect(session, tranas, orgs.SLACK_TEAM, TRANAS, now=START)
        orgs.connect(session, aneby, orgs.SLACK_TEAM, ANEBY, now=START)


@pytest.fixture
def runtime(oauth_settings: Settings, db: Database, clock: ManualClock, two_municipalities: None) -> Runtime:
    return serving(oauth_settings, clock, db)


@pytest.fixture
def served(runtime: Runtime, standin: SlackStandIn, pki: Pki) -> Iterator[AppServer]:  # noqa: F811
    with AppServer(create_app(runtime), pki) as server:
        standin.redirect_url = f"{server.url}/slack/oauth_redirect"
        yield server


@pytest.fixture
def slack(served: AppServer, standin: SlackStandIn, oauth_settings: Settings) -> Iterator[SlackClient]:
    client = SlackClient(served.url, standin, oauth_settings)
    yield client
    client.http.close()


def install(served: AppServer, team: str) -> httpx.Response:
    """A workspace admin clicks "Add to Slack": our /slack/install, Slack's authorize page, our redirect URL."""
    with httpx.Client(follow_redirects=True, timeout=10) as browser:
        return browser.get(f"{served.url}/slack/install", params={"team": team})


def _ideas(db: Database, org: str) -> list[tuple[int, str]]:
    with db.session() as session:
        return [(row.number, row.title) for row in export_ideas(session, org_key=org)]


def test_two_workspaces_install_through_oauth_and_each_numbers_its_ideas_from_one(
        slack: SlackClient, served: AppServer, standin: SlackStandIn, db: Database):
    standin.add_workspace(TRANAS, "Tranås kommun")
    standin.add_workspace(ANEBY, "Aneby kommun")

    first = install(served, TRANAS)
    second = install(served, ANEBY)

    assert first.status_code == 200 and "installerad i Tranås kommun" in first.text
    assert second.status_code == 200 and "installerad i Aneby kommun" in second.text
    (authorize, _) = standin.calls_to("oauth.authorize")
    assert authorize.args["client_id"] == CLIENT_ID and "chat:write" in authorize.args["scope"]
    assert len(standin.calls_to("oauth.v2.access")) == 2
    box = SecretBox(KEY)
    with db.session() as session:
        rows = {r.team_id: r for r in session.exec(select(SlackInstallation)).all()}
        assert session.exec(select(SlackOAuthState)).all() == []  # each state used once, then gone
    assert set(rows) == {TRANAS, ANEBY}
    for team, row in rows.items():
        assert standin.token_of(team) not in row.bot_token  # only ciphertext in the database
        assert box.decrypt(row.bot_token) == standin.token_of(team)

    slack.command("Cykelparkering vid stationen", team=TRANAS, user="UTRANAS01")
    slack.command("Fler bänkar vid badplatsen", team=ANEBY, user="UANEBY001")
    answers = standin.wait_for("response_url", 2)

    assert all("#1" in json.dumps(a.args, ensure_ascii=False) for a in answers)
    assert _ideas(db, "tranas") == [(1, "Cykelparkering vid stationen")]
    assert _ideas(db, "aneby") == [(1, "Fler bänkar vid badplatsen")]
    # Bolt authorised each request with its own workspace's token (auth.test once per token, then cached)
    tested = {c.headers.get("Authorization") for c in standin.calls_to("auth.test")}
    assert tested == {f"Bearer {standin.token_of(TRANAS)}", f"Bearer {standin.token_of(ANEBY)}"}


def test_each_outgoing_message_uses_its_workspaces_token(slack: SlackClient, served: AppServer,
                                                         standin: SlackStandIn, db: Database, runtime: Runtime):
    for team, name in ((TRANAS, "Tranås kommun"), (ANEBY, "Aneby kommun")):
        standin.add_workspace(team, name)
        install(served, team)
    slack.command("Lånecyklar för personalen", team=ANEBY, user="UANEBY001")
    standin.wait_for("response_url")
    with db.session() as session:
        aneby = orgs.find_org(session, "aneby")
        coach = get_or_create_person(session, aneby, "slack", "UCOACHANE", workspace=ANEBY, now=START)
        grant_role(session, coach, "coach", now=START)
    slack.command("status 1 bedömning", team=ANEBY, user="UCOACHANE")
    standin.wait_for("response_url", 2)
    wait_until(lambda: _pending(db) == 1, what="the author's notification in the outbox")

    result = runtime.dispatch_now(max_wait=0)

    assert result.sent == 1
    (post,) = standin.calls_to("chat.postMessage")
    assert post.args["channel"] == "UANEBY001"
    assert post.headers["Authorization"] == f"Bearer {standin.token_of(ANEBY)}"


def _pending(db: Database) -> int:
    with db.session() as session:
        return outbox_store.counts_by_state(session).get("pending", 0)


def _states(db: Database) -> list[tuple[str | None, str]]:
    with db.session() as session:
        return sorted((r.workspace, r.state) for r in session.exec(select(OutboxMessage)).all())


def test_uninstall_removes_the_token_and_pauses_the_workspace_until_it_is_installed_again(
        slack: SlackClient, served: AppServer, standin: SlackStandIn, db: Database, runtime: Runtime,
        clock: ManualClock):
    for team, name in ((TRANAS, "Tranås kommun"), (ANEBY, "Aneby kommun")):
        standin.add_workspace(team, name)
        install(served, team)
    old_token = standin.token_of(ANEBY)
    with db.session() as session:
        for team, user in ((TRANAS, "UTRANAS01"), (ANEBY, "UANEBY001")):
            org = orgs.connected_org(session, orgs.SLACK_TEAM, team)
            outbox_store.enqueue(session, outbox_store.NewMessage(
                key=f"before:{team}", platform="slack", recipient=user, workspace=team,
                payload={"kind": "notification", "text": "Hej"}, org_id=org.id), now=clock.now())

    response = slack.event({"type": "app_uninstalled"}, team=ANEBY)

    assert response.status_code == 200
    wait_until(lambda: ("T0ANEBY01", "paused") in _states(db), what="Aneby's messages paused")
    with db.session() as session:
        assert [r.team_id for r in session.exec(select(SlackInstallation)).all()] == [TRANAS]
        outbox_store.enqueue(session, outbox_store.NewMessage(
            key="after:aneby", platform="slack", recipient="UANEBY001", workspace=ANEBY,
            payload={"kind": "notification", "text": "Hej igen"}), now=clock.now())
    assert runtime.dispatch_now(max_wait=0).sent == 1  # Tranås's message; Aneby's wait, no attempt burnt
    assert _states(db) == [(ANEBY, "paused"), (ANEBY, "paused"), (TRANAS, "sent")]

    assert install(served, ANEBY).status_code == 200  # installed again: a new token, the messages are due
    result = runtime.dispatch_now(max_wait=0)

    assert result.sent == 2
    aneby_posts = [c for c in standin.calls_to("chat.postMessage") if c.args["channel"] == "UANEBY001"]
    assert {c.headers["Authorization"] for c in aneby_posts} == {f"Bearer {standin.token_of(ANEBY)}"}
    assert standin.token_of(ANEBY) != old_token


def test_a_workspace_connected_to_no_organisation_cannot_install_and_nothing_is_stored(
        served: AppServer, standin: SlackStandIn, db: Database):
    standin.add_workspace(YDRE, "Ydre kommun")

    refused = install(served, YDRE)

    assert refused.status_code == 403
    assert "inte ansluten" in refused.text and f"--slack-team {YDRE}" in refused.text
    with db.session() as session:
        assert session.exec(select(SlackInstallation)).all() == []
        assert session.exec(select(Person)).all() == []


def test_a_forged_or_reused_state_is_refused(served: AppServer, standin: SlackStandIn, db: Database):
    standin.add_workspace(TRANAS, "Tranås kommun")
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        start = browser.get(f"{served.url}/slack/install", params={"team": TRANAS})
        assert start.status_code == 302
        state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
        approved = browser.get(start.headers["location"])
        callback = approved.headers["location"]
        assert browser.get(callback).status_code == 200
        replayed = browser.get(callback.replace("code=", "code=x"))
    forged = httpx.get(f"{served.url}/slack/oauth_redirect", params={"code": "c", "state": state}, timeout=10)

    assert replayed.status_code in (400, 401) and forged.status_code in (400, 401)
    with db.session() as session:
        assert len(session.exec(select(SlackInstallation)).all()) == 1


def test_oauth_mode_refuses_to_start_without_a_secret_key(oauth_settings: Settings, db: Database,
                                                         clock: ManualClock):
    with pytest.raises(SystemExit, match="IDESLUSS_SECRET_KEY"):
        serving(oauth_settings.model_copy(update={"secret_key": None}), clock, db)


def test_the_install_store_refuses_to_keep_a_token_without_the_key(db: Database, clock: ManualClock):
    from slack_sdk.oauth.installation_store import Installation

    from bot.slack.installations import DatabaseInstallationStore, SecretKeyMissing

    store = DatabaseInstallationStore(db, SecretBox(None), clock, serves=lambda actor: True)
    with pytest.raises(SecretKeyMissing, match="IDESLUSS_SECRET_KEY"):
        asyncio.run(store.async_save(Installation(team_id=TRANAS, bot_token="xoxb-1-2-3", bot_id="B1",
                                                  bot_user_id="UB1", user_id="U1")))
    with db.session() as session:
        assert session.exec(select(SlackInstallation)).all() == []


def test_a_connected_workspace_that_has_not_installed_the_app_is_asked_to_install_it(slack: SlackClient, db: Database):
    response = slack.command("Cykelparkering vid stationen", team=TRANAS, user="UTRANAS01")

    assert response.status_code == 200
    (told,) = slack.standin.wait_for("response_url")
    assert "inte installerad i den här arbetsytan" in told.args["text"] and "no longer installed" in told.args["text"]
    with db.session() as session:
        assert session.exec(select(Person)).all() == []


def test_while_nothing_is_connected_no_workspace_can_install(oauth_settings: Settings, db: Database,
                                                             clock: ManualClock, standin: SlackStandIn, pki: Pki):  # noqa: F811
    standin.add_workspace(YDRE, "Ydre kommun")
    with AppServer(create_app(serving(oauth_settings, clock, db)), pki) as server:
        standin.redirect_url = f"{server.url}/slack/oauth_redirect"
        refused = install(server, YDRE)

    assert refused.status_code == 403  # a stranger's workspace never joins the default organisation
    with db.session() as session:
        assert session.exec(select(SlackInstallation)).all() == []
