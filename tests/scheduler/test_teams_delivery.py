"""Digests and nudges reach Teams through the Bot Connector stand-in (HTTPS, test CA), at Teams' pace."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from scheduler.digests import build_digests
from scheduler.dispatcher import Dispatcher
from scheduler.nudges import send_nudge
from storage.models import OutboxMessage
from storage.people import get_person, grant_role
from tests.conftest import START
from tests.teams.conftest import personal_message

MANAGER = "7faf8ab2-3d56-4244-b585-20c8a42ed2b8"


def _texts(activity_body: dict) -> str:
    import json

    return json.dumps(activity_body, ensure_ascii=False)


def test_a_teams_manager_gets_the_digest_in_their_chat_and_a_429_pauses_without_burning_attempts(
        teams_bot, teams_settings, db, clock):
    service_url = teams_bot.stand_in.service_url
    teams_bot.post(personal_message(service_url, "idé Larm när <at>alla</at> & <b>fet</b> skrivs", user=MANAGER))
    teams_bot.stand_in.wait_for(1)
    with db.session() as session:
        grant_role(session, get_person(session, "teams", MANAGER), "manager", now=START)
    clock.advance(60)  # the digest is built after the idea came in
    assert build_digests(db, teams_settings, now=clock.now()).enqueued == 1
    teams_bot.stand_in.fail_next(429, {"error": {"code": "Throttled"}}, {"Retry-After": "3"})

    dispatcher = Dispatcher(db, teams_bot.app.state.runtime.senders, clock=clock)
    result = asyncio.run(dispatcher.drain(max_wait=0))
    assert result.sent == 1 and sum(clock.slept) >= 3
    digest = teams_bot.stand_in.activities()[-1]
    assert digest.path.endswith(f"/v3/conversations/a:personal-{MANAGER}/activities")
    text = _texts(digest.body)
    assert "Veckosammanfattning" in text and "Larm när" in text
    with db.session() as session:
        row = session.exec(select(OutboxMessage).where(OutboxMessage.key.startswith("digest:"))).one()
        assert (row.state, row.attempts, row.message_id) == ("sent", 1, digest.answered_id)


def test_a_nudge_to_a_teams_member_arrives_with_both_buttons(teams_bot, teams_settings, db, clock):
    from storage.groups import add_members, create_group

    service_url = teams_bot.stand_in.service_url
    teams_bot.post(personal_message(service_url, "hej", user=MANAGER))
    teams_bot.stand_in.wait_for(1)
    with db.session() as session:
        member = get_person(session, "teams", MANAGER)
        group = create_group(session, member.org_id, "Socialtjänst", now=START)
        add_members(session, group, [member], now=START)
    send_nudge(db, teams_settings, group.id, now=clock.now(), manual=True)
    asyncio.run(Dispatcher(db, teams_bot.app.state.runtime.senders, clock=clock).drain(max_wait=0))
    text = _texts(teams_bot.stand_in.activities()[-1].body)
    assert "Veckans fråga – Socialtjänst" in text and "Jag har en idé" in text and "Inte den här veckan" in text
