"""`/idé` as Slack sends it: NFC, NFD and `/idea`, acked at once, answered ephemerally after."""

from __future__ import annotations

import json

import pytest

from tests.slack.conftest import NFC_COMMAND, NFD_COMMAND, SlackClient, ideas


@pytest.mark.parametrize("command", [NFC_COMMAND, NFD_COMMAND, "/idea"], ids=["nfc", "nfd", "ascii"])
def test_idea_from_slash_command_is_kept_once_and_the_author_is_told(slack: SlackClient, db, command):
    response = slack.command("Cykelparkering vid stadshuset", command=command)

    assert response.status_code == 200
    assert response.text == ""  # a bare ack: the answer comes by response_url
    (answer,) = slack.standin.wait_for("response_url")
    assert answer.args["response_type"] == "ephemeral"
    shown = json.dumps(answer.args["blocks"], ensure_ascii=False)
    assert "#1" in shown and "Inkommen" in shown
    labels = [e["text"]["text"] for b in answer.args["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert {"Lägg till detaljer", "Ångra", "Visa"} <= set(labels)
    (idea,) = ideas(db)
    assert (idea.text, idea.source, idea.author) == ("Cykelparkering vid stadshuset", "slack", "slack:U2147483697")


def test_nfc_and_nfd_commands_each_keep_exactly_one_idea(slack: SlackClient, db):
    slack.command("Fler papperskorgar i parken", command=NFC_COMMAND)
    slack.standin.wait_for("response_url", 1)
    slack.command("Längre öppettider på biblioteket", command=NFD_COMMAND)
    slack.standin.wait_for("response_url", 2)

    assert sorted(i.text for i in ideas(db)) == ["Fler papperskorgar i parken", "Längre öppettider på biblioteket"]


def test_bare_command_opens_the_idea_modal(slack: SlackClient, db):
    response = slack.command("")

    assert response.status_code == 200
    (opened,) = slack.standin.wait_for("views.open")
    view = opened.args["view"]
    assert view["type"] == "modal" and view["callback_id"] == "idea_form"
    assert {b["block_id"] for b in view["blocks"]} >= {"title", "text", "problem", "benefit", "unit", "anonymous"}
    assert opened.args["trigger_id"].startswith("13345224609.")
    assert ideas(db) == []


def test_a_command_from_a_workspace_connected_to_no_organisation_is_answered_and_nothing_is_kept(slack: SlackClient,
                                                                                                 db):
    from sqlmodel import select

    from storage import orgs
    from storage.models import OutboxMessage, Person
    from storage.people import get_or_create_org
    from tests.conftest import START

    with db.session() as session:  # another workspace is connected: the fallback to one organisation is over
        orgs.connect(session, get_or_create_org(session, "tranas", "Tranås kommun", now=START), orgs.SLACK_TEAM,
                     "T0TRANAS1", now=START)

    response = slack.command("Cykelparkering vid stadshuset")  # from T061EG9R6, connected to nothing

    assert response.status_code == 200
    (answer,) = slack.standin.wait_for("response_url")
    assert "inte ansluten till någon idésluss" in answer.args["text"]
    assert ideas(db) == []
    with db.session() as session:
        assert session.exec(select(Person)).all() == []
        assert session.exec(select(OutboxMessage)).all() == []
