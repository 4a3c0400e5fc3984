"""Teams in several tenants: two single-tenant registrations, each connected to its own organisation (Tranås from
the environment, Aneby stored in the database with a certificate). A token is accepted only for a configured app
id and only with that app's tenant; each tenant's answers and notifications get their token from its own
registration's authority."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlmodel import select

from bot.app import Runtime
from bot.config import Settings
from bot.core.clock import ManualClock
from storage import orgs
from storage.db import Database
from storage.ideas import export_ideas
from storage.models import ConversationRef, Idea, Person, TeamsRegistration
from storage.people import get_or_create_org, get_or_create_person, grant_role
from storage.secrets import SecretBox, generate_key
from storage.teams_registrations import save_registration
from tests.conftest import START, serving

from .conftest import TeamsBotUnderTest, personal_message
from .standins import APP_ID, APP_PASSWORD, TENANT, App, ServerThread, SigningKey, StandIn, app_certificate, mint

KEY = generate_key()
ANEBY_APP = "a1b2c3d4-0000-4000-8000-0000000000a2"
ANEBY_TENANT = "0d5c3a91-7f3e-4a6b-9c1d-aaaaaaaaaaa2"
CAROLINE = "9c9c9c9c-1111-4222-8333-444444444444"  # an Aneby employee
MEGAN = "7faf8ab2-3d56-4244-b585-20c8a42ed2b8"  # a Tranås employee


@pytest.fixture
def tenants_settings(database_url: str, stand_in: StandIn) -> Settings:
    return Settings(database_url=database_url, organisation="testkommun", default_locale="sv", secret_key=KEY,
                    teams_app_id=APP_ID, teams_app_password=APP_PASSWORD, teams_tenant_id=TENANT,
                    teams_authority=stand_in.authority_for(TENANT), teams_authority_host=stand_in.url,
                    teams_openid_metadata_url=stand_in.metadata_url)


@pytest.fixture
def two_tenants(db: Database, stand_in: StandIn) -> None:
    """`orgs connect tranas --teams-tenant T1` and `orgs connect aneby --teams-tenant T2 --teams-app-id A2
    --teams-certificate aneby.pem`: Aneby's own registration, its key encrypted."""
    pem, certificate = app_certificate("Idéslussen Aneby")
    stand_in.apps[ANEBY_APP] = App(ANEBY_TENANT, certificate=certificate)
    with db.session() as session:
        tranas = get_or_create_org(session, "tranas", "Tranås kommun", now=START)
        aneby = get_or_create_org(session, "aneby", "Aneby kommun", now=START)
        orgs.connect(session, tranas, orgs.TEAMS_TENANT, TENANT, now=START)
        orgs.connect(session, aneby, orgs.TEAMS_TENANT, ANEBY_TENANT, now=START)
        save_registration(session, SecretBox(KEY), app_id=ANEBY_APP, tenant_id=ANEBY_TENANT, certificate_pem=pem,
                          now=START)


@pytest.fixture
def runtime(tenants_settings: Settings, db: Database, clock: ManualClock, two_tenants: None) -> Runtime:
    return serving(tenants_settings, clock, db)


@pytest.fixture
def bot(runtime: Runtime, stand_in: StandIn, channel_keys: dict[str, SigningKey]) -> Iterator[TeamsBotUnderTest]:
    from bot.web.app import create_app

    app = create_app(runtime)
    server = ServerThread(app).start()
    yield TeamsBotUnderTest(server.url, stand_in, channel_keys["msteams"], app)
    server.stop()


def from_aneby(service_url: str, text: str, user: str = CAROLINE) -> dict:
    activity = personal_message(service_url, text, user=user, name="Caroline")
    activity["channelData"]["tenant"]["id"] = ANEBY_TENANT
    return activity


def _numbers(db: Database, org: str) -> list[int]:
    with db.session() as session:
        return [row.number for row in export_ideas(session, org_key=org)]


def _app_of(stand_in: StandIn, authorization: str | None) -> str:
    return stand_in.issued[(authorization or "").removeprefix("Bearer ")]


def test_each_tenant_is_its_own_organisation_answered_through_its_own_registration(bot: TeamsBotUnderTest,
                                                                                   db: Database):
    stand_in = bot.stand_in
    tranas = personal_message(stand_in.service_url, "idé Digitala lönebesked", user=MEGAN)
    aneby = from_aneby(stand_in.service_url, "idé Gemensam vikariepool")

    assert bot.post(tranas).status_code == 200
    assert bot.post(aneby, token=mint(bot.key, service_url=stand_in.service_url, audience=ANEBY_APP)).status_code \
        == 200
    replies = stand_in.wait_for(2)

    assert _numbers(db, "tranas") == [1] and _numbers(db, "aneby") == [1]
    by_conversation = {r.path.split("/conversations/")[1].split("/")[0]: r for r in replies}
    assert _app_of(stand_in, by_conversation[f"a:personal-{MEGAN}"].authorization) == APP_ID
    assert _app_of(stand_in, by_conversation[f"a:personal-{CAROLINE}"].authorization) == ANEBY_APP
    tenants = {r["client_id"]: r["tenant"] for r in stand_in.token_requests}
    assert tenants == {APP_ID: TENANT, ANEBY_APP: ANEBY_TENANT}  # each from its own tenant's authority
    aneby_request = next(r for r in stand_in.token_requests if r["client_id"] == ANEBY_APP)
    assert "client_secret" not in aneby_request and aneby_request["client_assertion"]  # the certificate signed it


def test_a_token_for_one_app_on_the_other_tenants_activity_is_refused(bot: TeamsBotUnderTest, db: Database):
    stand_in = bot.stand_in
    crossed = personal_message(stand_in.service_url, "idé Det här får inte sparas", user=MEGAN)  # Tranås's tenant
    token = mint(bot.key, service_url=stand_in.service_url, audience=ANEBY_APP)  # …with Aneby's app

    assert bot.post(crossed, token=token).status_code == 403
    assert bot.post(from_aneby(stand_in.service_url, "idé Inte heller detta"),
                    token=mint(bot.key, service_url=stand_in.service_url, audience=APP_ID)).status_code == 403
    assert bot.post(crossed, token=mint(bot.key, service_url=stand_in.service_url,
                                        audience="ffffffff-0000-4000-8000-000000000000")).status_code == 401
    with db.session() as session:
        assert session.exec(select(Idea)).all() == []
        assert session.exec(select(Person)).all() == []
        assert session.exec(select(ConversationRef)).all() == []
    assert stand_in.wait_for(1, timeout=0.2) == [] and stand_in.token_requests == []


def test_a_notification_in_a_tenant_goes_out_with_that_tenants_registration(bot: TeamsBotUnderTest, db: Database,
                                                                            runtime: Runtime):
    stand_in = bot.stand_in
    bot.post(from_aneby(stand_in.service_url, "idé Samåkning till jobbet"),
             token=mint(bot.key, service_url=stand_in.service_url, audience=ANEBY_APP))
    stand_in.wait_for(1)
    coach = "c0ac0ac0-2222-4333-8444-555555555555"
    with db.session() as session:
        aneby = orgs.find_org(session, "aneby")
        grant_role(session, get_or_create_person(session, aneby, "teams", coach, workspace=ANEBY_TENANT, now=START),
                   "coach", now=START)
    bot.post(from_aneby(stand_in.service_url, "idé status 1 bedömning", user=coach),
             token=mint(bot.key, service_url=stand_in.service_url, audience=ANEBY_APP))
    stand_in.wait_for(2)

    assert runtime.dispatch_now(max_wait=0).sent == 1

    notice = stand_in.wait_for(3)[-1]
    assert f"a:personal-{CAROLINE}" in notice.path
    assert _app_of(stand_in, notice.authorization) == ANEBY_APP


def test_the_registrations_secret_is_kept_encrypted(db: Database, two_tenants: None):
    with db.session() as session:
        (row,) = session.exec(select(TeamsRegistration)).all()
    assert row.certificate and "PRIVATE KEY" not in row.certificate
    assert "PRIVATE KEY" in SecretBox(KEY).decrypt(row.certificate)
    assert len(row.thumbprint or "") == 40


def test_a_stored_registration_needs_the_key_to_start(tenants_settings: Settings, db: Database, clock: ManualClock,
                                                      two_tenants: None):
    with pytest.raises(SystemExit, match="IDESLUSS_SECRET_KEY"):
        serving(tenants_settings.model_copy(update={"secret_key": None}), clock, db)


def test_a_tenant_connected_to_no_organisation_is_told_so_and_nothing_is_kept(bot: TeamsBotUnderTest, db: Database):
    with db.session() as session:  # Tranås's tenant is disconnected; Aneby's still is
        orgs.disconnect(session, orgs.find_org(session, "tranas"), orgs.TEAMS_TENANT, TENANT)

    assert bot.post(personal_message(bot.stand_in.service_url, "idé Digitala lönebesked", user=MEGAN)
                    ).status_code == 200
    (reply,) = bot.stand_in.wait_for(1)

    assert "inte ansluten till någon idésluss" in json.dumps(reply.body, ensure_ascii=False)
    with db.session() as session:
        assert session.exec(select(Idea)).all() == []
        assert session.exec(select(Person)).all() == []
        assert session.exec(select(ConversationRef)).all() == []
