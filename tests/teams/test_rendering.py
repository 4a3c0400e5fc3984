"""What people see: Teams text read as plain text, and the core's replies drawn as Adaptive Cards."""

from __future__ import annotations

import json

from bot.core.replies import ActionId, Button, Field, Form, FormField, IdeaLine, Reply, ReplyKind
from bot.teams.cards import CARD_VERSION, form_card, reply_activity, reply_card
from bot.teams.text import mentions_bot, message_text, to_plain

from .standins import fixture


def test_teams_html_entities_and_decomposed_letters_become_plain_nfc() -> None:
    teams_html = "<p>ide\u0301&nbsp;Fika&amp;m&ouml;te</p><p>rad&nbsp;2<br/>rad 3</p>"
    assert to_plain(teams_html) == "idé Fika&möte\nrad 2\nrad 3"
    assert to_plain("om a < b > c så &lt;script&gt;") == "om a < b > c så <script>"


def test_only_the_bots_own_mention_is_removed_from_a_channel_message() -> None:
    activity = fixture("teams_message_channel_mention_full.json")
    assert mentions_bot(activity)
    assert message_text(activity) == "Hello Jingjing Xia"


def test_message_mentioning_someone_else_is_not_for_the_bot() -> None:
    assert not mentions_bot(fixture("teams_message_mention_simple.json"))


def test_confirmation_card_is_adaptive_card_1_5_with_the_core_buttons_and_literal_user_text() -> None:
    reply = Reply(ReplyKind.CAPTURED, "Din idé ”[klicka](https://evil.example) *nu*” har fått nummer #3.",
                  title="Tack! Idé #3 är registrerad", fields=[Field("Status", "Inkommen")],
                  ideas=[IdeaLine(2, "Cykelställ", "new", "Inkommen", votes=4)], ideas_heading="Liknande idéer:",
                  buttons=[Button("Lägg till detaljer", ActionId.ADD_DETAILS, "3"),
                           Button("Ångra", ActionId.UNDO, "3", style="danger"), Button("Visa", ActionId.SHOW, "3")])

    card = reply_card(reply)

    assert card["type"] == "AdaptiveCard" and card["version"] == CARD_VERSION == "1.5"
    texts = [b.get("text") for b in card["body"]]
    assert r"Din idé ”\[klicka\](https://evil.example) \*nu\*” har fått nummer #3." in texts
    assert "Liknande idéer:" in texts and "#2 Cykelställ [Inkommen] · 4 röster" in [
        t.replace("\\", "") for t in texts if t]
    actions = card["actions"]
    assert [(a["title"], a["type"], a["data"]["action_id"], a["data"]["value"]) for a in actions] == [
        ("Lägg till detaljer", "Action.Submit", "idea.details", "3"), ("Ångra", "Action.Execute", "idea.undo", "3"),
        ("Visa", "Action.Execute", "idea.show", "3")]
    assert actions[0]["data"]["msteams"] == {"type": "task/fetch"}  # the form opens in a private dialog
    assert actions[1]["style"] == "destructive"
    activity = reply_activity(reply)
    assert activity["summary"] == "Tack! Idé #3 är registrerad"
    assert len(json.dumps(activity).encode()) < 80_000


def test_long_lists_stay_far_below_the_teams_message_size_limit() -> None:
    lines = [IdeaLine(n, "Ett ganska långt idénamn " * 5, "new", "Inkommen", author="Anna") for n in range(500)]
    activity = reply_activity(Reply(ReplyKind.LIST, "500 idéer", title="Sökresultat", ideas=lines, locale="sv"))
    assert len(json.dumps(activity, ensure_ascii=False).encode()) < 40_000


def test_form_card_shows_values_and_validation_messages_under_their_fields() -> None:
    form = Form("Ny idé", "Skicka", [FormField("title", "Rubrik", required=True, max_length=120),
                                     FormField("text", "Beskrivning", kind="multiline", required=True, value="x"),
                                     FormField("anonymous", "Skicka in anonymt", kind="checkbox", value="true")])

    card = form_card(form, {"title": "Fyll i det här fältet."}, "Fyll i det här fältet.", "sv")

    inputs = {b["id"]: b for b in card["body"] if b["type"].startswith("Input.")}
    assert inputs["title"]["isRequired"] and inputs["title"]["maxLength"] == 120
    assert inputs["text"]["isMultiline"] and inputs["text"]["value"] == "x"
    assert inputs["anonymous"]["type"] == "Input.Toggle" and inputs["anonymous"]["value"] == "true"
    position = [b.get("id") or b.get("text") for b in card["body"]]
    assert position.index("Fyll i det här fältet.", 2) == position.index("title") + 1
    assert card["actions"][0]["type"] == "Action.Execute"
