"""Only the Bot Framework channel may talk to the bot: everything else is refused and leaves no trace."""

from __future__ import annotations

import asyncio

import httpx
import jwt
import pytest
from sqlmodel import select

from bot.teams.auth import AuthError, BotFrameworkAuthenticator, KeysUnavailable, OpenIdKeySet, tenant_issuers
from storage.db import Database
from storage.models import ConversationRef, Idea, Person

from .conftest import TeamsBotUnderTest, personal_message
from .standins import APP_ID, TENANT, SigningKey, StandIn, mint, new_key


def _nothing_kept(db: Database, stand_in: StandIn) -> None:
    with db.session() as session:
        assert session.exec(select(Idea)).all() == []
        assert session.exec(select(Person)).all() == []
        assert session.exec(select(ConversationRef)).all() == []
    assert stand_in.wait_for(1, timeout=0.2) == []  # nothing sent
    assert stand_in.token_requests == []  # and the bot's token was never even fetched


@pytest.fixture
def activity(teams_bot: TeamsBotUnderTest) -> dict:
    return personal_message(teams_bot.stand_in.service_url, "idé Detta får aldrig sparas")


def test_request_without_a_token_is_refused(teams_bot: TeamsBotUnderTest, db: Database, activity: dict) -> None:
    assert teams_bot.post(activity, token=None).status_code == 401
    assert teams_bot.post(activity, token=None, headers={"Authorization": "Basic YWRtaW46YWRtaW4="}).status_code == 401
    _nothing_kept(db, teams_bot.stand_in)


def test_token_signed_with_a_forged_key_is_refused(teams_bot: TeamsBotUnderTest, db: Database, activity: dict,
                                                   channel_keys: dict[str, SigningKey]) -> None:
    forged_same_kid = mint(channel_keys["forged"], service_url=activity["serviceUrl"])
    unknown_kid = mint(new_key("attacker-key", ["msteams"]), service_url=activity["serviceUrl"])

    assert teams_bot.post(activity, token=forged_same_kid).status_code == 401
    assert teams_bot.post(activity, token=unknown_kid).status_code == 401
    _nothing_kept(db, teams_bot.stand_in)


def test_token_for_another_bot_is_refused(teams_bot: TeamsBotUnderTest, db: Database, activity: dict) -> None:
    token = mint(teams_bot.key, service_url=activity["serviceUrl"], audience="some-other-bot")
    assert teams_bot.post(activity, token=token).status_code == 401
    _nothing_kept(db, teams_bot.stand_in)


def test_expired_token_is_refused_beyond_five_minutes_of_skew(teams_bot: TeamsBotUnderTest, db: Database,
                                                             activity: dict) -> None:
    token = mint(teams_bot.key, service_url=activity["serviceUrl"], lifetime=-360, not_before=-3600)
    assert teams_bot.post(activity, token=token).status_code == 401
    _nothing_kept(db, teams_bot.stand_in)


def test_token_from_another_issuer_or_algorithm_is_refused(teams_bot: TeamsBotUnderTest, db: Database,
                                                           activity: dict) -> None:
    wrong_issuer = mint(teams_bot.key, service_url=activity["serviceUrl"], issuer="https://evil.example")
    hmac_token = jwt.encode({"iss": "https://api.botframework.com", "aud": APP_ID,
                             "serviceurl": activity["serviceUrl"], "exp": 4102444800}, "secret" * 6,
                            algorithm="HS256", headers={"kid": teams_bot.key.kid})
    assert teams_bot.post(activity, token=wrong_issuer).status_code == 401
    assert teams_bot.post(activity, token=hmac_token).status_code == 401
    assert teams_bot.post(activity, token="not.a.jwt").status_code == 401
    _nothing_kept(db, teams_bot.stand_in)


def test_activity_pointing_at_another_service_url_is_refused_and_gets_no_token(
        teams_bot: TeamsBotUnderTest, db: Database, activity: dict) -> None:
    token = mint(teams_bot.key, service_url=activity["serviceUrl"])
    activity["serviceUrl"] = "https://attacker.example/"  # a genuine token replayed with a new serviceUrl

    assert teams_bot.post(activity, token=token).status_code == 401
    _nothing_kept(db, teams_bot.stand_in)


def test_key_not_endorsed_for_msteams_is_forbidden(teams_bot: TeamsBotUnderTest, db: Database, activity: dict,
                                                   channel_keys: dict[str, SigningKey]) -> None:
    token = mint(channel_keys["webchat"], service_url=activity["serviceUrl"])
    assert teams_bot.post(activity, token=token).status_code == 403
    _nothing_kept(db, teams_bot.stand_in)


def test_tenant_issued_token_within_clock_skew_is_accepted(teams_bot: TeamsBotUnderTest, db: Database,
                                                          activity: dict) -> None:
    token = mint(teams_bot.key, service_url=activity["serviceUrl"], issuer=f"https://sts.windows.net/{TENANT}/",
                 lifetime=-120, not_before=-3600)  # expired two minutes ago: inside the 5 minute skew
    assert teams_bot.post(activity, token=token).status_code == 200
    with db.session() as session:
        assert len(session.exec(select(Idea)).all()) == 1


def test_signing_keys_are_cached_and_refetched_when_an_unknown_kid_appears(
        stand_in: StandIn, channel_keys: dict[str, SigningKey]) -> None:
    now = [1000.0]
    rotated = new_key("bf-key-rotated", ["msteams"])

    async def scenario() -> None:
        async with httpx.AsyncClient() as client:
            keys = OpenIdKeySet(stand_in.metadata_url, lambda: client, clock=lambda: now[0])
            auth = BotFrameworkAuthenticator(APP_ID, keys, issuers=tenant_issuers(TENANT))
            activity = {"serviceUrl": stand_in.service_url, "channelId": "msteams"}
            await auth.authenticate("Bearer " + mint(channel_keys["msteams"], service_url=stand_in.service_url),
                                    activity)
            await auth.authenticate("Bearer " + mint(channel_keys["msteams"], service_url=stand_in.service_url),
                                    activity)
            assert keys.fetch_count == 1  # cached

            stand_in.keys.append(rotated)
            try:
                token = "Bearer " + mint(rotated, service_url=stand_in.service_url)
                with pytest.raises(AuthError):  # a burst of unknown kids does not hammer the metadata
                    await auth.authenticate(token, activity)
                now[0] += 61
                await auth.authenticate(token, activity)
                assert keys.fetch_count == 2
                now[0] += 24 * 3600  # and at least daily regardless
                await auth.authenticate(token, activity)
                assert keys.fetch_count == 3
            finally:
                stand_in.keys.remove(rotated)

    asyncio.run(scenario())


def test_unreachable_key_metadata_answers_503_so_the_channel_retries(stand_in: StandIn,
                                                                     channel_keys: dict[str, SigningKey]) -> None:
    async def scenario() -> None:
        async with httpx.AsyncClient() as client:
            keys = OpenIdKeySet(f"{stand_in.url}/nowhere/openidconfiguration", lambda: client)
            auth = BotFrameworkAuthenticator(APP_ID, keys, issuers=tenant_issuers(TENANT))
            token = "Bearer " + mint(channel_keys["msteams"], service_url=stand_in.service_url)
            with pytest.raises(KeysUnavailable) as raised:
                await auth.authenticate(token, {"serviceUrl": stand_in.service_url, "channelId": "msteams"})
            assert raised.value.status_code == 503

    asyncio.run(scenario())


def test_while_the_key_endpoint_is_down_old_keys_serve_and_it_is_not_asked_on_every_request(
        stand_in: StandIn, channel_keys: dict[str, SigningKey]) -> None:
    now = [1000.0]

    async def scenario() -> None:
        async with httpx.AsyncClient() as client:
            keys = OpenIdKeySet(stand_in.metadata_url, lambda: client, clock=lambda: now[0])
            auth = BotFrameworkAuthenticator(APP_ID, keys, issuers=tenant_issuers(TENANT))
            activity = {"serviceUrl": stand_in.service_url, "channelId": "msteams"}
            token = "Bearer " + mint(channel_keys["msteams"], service_url=stand_in.service_url)
            await auth.authenticate(token, activity)
            now[0] += 25 * 3600  # the keys are due for their daily refresh, and the endpoint is down
            keys.metadata_url = f"{stand_in.url}/nowhere/openidconfiguration"
            for _ in range(5):
                await auth.authenticate(token, activity)
            assert keys.attempts == 2  # the first fetch and one failed refresh, not one per request
            now[0] += 61
            keys.metadata_url = stand_in.metadata_url
            await auth.authenticate(token, activity)
            assert (keys.attempts, keys.fetch_count) == (3, 2)

    asyncio.run(scenario())
