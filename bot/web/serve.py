"""`idesluss serve`: upgrade the database, configure logging, run the app under uvicorn.

Socket Mode is chosen by `--socket-mode` or by SLACK_APP_TOKEN being set; the HTTP port still serves
/healthz and /metrics (and Teams), so probes and Prometheus work the same in both modes.
"""

from __future__ import annotations

import logging
import time

import uvicorn

from bot.config import Settings
from bot.web.app import create_app
from bot.web.logs import configure_logging_for
from storage.db import Database

log = logging.getLogger("idesluss.serve")


def run(host: str, port: int, no_scheduler: bool, socket_mode: bool, settings: Settings) -> None:
    started = time.perf_counter()
    configure_logging_for(settings)
    socket_mode = socket_mode or bool(settings.slack_app_token)
    if socket_mode and not (settings.slack_app_token and settings.slack_bot_token):
        raise SystemExit("Socket Mode needs SLACK_APP_TOKEN (xapp-…, connections:write) and SLACK_BOT_TOKEN.")
    db = Database(settings.database_url)
    db.upgrade()
    app = create_app(settings, db, socket_mode=socket_mode, run_scheduler=not no_scheduler)
    slack = "socket mode" if socket_mode else "http" if app.state.slack_app else "off"
    log.info("serving on %s:%d (slack: %s, scheduler: %s, app built in %.2f s)", host, port, slack,
             "off" if no_scheduler else "on", time.perf_counter() - started)
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False, proxy_headers=True,
                server_header=False, lifespan="on")
