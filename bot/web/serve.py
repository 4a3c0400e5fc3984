"""`idesluss serve`: configure logging, build the runtime, run the web app under uvicorn.

Socket Mode is chosen by `--socket-mode` or by SLACK_APP_TOKEN being set; the HTTP port still serves
/healthz and /metrics (and Teams), so probes and Prometheus work the same in both modes.
"""

from __future__ import annotations

import logging
import time

import uvicorn

from bot.app import build_runtime
from bot.config import Settings
from bot.core.clock import Clock
from bot.web.app import create_app
from bot.web.logs import configure_logging_for

log = logging.getLogger("idesluss.serve")


def run(host: str, port: int, no_scheduler: bool, socket_mode: bool, settings: Settings, clock: Clock, *,
        teams_local: bool = False) -> None:
    started = time.perf_counter()
    configure_logging_for(settings)
    socket_mode = socket_mode or bool(settings.slack_app_token)
    if socket_mode and not (settings.slack_app_token and settings.slack_bot_token):
        raise SystemExit("Socket Mode needs SLACK_APP_TOKEN (xapp-…, connections:write) and SLACK_BOT_TOKEN.")
    runtime = build_runtime(settings, clock, serve=True, socket_mode=socket_mode, teams_local=teams_local)
    app = create_app(runtime, run_scheduler=not no_scheduler)
    modes = ", ".join(f"{name}: {p.mode}" for name, p in runtime.platforms.items())
    log.info("serving on %s:%d (%s; scheduler: %s; app built in %.2f s)", host, port, modes,
             "off" if no_scheduler else "on", time.perf_counter() - started)
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False, proxy_headers=True,
                server_header=False, lifespan="on")
