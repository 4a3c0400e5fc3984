"""An employee writes to the bot in Teams: one idea is kept, one card comes back through the connector."""

from __future__ import annotations

from sqlmodel import select

from storage.db import Database
from storage.ideas import export_ideas
from storage.models import ConversationRef, Idea
from tests.conftest import serving

from .conftest import TeamsBotUnderTest, channel_mention, personal_message


def _ideas(db: Database) -> list[Idea]:
    with db.session() as session:
        return list(session.exec(select(Idea)).all())


def _card(recorded) -> dict:  # type: ignore[no-untyped-def]
    attachment = recorded.body["attachments"][0]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    return attachment["content"]


def _texts(card: dict) -> str:
    return "\n".join(str(item.get("text", "")) for item in card["body"])


def test_idea_in_personal_chat_is_kept_once_and_confirmed_with_a_card(teams_bot: TeamsBotUnderTest,
                                                                      db: Database) -> None:
    activity = personal_message(teams_bot.stand_in.service_url, "idé Bättre cykelställ vid stadshuset")

    response = teams_bot.post(activity)

    assert response.status_code == 200
    ideas = _ideas(db)
    assert [(i.number, i.source, i.text) for i in ideas] == [(1, "teams", "Bättre cykelställ vid stadshuset")]
    [reply] = teams_bot.stand_in.wait_for(1)
    assert reply.method == "POST"
    assert reply.path.endswith(f"/activities/{activity['id']}")  # a reply to the person's message
    assert reply.authorization == "Bearer stand-in-token-1"  # msal's token from the stand-in tenant
    card = _card(reply)
    assert card["version"] == "1.5"
    assert "#1" in _texts(card)
    assert [a["title"] for a in card["actions"]] == ["Lägg till detaljer", "Ångra", "Visa"]
    # "Lägg till detaljer" opens the form in a dialog; the others answer in place (Action.Execute).
    assert [a["type"] for a in card["actions"]] == ["Action.Submit", "Action.Execute", "Action.Execute"]


def test_redelivered_activity_keeps_one_idea_and_sends_one_reply(teams_bot: TeamsBotUnderTest, db: Database) -> None:
    activity = personal_message(teams_bot.stand_in.service_url, "/idé Solceller på förskolans tak")

    assert teams_bot.post(activity).status_code == 200
    teams_bot.stand_in.wait_for(1)
    assert teams_bot.post(activity).status_code == 200

    assert len(_ideas(db)) == 1
    assert len(teams_bot.stand_in.wait_for(2, timeout=0.3)) == 1


def test_redelivery_after_a_crash_mid_message_still_answers_and_keeps_one_idea(
        teams_bot: TeamsBotUnderTest, teams_settings, db: Database, clock) -> None:
    """The first delivery stored the idea and then the process died before it answered: Teams redelivers."""
    from bot.core import Actor, Core, Origin
    from bot.teams.activities import activity_key

    activity = personal_message(teams_bot.stand_in.service_url, "idé Fler laddplatser för elcyklar")
    actor = Actor("teams", activity["from"]["aadObjectId"], workspace=activity["conversation"].get("tenantId"))
    first_attempt = Core(db, teams_settings, clock)
    first_attempt.handle_message(actor, "idé Fler laddplatser för elcyklar", Origin(dedup_key=activity_key(activity)))

    assert teams_bot.post(activity).status_code == 200

    assert len(_ideas(db)) == 1
    [reply] = teams_bot.stand_in.wait_for(1)
    assert "#1" in _texts(_card(reply))


def test_channel_mention_keeps_one_idea_without_the_mention_text(teams_bot: TeamsBotUnderTest, db: Database) -> None:
    activity = channel_mention(teams_bot.stand_in.service_url, "idé Gemensam bilpool för hemtjänsten")

    assert teams_bot.post(activity).status_code == 200

    [idea] = _ideas(db)
    assert idea.text == "Gemensam bilpool för hemtjänsten"
    assert idea.source_channel == "19:channel@thread.tacv2"
    assert idea.source_link and idea.source_link.startswith("https://teams.microsoft.com/l/message/")
    [reply] = teams_bot.stand_in.wait_for(1)
    assert reply.authorization and reply.authorization.startswith("Bearer stand-in-token-")
    assert "#1" in _texts(_card(reply))


def test_channel_message_not_addressed_to_the_bot_is_ignored(teams_bot: TeamsBotUnderTest, db: Database) -> None:
    activity = channel_mention(teams_bot.stand_in.service_url, "idé Inte till boten")
    activity["entities"] = [e for e in activity["entities"] if e["type"] != "mention"]
    activity["text"] = "idé Inte till boten"

    assert teams_bot.post(activity).status_code == 200

    assert _ideas(db) == []
    assert teams_bot.stand_in.wait_for(1, timeout=0.2) == []


def test_html_and_decomposed_text_from_teams_is_stored_as_plain_nfc(teams_bot: TeamsBotUnderTest,
                                                                    db: Database) -> None:
    text = "<p>ide\u0301 Fler b&auml;nkar &amp; papperskorgar<br>i parken</p>"
    teams_bot.post(personal_message(teams_bot.stand_in.service_url, text))

    [idea] = _ideas(db)
    assert idea.text == "Fler bänkar & papperskorgar\ni parken"


def test_english_idea_gets_an_english_card_and_export_names_the_teams_author(teams_bot: TeamsBotUnderTest,
                                                                             db: Database) -> None:
    activity = personal_message(teams_bot.stand_in.service_url, "idea Shared e-bikes for home care staff",
                                user="0b1c2d3e-aaaa-bbbb-cccc-1234567890ab", locale="en-GB")
    teams_bot.post(activity)

    [reply] = teams_bot.stand_in.wait_for(1)
    assert [a["title"] for a in _card(reply)["actions"]][0] == "Add details"
    with db.session() as session:
        [row] = export_ideas(session)
    assert row.source == "teams"
    assert row.author == "teams:0b1c2d3e-aaaa-bbbb-cccc-1234567890ab"


def test_every_message_stores_where_the_person_can_be_reached(teams_bot: TeamsBotUnderTest, db: Database) -> None:
    teams_bot.post(personal_message(teams_bot.stand_in.service_url, "hjälp", user="aad-1"))
    teams_bot.post(channel_mention(teams_bot.stand_in.service_url, "hjälp", user="aad-2"))

    with db.session() as session:
        refs = {r.conversation_id: r for r in session.exec(select(ConversationRef)).all()}
    personal = refs["a:personal-aad-1"]
    assert (personal.conversation_type, personal.user_id, personal.member_id) == ("personal", "aad-1",
                                                                                 "29:member-aad-1")
    assert personal.service_url == teams_bot.stand_in.service_url
    assert personal.bot_id.startswith("28:") and personal.tenant_id
    assert refs["19:channel@thread.tacv2"].conversation_type == "channel"
    assert refs["member:aad-2"].member_id == "29:member-aad-2"


def test_button_press_from_an_old_client_arrives_as_a_message_and_gets_a_reply(teams_bot: TeamsBotUnderTest,
                                                                               db: Database) -> None:
    service_url = teams_bot.stand_in.service_url
    teams_bot.post(personal_message(service_url, "idé Bättre skyltning", user="aad-old-client"))
    teams_bot.stand_in.wait_for(1)
    pressed = personal_message(service_url, "", user="aad-old-client")  # Action.Submit fallback: text-less
    pressed["value"] = {"action_id": "idea.show", "value": "1"}

    assert teams_bot.post(pressed).status_code == 200

    _, shown = teams_bot.stand_in.wait_for(2)
    assert _card(shown)["body"][0]["text"] == "Idé #1: Bättre skyltning"


def test_without_teams_app_id_there_is_no_teams_endpoint(settings, db: Database, clock) -> None:  # type: ignore[no-untyped-def]
    from bot.web.app import create_app

    app = create_app(serving(settings, clock, db))

    assert "/api/messages" not in [getattr(route, "path", None) for route in app.routes]
    assert "teams" not in app.state.runtime.senders


def test_bot_added_to_a_personal_chat_stores_the_reference_and_says_nothing(teams_bot: TeamsBotUnderTest,
                                                                           db: Database) -> None:
    from .standins import BOT_ID, TENANT, fixture

    update = fixture("conversation_update_bot_added_personal.json")
    update["serviceUrl"] = teams_bot.stand_in.service_url
    update["recipient"] = {"id": BOT_ID, "name": "Idéslussen"}
    update["from"] = {"id": "29:member-aad-added", "aadObjectId": "aad-added"}
    update["membersAdded"] = [{"id": BOT_ID}, {"id": "29:member-aad-added", "aadObjectId": "aad-added"}]
    update["conversation"]["id"] = "a:personal-aad-added"
    update["channelData"]["tenant"]["id"] = TENANT

    assert teams_bot.post(update).status_code == 200

    with db.session() as session:
        ref = session.exec(select(ConversationRef).where(ConversationRef.conversation_id == "a:personal-aad-added")
                           ).one()
    assert (ref.user_id, ref.member_id, ref.tenant_id, ref.bot_id) == ("aad-added", "29:member-aad-added", TENANT,
                                                                        BOT_ID)
    assert teams_bot.stand_in.wait_for(1, timeout=0.2) == []


def test_a_reply_in_the_ideas_channel_thread_is_a_comment_not_a_new_idea(teams_bot: TeamsBotUnderTest,
                                                                          db: Database) -> None:
    from storage.models import Comment

    first = channel_mention(teams_bot.stand_in.service_url, "idé Gemensam kalender för lokalerna")
    assert teams_bot.post(first).status_code == 200
    teams_bot.stand_in.wait_for(1)
    reply = channel_mention(teams_bot.stand_in.service_url, "Bra, vi behöver det i Norra", user="aad-megan",
                            name="Megan")
    reply["id"] = "1700000000999"
    reply["conversation"]["id"] = f"19:channel@thread.tacv2;messageid={first['id']}"
    assert teams_bot.post(reply).status_code == 200
    teams_bot.stand_in.wait_for(2)

    assert len(_ideas(db)) == 1
    with db.session() as session:
        assert [c.text for c in session.exec(select(Comment)).all()] == ["Bra, vi behöver det i Norra"]


def test_a_message_without_a_tenant_is_ignored_by_a_single_tenant_bot(teams_bot: TeamsBotUnderTest,
                                                                      db: Database) -> None:
    activity = personal_message(teams_bot.stand_in.service_url, "idé Utan hyresgäst")
    activity.get("channelData", {}).pop("tenant", None)
    activity["conversation"].pop("tenantId", None)

    assert teams_bot.post(activity).status_code == 200
    assert _ideas(db) == []
