"""No user text can make the bot ping a channel or a person, in any rendering it produces; long text
is cut to Block Kit's limits where a person can see it was cut."""

from __future__ import annotations

import asyncio

from bot.core.replies import Button, Field, Form, FormField, IdeaLine, Reply, ReplyKind
from bot.slack import blocks
from bot.slack.client import make_web_client
from bot.slack.payloads import message_text
from bot.slack.sender import SlackSender
from scheduler.dispatcher import Dispatcher
from storage.people import get_or_create_org, get_or_create_person, grant_role
from tests.conftest import START
from tests.slack.conftest import SlackClient, ideas
from tests.slack.test_events import dm
from tests.slack.test_interactivity import press

PINGS = ("<!channel>", "<!here>", "<@U0LAN0Z89>", "<!everyone>")
# What Slack sends when someone types `<!channel> Gratis glass <@U0LAN0Z89> & <!here>` literally.
TYPED = "idé &lt;!channel&gt; Gratis glass &lt;@U0LAN0Z89&gt; &amp; &lt;!here&gt;"
STORED = "<!channel> Gratis glass <@U0LAN0Z89> & <!here>"


def mrkdwn_texts(node: object) -> list[str]:
    """Every string Slack would parse as mrkdwn: mrkdwn text objects and a message's top-level `text`.
    `plain_text` objects (headers, button labels, modal labels) are shown literally and never ping."""
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "plain_text":
            return found
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                found.append(value)
            else:
                found += mrkdwn_texts(value)
    elif isinstance(node, list):
        for item in node:
            found += mrkdwn_texts(item)
    return found


def assert_never_pings(rendering: dict) -> None:
    texts = mrkdwn_texts(rendering)
    for ping in PINGS:
        assert not any(ping in text for text in texts), ping
    assert any("&lt;!channel&gt;" in text for text in texts)


def test_channel_ping_in_an_idea_is_escaped_in_every_rendering(slack: SlackClient, db, clock):
    with db.session() as session:
        org = get_or_create_org(session, "testkommun", now=START)
        grant_role(session, get_or_create_person(session, org, "slack", "UCOACH001", now=START), "coach", now=START)
    slack.event(dm(TYPED), fixture="event_message_im.json")
    (confirmation,) = slack.standin.wait_for("chat.postMessage")
    assert [i.text for i in ideas(db)] == [STORED]  # stored as the person wrote it, unescaped

    slack.command("lista")
    slack.command("visa 1")
    slack.command("sök glass")
    listing, shown, found = slack.standin.wait_for("response_url", 3)
    slack.event({"type": "app_home_opened", "user": "U2147483697", "tab": "home", "event_ts": "1.2"})
    (home,) = slack.standin.wait_for("views.publish")
    slack.event({"type": "app_home_opened", "user": "UCOACH001", "tab": "home", "event_ts": "1.3"})
    coach_home = slack.standin.wait_for("views.publish", 2)[1]
    press(slack, "idea.stage#9", "1:in_review", user="UCOACH001")
    slack.standin.wait_for("response_url", 4)
    asyncio.run(Dispatcher(db, {"slack": SlackSender(make_web_client(slack.standin_settings))}, clock=clock).run_once())
    notification = slack.standin.wait_for("chat.postMessage", 2)[1]

    for rendering in (confirmation, listing, shown, found, home, coach_home, notification):
        assert_never_pings(rendering.args)
    assert notification.args["channel"] == "U2147483697"
    assert "&lt;!channel&gt;" in notification.args["text"]  # the top-level text too


def test_slack_markup_in_messages_becomes_plain_text():
    assert message_text("Se <https://kommun.se/a?b=1&amp;c=2|sidan> &amp; <#C1|allmänt>") == \
        "Se sidan (https://kommun.se/a?b=1&c=2) & #allmänt"
    assert message_text("<!channel> hej <@U1> <!subteam^S1|@chefer>") == "@channel hej @U1 @chefer"
    assert message_text("<mailto:a@b.se|a@b.se> 3 &lt; 4") == "a@b.se 3 < 4"


def test_every_mrkdwn_text_is_escaped_and_plain_text_is_left_alone():
    reply = Reply(ReplyKind.IDEA, "<!here> & <@U1>", title="<!channel>", fields=[Field("<b>", "<!everyone>")],
                  ideas=[IdeaLine(1, "<!channel>", "new", "Inkommen", author="<@U2>")],
                  buttons=[Button("<!here>", "idea.vote", "1")], errors={"title": "<!here>"})
    rendered = blocks.message(reply)

    assert_never_pings(rendered)
    assert_never_pings(blocks.info_modal(reply))
    assert_never_pings(blocks.home_view([reply]))
    header = rendered["blocks"][0]
    assert header == {"type": "header", "text": {"type": "plain_text", "text": "<!channel>", "emoji": True}}


def test_long_text_is_cut_visibly_within_block_kit_limits():
    long = "å&" * 4000
    reply = Reply(ReplyKind.IDEA, long, title="T" * 500, fields=[Field("F", long)])
    rendered = blocks.message(reply)

    header, section, fields = rendered["blocks"][:3]
    assert len(header["text"]["text"]) == 150 and header["text"]["text"].endswith("…")
    assert len(section["text"]["text"]) <= 3000 and section["text"]["text"].endswith("…")
    assert not section["text"]["text"].rstrip("…").endswith(("&", "&a", "&am", "&amp"))
    assert all(len(f["text"]) <= 2000 for f in fields["fields"])
    assert len(rendered["text"]) <= 4000 and rendered["text"].endswith("…")


def test_long_lists_stay_within_fifty_blocks_and_say_there_is_more():
    lines = [IdeaLine(n, "Idé " + "x" * 2900, "new", "Inkommen") for n in range(1, 300)]
    buttons = [Button(f"Knapp {n}", "idea.show", str(n)) for n in range(60)]
    rendered = blocks.message(Reply(ReplyKind.LIST, "Mina idéer", ideas=lines, buttons=buttons))

    assert len(rendered["blocks"]) == 50
    assert rendered["blocks"][-1] == {"type": "context", "elements": [{"type": "mrkdwn", "text": "…"}]}
    home = blocks.home_view([Reply(ReplyKind.LIST, "Mina idéer", ideas=lines)] * 3)
    assert len(home["blocks"]) == 100


def test_button_action_ids_are_unique_within_a_block_and_map_back_to_the_core():
    reply = Reply(ReplyKind.IDEA, "", buttons=[Button(s, "idea.stage", f"1:{s}") for s in ("new", "pilot")])
    elements = blocks.message(reply)["blocks"][0]["elements"]

    assert [e["action_id"] for e in elements] == ["idea.stage#0", "idea.stage#1"]
    assert {blocks.base_action_id(e["action_id"]) for e in elements} == {"idea.stage"}


def test_modal_labels_fit_slacks_limits():
    fields = [FormField("title", "Rubrik " * 400, required=True, max_length=120),
              FormField("anonymous", "Anonym", kind="checkbox")]
    view = blocks.modal_view(Form("En mycket lång titel på formuläret", "Skicka in idén nu", fields), {"n": None})

    assert len(view["title"]["text"]) <= 24 and view["title"]["text"].endswith("…")
    assert len(view["submit"]["text"]) <= 24
    assert len(view["blocks"][0]["label"]["text"]) <= 2000
    assert view["blocks"][1]["optional"] is True
