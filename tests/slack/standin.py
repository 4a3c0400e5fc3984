"""A stand-in for Slack's Web API: a real HTTP server on 127.0.0.1, port 0.

It records every call (method, arguments, headers) and answers with the JSON Slack documents for each
method, including the file upload: files.getUploadURLExternal hands out an upload URL on this server (its
POSTed bytes are kept in `uploads`), then files.completeUploadExternal. A test can queue failures (a 429
with Retry-After, `channel_not_found`, a 500) for a method. It also plays the `response_url` endpoint
(`/response/<id>`), so ephemeral answers are recorded too.
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Call:
    method: str  # "chat.postMessage", or "response_url" for posts to a response URL
    args: dict[str, Any]
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)
    response: dict[str, Any] = field(default_factory=dict)  # what the stand-in answered


@dataclass
class Failure:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


BOT_USER, BOT_ID, TEAM = "UBOT0001", "BBOT0001", "T061EG9R6"
CLIENT_ID, CLIENT_SECRET = "1234567890.0987654321", "stand-in-client-secret"
APP_ID = "A0IDESLUSS"


@dataclass
class Workspace:
    """A workspace that can install the app through the stand-in's OAuth pages."""

    team_id: str
    name: str
    token: str
    bot_user: str
    enterprise_id: str | None = None
    installs: int = 0


class SlackStandIn:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.failures: dict[str, list[Failure]] = {}
        self.uploads: dict[str, bytes] = {}  # file id -> the bytes POSTed to its upload URL
        self._ts = itertools.count(1)
        self.socket_url = ""  # what apps.connections.open hands out (Socket Mode tests)
        self.workspaces: dict[str, Workspace] = {}  # OAuth: team id -> workspace
        self._codes: dict[str, Workspace] = {}  # one-time codes handed to the redirect URL
        self.redirect_url = ""  # where the authorize page sends the browser (the app's /slack/oauth_redirect)
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.api_url = f"{self.base}/api/"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)

    def __enter__(self) -> SlackStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def response_url(self, name: str = "1") -> str:
        return f"{self.base}/response/{name}"

    def fail(self, method: str, status: int = 200, error: str | None = None, retry_after: int | None = None,
             times: int = 1) -> None:
        body = {"ok": False, "error": error or ("ratelimited" if status == 429 else "internal_error")}
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        self.failures.setdefault(method, []).extend(Failure(status, body, headers) for _ in range(times))

    def add_workspace(self, team_id: str, name: str, *, enterprise_id: str | None = None) -> Workspace:
        """A workspace whose admin will approve the install on the stand-in's authorize page."""
        workspace = Workspace(team_id, name, token="", bot_user=f"UB{team_id[1:]}", enterprise_id=enterprise_id)
        with self._lock:
            self.workspaces[team_id] = workspace
        return workspace

    def token_of(self, team_id: str) -> str:
        return self.workspaces[team_id].token

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """The calls to `method` once there are `count` of them (lazy listeners answer after the ack)."""
        return wait_until(lambda: len(self.calls_to(method)) >= count, timeout, f"{count}× {method}") and \
            self.calls_to(method)

    def posted_texts(self) -> list[str]:
        """Every string the bot sent to Slack, in any call: what a person could see."""
        with self._lock:
            return [json.dumps(c.args, ensure_ascii=False) for c in self.calls]

    # --- answers -------------------------------------------------------------------------------------

    def _by_token(self, headers: dict[str, str], args: dict[str, Any]) -> Workspace | None:
        token = str(args.get("token") or headers.get("Authorization", "").removeprefix("Bearer ").strip())
        return next((w for w in self.workspaces.values() if w.token and w.token == token), None)

    def _oauth_access(self, args: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        """`oauth.v2.access`: the client's credentials (form fields, or HTTP Basic as slack_sdk sends them) and a
        one-time code for the workspace's bot token."""
        basic = headers.get("Authorization", "")
        if basic.startswith("Basic "):
            client_id, _, client_secret = base64.b64decode(basic[6:]).decode().partition(":")
            args = {**args, "client_id": client_id, "client_secret": client_secret}
        if (args.get("client_id"), args.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
            return {"ok": False, "error": "invalid_client_id"}
        workspace = self._codes.pop(str(args.get("code")), None)
        if workspace is None:
            return {"ok": False, "error": "invalid_code"}
        workspace.installs += 1
        workspace.token = f"xoxb-{workspace.team_id}-{workspace.installs}-standin"  # a new token per install
        enterprise = {"id": workspace.enterprise_id, "name": "Grid"} if workspace.enterprise_id else None
        return {"ok": True, "app_id": APP_ID, "authed_user": {"id": "UINSTALLER"}, "token_type": "bot",
                "scope": "commands,chat:write,app_mentions:read,im:history,reactions:read",
                "access_token": workspace.token, "bot_user_id": workspace.bot_user,
                "team": {"id": workspace.team_id, "name": workspace.name}, "enterprise": enterprise,
                "is_enterprise_install": False}

    def _authorize(self, query: dict[str, Any]) -> tuple[int, dict[str, str]]:
        """Slack's authorize page, as the workspace admin who approves: back to the redirect URL with a code."""
        workspace = self.workspaces.get(str(query.get("team")))
        if workspace is None or query.get("client_id") != CLIENT_ID:
            return 400, {}
        code = f"code-{workspace.team_id}-{next(self._ts)}"
        self._codes[code] = workspace
        target = query.get("redirect_uri") or self.redirect_url
        return 302, {"Location": f"{target}?code={code}&state={query.get('state', '')}"}

    def _answer(self, method: str, args: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
        ts = f"1700000000.{next(self._ts):06d}"
        if method == "oauth.v2.access":
            return self._oauth_access(args, headers or {})
        if method == "auth.test" and self.workspaces:
            workspace = self._by_token(headers or {}, args)
            if workspace is None:
                return {"ok": False, "error": "invalid_auth"}
            return {"ok": True, "url": f"https://{workspace.team_id.lower()}.slack.com/", "team": workspace.name,
                    "user": "idesluss", "team_id": workspace.team_id, "user_id": workspace.bot_user,
                    "bot_id": f"B{workspace.team_id[1:]}", "enterprise_id": workspace.enterprise_id,
                    "is_enterprise_install": False}
        if method == "auth.test":
            return {"ok": True, "url": "https://example.slack.com/", "team": "Example", "user": "idesluss",
                    "team_id": TEAM, "user_id": BOT_USER, "bot_id": BOT_ID, "is_enterprise_install": False}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.socket_url} if self.socket_url else {"ok": False, "error": "invalid_auth"}
        if method == "chat.postMessage":
            channel = str(args.get("channel", ""))
            if channel.startswith(("U", "W")):
                channel = "D" + channel[1:]  # Slack answers a post to a user ID with the DM's channel
            return {"ok": True, "channel": channel, "ts": ts,
                    "message": {"type": "message", "text": args.get("text"), "bot_id": BOT_ID, "ts": ts}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": ts}
        if method == "chat.getPermalink":
            channel, message_ts = args.get("channel"), str(args.get("message_ts", ""))
            return {"ok": True, "channel": channel,
                    "permalink": f"https://example.slack.com/archives/{channel}/p{message_ts.replace('.', '')}"}
        if method in ("views.open", "views.publish", "views.update", "views.push"):
            view = args.get("view")
            view = json.loads(view) if isinstance(view, str) else view or {}
            return {"ok": True, "view": {"id": f"V{next(self._ts):08d}", **view}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ts):08d}"
            return {"ok": True, "file_id": file_id, "upload_url": f"{self.base}/upload/{file_id}"}
        if method == "files.completeUploadExternal":
            files = args.get("files")
            files = json.loads(files) if isinstance(files, str) else files or []
            return {"ok": True, "files": [{"id": f.get("id"), "title": f.get("title")} for f in files]}
        if method == "users.info":
            return {"ok": True, "user": {"id": args.get("user"), "locale": "sv-SE", "tz": "Europe/Stockholm"}}
        return {"ok": True}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
                pass

            def _args(self) -> dict[str, Any]:
                url = urlsplit(self.path)
                args: dict[str, Any] = dict(parse_qsl(url.query))
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8") if length else ""
                if raw and "json" in (self.headers.get("Content-Type") or ""):
                    args.update(json.loads(raw))
                elif raw:
                    args.update(dict(parse_qsl(raw, keep_blank_values=True)))
                return args

            def _reply(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def _handle(self) -> None:
                path = urlsplit(self.path).path
                if path.startswith("/upload/"):  # files.getUploadURLExternal's upload URL: the raw bytes
                    length = int(self.headers.get("Content-Length") or 0)
                    data = self.rfile.read(length)
                    with standin._lock:
                        standin.uploads[path[len("/upload/"):]] = data
                        standin.calls.append(Call("upload", {"file_id": path[len("/upload/"):], "length": len(data)},
                                                  dict(self.headers.items())))
                    body = f"OK - {len(data)}".encode()  # Slack answers the upload in plain text
                    self.send_response(200)
                    self.send_header("Content-Type", "text/plain; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                args = self._args()
                if path == "/oauth/v2/authorize":
                    with standin._lock:
                        status, headers = standin._authorize(args)
                        standin.calls.append(Call("oauth.authorize", args, dict(self.headers.items())))
                    self._reply(status, b"", headers)
                    return
                if path.startswith("/response/"):
                    method = "response_url"
                elif path.startswith("/api/"):
                    method = path[len("/api/"):]
                else:
                    self._reply(404, {"ok": False, "error": "unknown_method"})
                    return
                call = Call(method, args, dict(self.headers.items()))
                with standin._lock:
                    queued = standin.failures.get(method)
                    failure = queued.pop(0) if queued else None
                    call.response = failure.body if failure else {} if method == "response_url" else \
                        standin._answer(method, args, call.headers)
                    standin.calls.append(call)
                if failure:
                    self._reply(failure.status, failure.body, failure.headers)
                elif method == "response_url":
                    self._reply(200, b"ok")
                else:
                    self._reply(200, call.response)

            do_GET = _handle  # noqa: N815 - http.server's naming
            do_POST = _handle  # noqa: N815

        return Handler


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")
