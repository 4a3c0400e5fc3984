"""How fast does Teams get its HTTP 200, and how soon after does the reply card reach the connector?

Runs the real web app (`bot.app.build_runtime`, mounted by `bot.web.app.create_app`) under uvicorn on
127.0.0.1 with a fresh SQLite file,
against the HTTPS stand-ins the tests use (OpenID keys, msal tenant, Bot Connector; a CA made for the
run). Every request is a signed personal-chat `idé …` that stores a new idea; at the end the script
checks every idea was kept once and every reply arrived.

    /work/venv/bin/python bench/teams_latency.py [--messages 200]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=200)
    args = parser.parse_args()

    from tests.teams.conftest import personal_message
    from tests.teams.standins import APP_ID, APP_PASSWORD, TENANT, ServerThread, StandIn, make_pki, mint, new_key

    work = Path(tempfile.mkdtemp(prefix="teams-bench-"))
    pki = make_pki(work)
    os.environ["SSL_CERT_FILE"] = os.environ["REQUESTS_CA_BUNDLE"] = str(pki.ca_file)
    key = new_key("bench-key", ["msteams"])
    stand_in = StandIn(keys=[key])
    stand_in_server = ServerThread(stand_in.app(), pki=pki).start()
    stand_in.url = stand_in_server.url

    from bot.app import build_runtime
    from bot.config import Settings
    from bot.web.app import create_app
    from storage.db import Database
    from storage.ideas import export_ideas

    settings = Settings(database_url=f"sqlite:///{work / 'bench.db'}", organisation="bench", teams_app_id=APP_ID,
                        teams_app_password=APP_PASSWORD, teams_tenant_id=TENANT, teams_authority=stand_in.authority,
                        teams_openid_metadata_url=stand_in.metadata_url)
    db = Database(settings.database_url)
    db.upgrade()
    bot_server = ServerThread(create_app(build_runtime(settings, serve=True, db=db))).start()

    answered: list[float] = []
    replied: list[float] = []
    with httpx.Client(timeout=15) as client:
        for n in range(args.messages):
            activity = personal_message(stand_in.service_url, f"idé Benchmarkidé nummer {n}", user=f"bench-{n % 20}")
            token = mint(key, service_url=activity["serviceUrl"])
            before = len(stand_in.activities())
            started = time.perf_counter()
            response = client.post(f"{bot_server.url}/api/messages", content=json.dumps(activity),
                                   headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            answered.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text
            stand_in.wait_for(before + 1, timeout=10)
            replied.append(time.perf_counter() - started)

    with db.session() as session:
        kept = len(export_ideas(session))
    bot_server.stop()
    stand_in_server.stop()

    def ms(values: list[float], q: float) -> str:
        return f"{statistics.quantiles(values, n=100)[int(q) - 1] * 1000:.1f}"

    print(f"messages: {args.messages}, ideas kept: {kept}, replies: {len(stand_in.activities())}")
    print(f"HTTP 200 to Teams  p50 {ms(answered, 50)} ms  p95 {ms(answered, 95)} ms  max {max(answered) * 1e3:.1f} ms")
    print(f"reply at connector p50 {ms(replied, 50)} ms  p95 {ms(replied, 95)} ms  max {max(replied) * 1e3:.1f} ms")
    assert kept == args.messages and len(stand_in.activities()) == args.messages


if __name__ == "__main__":
    main()
