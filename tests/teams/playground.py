"""Drive Microsoft 365 Agents Playground (npm `@microsoft/m365agentsplayground`, the real package) from a test.

The Playground plays Teams and the Bot Connector for a bot at `bot_endpoint`. A test types through its
`_conversation` API (what its web UI calls) and reads what the bot posted back from the web UI's own log
websocket (`/_ws/log/stream`): the Playground has no HTTP endpoint that lists a conversation's activities.

Measured with 0.2.28 (see PLATFORMS.md): with stdout not a TTY it prints only `Listening on PORT` and writes
everything else to its log file; it binds every interface unless told otherwise (we preload a small script
that binds it to 127.0.0.1); it exits at start when it cannot spawn a browser opener unless
TEAMSAPPTESTER_BROWSER=none (we also put a no-op `xdg-open` first on PATH, in case a later version drops it).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import httpx
import websocket

PLAYGROUND_VERSION = "0.2.28"
PACKAGE = "@microsoft/m365agentsplayground"
DIR_ENV = "IDESLUSS_PLAYGROUND_DIR"
T = TypeVar("T")
# The web UI's labels for the two ends of a logged HTTP exchange.
_PLAYGROUND = "Microsoft 365 Agents Playground"
_BOT = "User Application"

# Preloaded with --require: a server listened for with a port and no host binds 127.0.0.1, not every interface.
_LOOPBACK_JS = """\
const net = require("net");
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === "number" && (args.length === 1 || typeof args[1] === "function")) {
    args.splice(1, 0, "127.0.0.1");
  }
  return listen.apply(this, args);
};
"""


class PlaygroundError(RuntimeError):
    """The Playground did not start, refused a request, or the bot did not answer in time."""


def default_playground_dir() -> Path:
    """Where `.ci/run` installs the pinned Playground (`npm install --prefix DIR`), outside the repository."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "idesluss" / f"playground-{PLAYGROUND_VERSION}"


def playground_cli(node_dir: Path) -> Path:
    return node_dir / "node_modules" / PACKAGE / "cli.js"


def playground_unavailable(node_dir: Path | None = None) -> str | None:
    """Why the pinned Playground cannot run here, or None when it can."""
    if shutil.which("node") is None:
        return "node is not on PATH"
    node_dir = node_dir or Path(os.environ.get(DIR_ENV) or default_playground_dir())
    package_json = playground_cli(node_dir).with_name("package.json")
    if not package_json.is_file():
        return f"{PACKAGE} is not installed under {node_dir} (set {DIR_ENV} or run .ci/run)"
    version = json.loads(package_json.read_text(encoding="utf-8")).get("version")
    if version != PLAYGROUND_VERSION:
        return f"{PACKAGE} under {node_dir} is {version}, the tests are pinned to {PLAYGROUND_VERSION}"
    return None


def playground_available() -> Path | None:
    """The npm prefix that holds the pinned Playground, from $IDESLUSS_PLAYGROUND_DIR or the default cache."""
    node_dir = Path(os.environ.get(DIR_ENV) or default_playground_dir())
    return None if playground_unavailable(node_dir) else node_dir


@dataclass(slots=True)
class Exchange:
    """One HTTP exchange between bot and Playground as the Playground logged it."""

    activity: dict[str, Any]
    status: int | None
    answer: Any


class Playground:
    """The real Agents Playground on a free 127.0.0.1 port, pointed at `bot_endpoint`, for one test (module)."""

    def __init__(self, bot_endpoint: str, node_dir: Path, *, open_chat: bool = True,
                 start_timeout: float = 30.0) -> None:
        self.bot_endpoint = bot_endpoint
        self.node_dir = node_dir
        self.open_chat = open_chat
        self.start_timeout = start_timeout
        self.port = 0
        self.url = ""
        self.config: dict[str, Any] = {}
        self.conversation_id = ""
        self.user_id = ""
        self.from_bot: list[Exchange] = []
        self.to_bot: list[Exchange] = []
        self.messages: list[dict[str, Any]] = []
        self.notes: list[str] = []
        self._output: list[str] = []
        self._changed = threading.Condition()
        self._sockets: list[websocket.WebSocket] = []
        self._threads: list[threading.Thread] = []
        self._process: subprocess.Popen[str] | None = None
        self._work: Path | None = None
        self._http = httpx.Client(timeout=60.0, trust_env=False)

    # -- lifecycle -------------------------------------------------------------------------------------------

    def __enter__(self) -> Playground:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()

    def start(self) -> None:
        self._work = Path(tempfile.mkdtemp(prefix="agents-playground-"))
        env = self._environment(self._work)
        self._process = subprocess.Popen(
            ["node", str(playground_cli(self.node_dir)), "-e", self.bot_endpoint, "-c", "msteams", "-p", "0",
             "--disable-telemetry"],
            cwd=self._work, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, start_new_session=True)
        deadline = time.monotonic() + self.start_timeout
        self.port = self._read_port(deadline)
        self.url = f"http://127.0.0.1:{self.port}"
        self._wait_until_mounted(deadline)
        self.config = self._get("/_internal/v1/testConfig")["config"]
        self.conversation_id = self.config["personalChat"]["id"]
        self.user_id = self.config["currentUser"]["id"]
        # Subscribe before anything happens: the Playground buffers log items only until a first client connects.
        for path, handle in (("/_ws/log/stream", self._on_log), ("/_ws_conversation/v1/conversations/stream",
                                                                  self._on_conversation)):
            self._listen(path, handle)
        if self.open_chat:
            self.open_personal_chat()

    def stop(self) -> None:
        for sock in self._sockets:
            sock.abort()  # wakes the thread blocked in recv(); a polite close() would race it for the close frame
            sock.shutdown()
        process = self._process
        if process is not None and process.poll() is None:
            # The CLI runs as one node process in its own session; signal the whole group in case it ever forks.
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        for thread in self._threads:
            thread.join(timeout=5)
        if process is not None and process.stdout is not None:
            process.stdout.close()
        self._http.close()
        if self._work is not None:
            shutil.rmtree(self._work, ignore_errors=True)

    @staticmethod
    def _environment(work: Path) -> dict[str, str]:
        shim_dir = work / "bin"
        shim_dir.mkdir()
        opener = shim_dir / "xdg-open"
        opener.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
        opener.chmod(0o755)
        loopback = work / "bind-loopback.cjs"
        loopback.write_text(_LOOPBACK_JS, encoding="utf-8")
        # The Playground routes its calls to the bot through HTTP(S)_PROXY; everything here is on loopback.
        env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy")}
        env.update({
            "PATH": f"{shim_dir}{os.pathsep}{env.get('PATH', '')}",
            "TEAMSAPPTESTER_BROWSER": "none",
            "M365_AGENTS_PLAYGROUND_LOGFILE": str(work / "playground.log"),
            "NODE_OPTIONS": f'{env.get("NODE_OPTIONS", "")} --require "{loopback}"'.strip(),
        })
        return env

    def _read_port(self, deadline: float) -> int:
        assert self._process is not None and self._process.stdout is not None
        found: list[int] = []

        def read() -> None:
            assert self._process is not None and self._process.stdout is not None
            for line in self._process.stdout:
                self._output.append(line)
                if line.startswith("Listening on ") and not found:
                    found.append(int(line.split()[-1]))
                    with self._changed:
                        self._changed.notify_all()

        reader = threading.Thread(target=read, name="playground-stdout", daemon=True)
        reader.start()
        self._threads.append(reader)
        with self._changed:
            while not found:
                if self._process.poll() is not None:
                    raise PlaygroundError(f"the Playground exited with {self._process.returncode}: "
                                          f"{''.join(self._output)}{self.log_text()}")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise PlaygroundError(f"the Playground printed no port in {self.start_timeout}s: {self.log_text()}")
                # Woken by the reader; the short cap is only there to notice an exit, which nobody signals.
                self._changed.wait(timeout=min(0.1, remaining))
        return found[0]

    def _wait_until_mounted(self, deadline: float) -> None:
        # Its routes are mounted just after it prints the port; /_debug/ping answers once they are.
        while True:
            try:
                if self._http.get(f"{self.url}/_debug/ping").text == "pong":
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise PlaygroundError(f"the Playground on port {self.port} never answered /_debug/ping: "
                                      f"{self.log_text()}")
            time.sleep(0.02)

    def log_text(self) -> str:
        """The Playground's own log (its console output goes only here when stdout is not a terminal)."""
        log = self._work / "playground.log" if self._work else None
        return log.read_text(encoding="utf-8", errors="replace") if log and log.is_file() else ""

    # -- what its web UI does --------------------------------------------------------------------------------

    def open_personal_chat(self) -> None:
        """What the web UI does when it loads: probe the bot (HEAD), then installationUpdate + conversationUpdate."""
        self._get("/_internal/v1/config")
        self._post(f"/_debug/conversation/{self.conversation_id}/installation", {})

    def send_text(self, text: str) -> None:
        """Type `text` into the personal chat; the Playground forwards it to the bot after answering us."""
        self._post(f"/_conversation/v1/conversations/{self.conversation_id}/messages",
                   {"from": {"id": self.user_id}, "text": text, "textFormat": "plain"})

    def invoke_action(self, verb: str, data: dict[str, Any], *, reply_to_id: str,
                      title: str | None = None) -> dict[str, Any]:
        """Press an Action.Execute button on the card message `reply_to_id` (the Playground's id for it).

        Returns what the Playground hands its UI: the bot's invoke answer without `statusCode`
        (`{"type": ..., "value": ...}`, or `{}` when the bot answered with no body).
        """
        action: dict[str, Any] = {"type": "Action.Execute", "verb": verb, "data": data}
        if title is not None:
            action["title"] = title
        return self._post("/_conversation/v1/invoke", {
            "name": "adaptiveCard/action", "value": {"action": action}, "from": {"id": self.user_id},
            "conversation": {"id": self.conversation_id}, "replyToId": reply_to_id})

    # -- reading back ----------------------------------------------------------------------------------------

    def wait_for_reply(self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 10.0) -> dict[str, Any]:
        """The first activity the bot posted (or PUT) to the Playground's `_connector` that matches.

        The Playground gives a posted message its own id (answer 201 `{"id"}`); it is set as the activity's
        `id` when the bot sent none. An activity with text *and* attachments is split into several chat
        messages and answered 202 without an id: find those ids with `wait_for_message`.
        """
        def first() -> dict[str, Any] | None:
            for exchange in self.from_bot:
                activity = dict(exchange.activity)
                if isinstance(exchange.answer, dict) and "id" in exchange.answer:
                    activity.setdefault("id", exchange.answer["id"])
                if predicate(activity):
                    return activity
            return None
        return self._wait(first, timeout, "matching activity from the bot")

    def wait_for_activity_to_bot(self, predicate: Callable[[dict[str, Any]], bool],
                                 timeout: float = 10.0) -> Exchange:
        """The first activity the Playground sent the bot that matches, with the bot's HTTP status and body."""
        return self._wait(lambda: next((e for e in self.to_bot if predicate(e.activity)), None), timeout,
                          "matching activity to the bot")

    def wait_for_message(self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 10.0) -> dict[str, Any]:
        """The first chat message (as the web UI sees it: `messageId`, `text`, `attachments`) that matches."""
        return self._wait(lambda: next((m for m in self.messages if predicate(m)), None), timeout,
                          "matching chat message")

    def _wait(self, find: Callable[[], T | None], timeout: float, what: str) -> T:
        deadline = time.monotonic() + timeout
        with self._changed:
            while (found := find()) is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    notes = "; ".join(self.notes[-5:]) or "none"
                    raise PlaygroundError(f"no {what} within {timeout}s (Playground warnings: {notes})")
                self._changed.wait(timeout=remaining)
        return found

    # -- plumbing --------------------------------------------------------------------------------------------

    def _listen(self, path: str, handle: Callable[[dict[str, Any]], None]) -> None:
        sock = websocket.create_connection(f"ws://127.0.0.1:{self.port}{path}", timeout=10)
        sock.settimeout(None)
        self._sockets.append(sock)

        def pump() -> None:
            while True:
                try:
                    frame = sock.recv()
                except (websocket.WebSocketException, OSError):
                    return
                if not frame:
                    return
                with self._changed:
                    handle(json.loads(frame))
                    self._changed.notify_all()

        thread = threading.Thread(target=pump, name=f"playground-ws{path}", daemon=True)
        thread.start()
        self._threads.append(thread)

    def _on_log(self, event: dict[str, Any]) -> None:
        log = event.get("log") or {}
        if log.get("type") == "bot":
            request = (log.get("request") or {}).get("body") or {}
            response = log.get("response") or {}
            exchange = Exchange(request, response.get("statusCode"), response.get("body"))
            if log.get("from") == _BOT:
                self.from_bot.append(exchange)
            elif log.get("from") == _PLAYGROUND:
                self.to_bot.append(exchange)
        elif log.get("level") in ("warning", "error"):
            self.notes.append(str(log.get("displayText")))

    def _on_conversation(self, event: dict[str, Any]) -> None:
        if event.get("action") in ("createMessage", "updateMessage") and "message" in event:
            self.messages.append(event["message"])

    def _get(self, path: str) -> Any:
        return self._answer(self._http.get(self.url + path))

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        return self._answer(self._http.post(self.url + path, json=body))

    @staticmethod
    def _answer(response: httpx.Response) -> Any:
        if response.status_code != 200:
            raise PlaygroundError(f"{response.request.method} {response.request.url.path} answered "
                                  f"{response.status_code}: {response.text}")
        return response.json() if response.content else None
