"""What a chat platform contributes to a running bot: its web routes, its outbox sender, its start/stop hooks.

Each adapter builds one `Platform` (bot/slack/platform.py, bot/teams/platform.py, bot/shell.py) from the
pieces the composition root (bot/app.py) hands it; nothing else wires a platform.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.core.delivery import Sender

Hook = Callable[[], Awaitable[None]]


@dataclass(slots=True)
class Platform:
    name: str  # slack | teams | shell
    sender: Sender | None = None  # delivers the outbox rows addressed on this platform
    routes: list[Any] = field(default_factory=list)  # Starlette routes the web app mounts
    startup: list[Hook] = field(default_factory=list)  # run when the web app starts (Socket Mode connects here)
    shutdown: list[Hook] = field(default_factory=list)
    mode: str = "on"  # what /healthz says about it: http, socket, local, on
    state: dict[str, Any] = field(default_factory=dict)  # the adapter's own objects, for tests and benchmarks
