"""The web process around Slack: health for probes, metrics for Prometheus, logs without secrets."""

from __future__ import annotations

import io
import json
import logging

import httpx

from bot.config import Settings
from bot.web.app import create_app
from bot.web.logs import configure_logging, request_id
from storage.db import Database
from tests.conftest import serving
from tests.slack.conftest import BOT_TOKEN, SECRET, AppServer, SlackClient


def test_health_answers_with_nothing_but_a_database_configured(database_url, db, clock):
    with AppServer(create_app(serving(Settings(database_url=database_url), clock, db))) as server:
        health = httpx.get(f"{server.url}/healthz")
        slack = httpx.post(f"{server.url}/slack/events", content=b"{}")

    assert health.status_code == 200
    assert health.json() == {"status": "ok", "database": "ok", "slack": "off"}
    assert slack.status_code == 404  # no Slack credentials, no Slack route


def test_health_is_503_when_the_database_does_not_answer(tmp_path, clock):
    url = f"sqlite:///{tmp_path}/missing/dir/idesluss.db"
    with AppServer(create_app(serving(Settings(database_url=url), clock, Database(url)))) as server:
        health = httpx.get(f"{server.url}/healthz")

    assert health.status_code == 503
    assert health.json()["database"] == "unavailable"


def test_metrics_count_requests_by_route_and_ideas_by_source(slack: SlackClient, served):
    slack.command("Mätbar idé")
    slack.standin.wait_for("response_url")
    httpx.get(f"{served.url}/healthz")
    httpx.get(f"{served.url}/no/such/page/12345")

    text = httpx.get(f"{served.url}/metrics").text

    assert 'idesluss_ideas_captured_total{source="slack"} 1.0' in text
    assert 'idesluss_http_requests_total{method="POST",route="/slack/events",status="200"} 1.0' in text
    assert 'idesluss_http_request_duration_seconds_count{route="/slack/events"} 1.0' in text
    assert 'route="other"' in text and "12345" not in text


def test_metrics_show_the_programmes_key_figures_per_organisation(slack: SlackClient, served, clock):
    slack.command("Idé som ingen svarar på")
    slack.standin.wait_for("response_url")
    clock.advance(17 * 86400)  # past the promise (ten working days)

    text = httpx.get(f"{served.url}/metrics").text

    assert 'idesluss_ideas_received{organisation="testkommun"} 1.0' in text
    assert 'idesluss_ideas_overdue{organisation="testkommun"} 1.0' in text
    assert 'idesluss_first_feedback_in_time_ratio{organisation="testkommun"} 0.0' in text
    assert "idesluss_first_feedback_median_working_days" in text  # declared, no value until an idea is answered


def test_every_response_carries_a_request_id(served):
    response = httpx.get(f"{served.url}/healthz", headers={"X-Request-Id": "probe-000042"})

    assert response.headers["x-request-id"] == "probe-000042"
    assert len(httpx.get(f"{served.url}/healthz").headers["x-request-id"]) == 16


def test_logs_are_json_lines_with_the_request_id_and_never_a_secret(monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("INFO", secrets=[SECRET], json_lines=True)
        token = request_id.set("req-123")
        logging.getLogger("idesluss.test").info("token %s secret %s other xapp-1-A0-123-abc", BOT_TOKEN, SECRET)
        request_id.reset(token)
    finally:
        root.handlers, root.level = saved[0], saved[1]

    (line,) = [json.loads(x) for x in stream.getvalue().splitlines() if "idesluss.test" in x]
    assert line["request_id"] == "req-123" and line["level"] == "info"
    assert BOT_TOKEN not in line["message"] and SECRET not in line["message"] and "xapp-1" not in line["message"]
    assert line["message"].count("***") == 3


def test_the_scheduler_starts_and_stops_with_the_web_app_unless_told_not_to(runtime):
    app = create_app(runtime, run_scheduler=True)
    with AppServer(app) as server:
        assert httpx.get(f"{server.url}/healthz").status_code == 200
        assert set(runtime.senders) == {"shell", "slack"}
    # leaving the block ran the lifespan's shutdown: the scheduler's lease is released, nothing hangs
