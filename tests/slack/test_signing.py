"""Only Slack gets in: forged, unsigned and replayed requests get 401 and store nothing."""

from __future__ import annotations

import json
import time

import httpx

from bot.slack.http import make_verifier
from tests.slack.conftest import DATA, SECRET, SlackClient, ideas, sign

WORKED_EXAMPLE_TS = 1531420618
WORKED_EXAMPLE_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


def test_slacks_worked_signing_example_is_valid_at_its_time_and_stale_now():
    body = (DATA / "signing_example.txt").read_bytes().strip()
    signed = (body, str(WORKED_EXAMPLE_TS), WORKED_EXAMPLE_SIGNATURE)

    assert sign(body, WORKED_EXAMPLE_TS) == WORKED_EXAMPLE_SIGNATURE
    assert make_verifier(SECRET, clock=lambda: WORKED_EXAMPLE_TS + 299).is_valid(*signed)
    assert not make_verifier(SECRET, clock=lambda: WORKED_EXAMPLE_TS + 301).is_valid(*signed)
    assert not make_verifier(SECRET).is_valid(*signed)
    assert not make_verifier("another secret", clock=lambda: WORKED_EXAMPLE_TS).is_valid(*signed)


def test_forged_signature_is_refused_and_nothing_is_stored(slack: SlackClient, db):
    response = slack.command("Förfalskad idé", secret="not-the-signing-secret")

    assert response.status_code == 401
    assert ideas(db) == []
    assert slack.standin.calls == []


def test_stale_request_is_refused_even_when_correctly_signed(slack: SlackClient, db):
    response = slack.command("Gammal idé", timestamp=int(time.time()) - 301)

    assert response.status_code == 401
    assert ideas(db) == []


def test_request_from_the_future_is_refused(slack: SlackClient, db):
    assert slack.command("Framtida idé", timestamp=int(time.time()) + 600).status_code == 401
    assert ideas(db) == []


def test_unsigned_request_is_refused(slack: SlackClient, served, db):
    body = slack.command_body("Osignerad idé")
    response = httpx.post(f"{served.url}/slack/events", content=body,
                          headers={"Content-Type": "application/x-www-form-urlencoded"})

    assert response.status_code == 401
    assert ideas(db) == []


def test_body_changed_after_signing_is_refused(slack: SlackClient, db):
    body = slack.command_body("Ursprunglig idé")
    ts = int(time.time())
    tampered = body.replace(b"Ursprunglig", b"Annan")
    response = slack.post(tampered, "application/x-www-form-urlencoded", timestamp=ts, signature=sign(body, ts))

    assert response.status_code == 401
    assert ideas(db) == []


def test_signed_but_malformed_bodies_get_400(slack: SlackClient, db):
    assert slack.post(b'{"type": "event_callback", ', "application/json").status_code == 400
    assert slack.post(b"[1, 2, 3]", "application/json").status_code == 400
    assert slack.post(b"payload=%7Bnot-json", "application/x-www-form-urlencoded").status_code == 400
    assert slack.post(b"", "application/x-www-form-urlencoded").status_code == 400
    assert slack.post(b"\xff\xfe", "application/x-www-form-urlencoded").status_code == 400
    assert ideas(db) == []


def test_url_verification_challenge_is_echoed(slack: SlackClient):
    body = (DATA / "url_verification.json").read_bytes()
    response = slack.post(body, "application/json")

    assert response.status_code == 200
    assert json.loads(body)["challenge"] in response.text


def test_slacks_rate_limit_notice_is_acknowledged_and_counted(slack: SlackClient, served):
    body = (DATA / "event_app_rate_limited.json").read_bytes()

    assert slack.post(body, "application/json").status_code == 200
    assert 'idesluss_errors_total{where="slack_events_rate_limited"} 1.0' in httpx.get(f"{served.url}/metrics").text
