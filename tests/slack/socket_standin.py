"""A stand-in for Slack's Socket Mode endpoint: an aiohttp websocket server on 127.0.0.1, port 0.

`apps.connections.open` on the Web API stand-in hands out its URL; the test pushes envelopes the way
Slack does (`hello` first, then `{"envelope_id", "type", "payload"}`) and reads back the app's acks.
"""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

from aiohttp import web


class SocketModeStandIn:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.acks: list[dict[str, Any]] = []
        self.sockets: list[web.WebSocketResponse] = []
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self.url = ""

    def __enter__(self) -> SocketModeStandIn:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_get("/link", self._connection)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"ws://127.0.0.1:{port}/link"

    async def _stop(self) -> None:
        for ws in self.sockets:
            await ws.close()
        if self._runner:
            await self._runner.cleanup()

    async def _connection(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1, "debug_info": {"host": "standin"},
                            "connection_info": {"app_id": "A0STANDIN"}})
        async for message in ws:
            if message.type == web.WSMsgType.TEXT:
                self.acks.append(json.loads(message.data))
        return ws

    def push(self, envelope_type: str, payload: dict[str, Any], envelope_id: str) -> None:
        envelope = {"envelope_id": envelope_id, "type": envelope_type, "payload": payload,
                    "accepts_response_payload": envelope_type != "events_api", "retry_attempt": 0,
                    "retry_reason": ""}
        asyncio.run_coroutine_threadsafe(self.sockets[-1].send_json(envelope), self.loop).result(5)
