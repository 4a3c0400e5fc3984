"""Issue 11's "done when", as a newcomer does it: the `idesluss` commands (in-process, the real Typer app) connect
two Slack workspaces to two municipalities; both install the app through OAuth; each captures /idé and
`ideas export --org` shows two idea #1s; a shared challenge collects ideas from both; one municipality adopts the
other's implemented idea. Everything over the wire: signed requests, the Slack stand-in, the outbox dispatcher."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.app import Runtime
from bot.cli import app as cli_app
from bot.config import Settings, get_settings
from bot.core.clock import ManualClock
from bot.web.app import create_app
from storage.db import Database
from storage.secrets import generate_key
from tests.conftest import serving
from tests.slack.conftest import SECRET, AppServer, SlackClient, fixture_json
from tests.slack.standin import CLIENT_ID, CLIENT_SECRET, SlackStandIn
from tests.slack.test_workspaces import install
from tests.teams.conftest import pki  # noqa: F401 - the app is served over HTTPS, as in production
from tests.teams.standins import Pki

KEY = generate_key()
TRANAS, ANEBY = "T0TRANAS1", "T0ANEBY01"
TEAM_OF = {"UANNA": TRANAS, "UCECILIA": TRANAS, "UMARIA": TRANAS, "UBO": ANEBY, "UBEA": ANEBY}


@pytest.fixture
def env(database_url: str, standin: SlackStandIn) -> dict[str, str]:
    return {"IDESLUSS_DATABASE_URL": database_url, "IDESLUSS_ORGANISATION": "testkommun",
            "IDESLUSS_SECRET_KEY": KEY, "SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": CLIENT_SECRET,
            "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": standin.api_url, "SLACK_BOT_TOKEN": "",
            "TEAMS_APP_ID": ""}


@pytest.fixture
def idesluss(env: dict[str, str]):  # type: ignore[no-untyped-def]
    """`idesluss …` as the operator types it; exits 0 or the test fails with what it printed."""
    runner = CliRunner()

    def run(*args: str) -> str:
        get_settings.cache_clear()
        result = runner.invoke(cli_app, list(args), env=env)
        get_settings.cache_clear()
        assert result.exit_code == 0, f"idesluss {' '.join(args)}: {result.output}"
        return result.output

    return run


@pytest.fixture
def runtime(env: dict[str, str], db: Database, clock: ManualClock, database_url: str, standin: SlackStandIn
            ) -> Runtime:
    settings = Settings(database_url=database_url, organisation="testkommun", secret_key=KEY,
                        slack_client_id=CLIENT_ID, slack_client_secret=CLIENT_SECRET, slack_signing_secret=SECRET,
                        slack_api_url=standin.api_url)
    return serving(settings, clock, db)


@pytest.fixture
def served(runtime: Runtime, standin: SlackStandIn, pki: Pki) -> Iterator[AppServer]:  # noqa: F811
    with AppServer(create_app(runtime), pki) as server:
        standin.redirect_url = f"{server.url}/slack/oauth_redirect"
        yield server


@pytest.fixture
def slack(served: AppServer, standin: SlackStandIn) -> Iterator[SlackClient]:
    client = SlackClient(served.url, standin, Settings())
    yield client
    client.http.close()


def say(slack: SlackClient, user: str, text: str) -> dict[str, Any]:
    """`/idé <text>` from `user` in their workspace; the ephemeral answer."""
    before = len(slack.standin.calls_to("response_url"))
    assert slack.command(text, user=user, team=TEAM_OF[user]).status_code == 200
    return slack.standin.wait_for("response_url", before + 1)[-1].args


def press(slack: SlackClient, user: str, button: dict[str, Any]) -> None:
    payload = fixture_json("block_actions.json")
    payload["user"] = {"id": user, "username": user.lower(), "team_id": TEAM_OF[user]}
    payload["team"] = {"id": TEAM_OF[user], "domain": "kommun"}
    payload["container"] = {"type": "message", "message_ts": "1700000000.000900", "channel_id": "D0DM"}
    payload["response_url"] = slack.standin.response_url(f"press-{user}-{button['value']}")
    payload["actions"] = [{**payload["actions"][0], "action_id": button["action_id"], "value": button["value"],
                           "block_id": "b1"}]
    assert slack.interaction(payload).status_code == 200


def buttons_in(post: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = post["blocks"] if isinstance(post["blocks"], list) else json.loads(post["blocks"])
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


def exported(idesluss, org: str) -> list[tuple[int, str, str]]:  # type: ignore[no-untyped-def]
    return [(i["number"], i["title"], i["stage"]) for i in json.loads(idesluss("ideas", "export", "--org", org))]


def test_two_municipalities_share_one_sluice(idesluss, slack: SlackClient, served: AppServer,  # type: ignore[no-untyped-def]
                                             standin: SlackStandIn, runtime: Runtime):
    # The operator: two organisations, their workspaces, a partnership, coaches and a manager.
    idesluss("orgs", "add", "tranas", "--name", "Tranås kommun")
    idesluss("orgs", "add", "aneby", "--name", "Aneby kommun")
    idesluss("orgs", "connect", "tranas", "--slack-team", TRANAS)
    idesluss("orgs", "connect", "aneby", "--slack-team", ANEBY)
    assert "tranas and aneby are partners." in idesluss("orgs", "partner", "tranas", "aneby")
    idesluss("roles", "grant", "slack:UCECILIA", "coach", "--org", "tranas")
    idesluss("roles", "grant", "slack:UMARIA", "manager", "--org", "tranas")
    idesluss("roles", "grant", "slack:UBEA", "coach", "--org", "aneby")
    listed = json.loads(idesluss("orgs", "list", "--format", "json"))
    assert [(o["key"], o["partners"]) for o in listed] == [("tranas", ["aneby"]), ("aneby", ["tranas"])]

    # Each workspace installs the app; each captures an idea, numbered from 1.
    for team, name in ((TRANAS, "Tranås kommun"), (ANEBY, "Aneby kommun")):
        standin.add_workspace(team, name)
        assert install(served, team).status_code == 200
    say(slack, "UANNA", "Digitala lönebesked i stället för papper")
    say(slack, "UBO", "Fler bänkar vid badplatsen")
    assert exported(idesluss, "tranas") == [(1, "Digitala lönebesked i stället för papper", "new")]
    assert exported(idesluss, "aneby") == [(1, "Fler bänkar vid badplatsen", "new")]

    # A shared challenge: announced in both workspaces (each with its own token), answered from both.
    posed = idesluss("challenges", "create", "--org", "tranas", "--title", "Hur når vi fler sommarvikarier?",
                     "--ends", "2099-12-31", "--partners", "--owner", "slack:UMARIA")
    assert "Challenge #1" in posed
    to_bo = next(c for c in standin.calls_to("chat.postMessage") if c.args["channel"] == "UBO")
    assert to_bo.headers["Authorization"] == f"Bearer {standin.token_of(ANEBY)}"
    (answer_button,) = [b for b in buttons_in(to_bo.args) if b["value"] == "challenge:1"]
    press(slack, "UBO", answer_button)  # "Jag har en idé" opens the idea form, the challenge chosen
    view = standin.wait_for("views.open")[-1].args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    (select_block,) = [b for b in view["blocks"] if b["block_id"] == "challenge"]
    submission = fixture_json("view_submission.json")
    submission["user"] = {"id": "UBO", "username": "bo", "team_id": ANEBY}
    submission["team"] = {"id": ANEBY, "domain": "aneby"}
    submission["view"] = {**submission["view"], **view, "id": "VCHALLENGE", "state": {"values": {
        "title": {"value": {"type": "plain_text_input", "value": "Sommarjobb med boende"}},
        "text": {"value": {"type": "plain_text_input", "value": "Erbjud boende till sommarvikarier"}},
        "challenge": {"value": {"type": "static_select",
                                "selected_option": select_block["element"]["initial_option"]}}}}}
    submission["view"].pop("response_urls", None)
    answered = len(standin.calls_to("response_url"))
    assert slack.interaction(submission).status_code == 200
    (captured,) = standin.wait_for("response_url", answered + 1)[answered:]  # Bo's idea is stored, and told
    assert "#2" in json.dumps(captured.args, ensure_ascii=False)
    say(slack, "UANNA", "utmaning 1 Rekrytera bland gymnasieelever")
    (challenge,) = json.loads(idesluss("challenges", "list", "--format", "json"))
    assert challenge["organisations"] == {"tranas": 1, "aneby": 1}
    assert {(a["label"], a["title"]) for a in challenge["answers"]} == {
        ("Tranås", "Rekrytera bland gymnasieelever"), ("Aneby", "Sommarjobb med boende")}

    # Tranås's coach implements idea #1 and offers it; Aneby's coach answers "Vi vill testa".
    say(slack, "UCECILIA", "status 1 införd")
    say(slack, "UCECILIA", "sprid 1 partner")
    runtime.dispatch_now(max_wait=0)
    (offer,) = [c for c in standin.calls_to("chat.postMessage") if c.args["channel"] == "UBEA"
                and "Att testa" in c.args["text"]]
    assert offer.headers["Authorization"] == f"Bearer {standin.token_of(ANEBY)}"
    (adopt,) = [b for b in buttons_in(offer.args) if b["text"]["text"] == "Vi vill testa"]
    answered = len(standin.calls_to("response_url"))
    press(slack, "UBEA", adopt)
    (thanks,) = standin.wait_for("response_url", answered + 1)[answered:]
    assert "spridd från Tranås #1" in thanks.args["text"]

    aneby = exported(idesluss, "aneby")
    assert (3, "Digitala lönebesked i stället för papper", "pilot") in aneby
    assert exported(idesluss, "tranas")[0] == (1, "Digitala lönebesked i stället för papper", "spread")
