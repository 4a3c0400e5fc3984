"""Slack in several workspaces: Bolt's OAuth v2 flow, at Bolt's default paths, with our stores and pages.

`GET /slack/install` redirects to Slack's authorize page with a fresh `state` (and sets Bolt's state cookie);
`GET /slack/oauth_redirect?code&state` checks both, exchanges the code at `oauth.v2.access`, stores the
workspace's bot token encrypted and answers with a short page in Swedish and English. Which workspaces may install
follows the core's rule (bot.core.orgs): once any workspace is connected to an organisation, only connected ones.
"""

from __future__ import annotations

import html

from slack_bolt.adapter.starlette.async_handler import to_async_bolt_request, to_starlette_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_callback_options import AsyncCallbackOptions, AsyncFailureArgs, AsyncSuccessArgs
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.config import Settings
from bot.core import samverkan_text  # noqa: F401 - the pages' text
from bot.core.i18n import t
from bot.slack.installations import (
    DatabaseInstallationStore,
    DatabaseStateStore,
    SecretKeyMissing,
    WorkspaceNotConnected,
)

INSTALL_PATH, REDIRECT_PATH = "/slack/install", "/slack/oauth_redirect"  # Bolt's defaults, kept exactly
# What the app asks for (manifest.yaml's bot scopes): nothing that reads channels it was not invited to.
BOT_SCOPES = ("commands", "chat:write", "app_mentions:read", "im:history", "reactions:read", "files:write")


def authorize_url(settings: Settings) -> str:
    """Slack's authorize page on the same host as the Web API: slack.com, GovSlack's slack-gov.com, a stand-in."""
    base = settings.slack_api_url.rstrip("/")
    base = base[: -len("/api")] if base.endswith("/api") else base
    return f"{base}/oauth/v2/authorize"


def _page(title: str, lines: list[str], status: int) -> BoltResponse:
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    page = (f'<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>'
            f"<body><h1>{html.escape(title)}</h1>{body}</body></html>")
    return BoltResponse(status=status, body=page, headers={"Content-Type": "text/html; charset=utf-8"})


async def _success(args: AsyncSuccessArgs) -> BoltResponse:
    installation = args.installation
    where = installation.team_name or installation.enterprise_name or installation.team_id or ""
    return _page(t("sv", "install.done_title"), [t("sv", "install.done", workspace=where),
                                                 t("en", "install.done", workspace=where)], 200)


async def _failure(args: AsyncFailureArgs) -> BoltResponse:
    error = args.error
    if isinstance(error, WorkspaceNotConnected):
        flag = "--slack-team" if error.team_id else "--slack-enterprise"
        workspace = error.team_id or error.enterprise_id or ""
        command = f"idesluss orgs connect <organisation> {flag} {workspace}"
        return _page(t("sv", "install.failed", reason=workspace), [
            t("sv", "install.unconnected", workspace=workspace, command=command),
            t("en", "install.unconnected", workspace=workspace, command=command)], 403)
    if isinstance(error, SecretKeyMissing):
        return _page(t("sv", "install.failed", reason="IDESLUSS_SECRET_KEY"),
                     [t("sv", "install.no_key"), t("en", "install.no_key")], 500)
    return _page(t("sv", "install.failed", reason=args.reason), [t("sv", "install.failed", reason=args.reason),
                                                                 t("en", "install.failed", reason=args.reason)],
                 args.suggested_status_code)


def oauth_settings(settings: Settings, installations: DatabaseInstallationStore, states: DatabaseStateStore
                   ) -> AsyncOAuthSettings:
    return AsyncOAuthSettings(
        client_id=settings.slack_client_id, client_secret=settings.slack_client_secret, scopes=list(BOT_SCOPES),
        redirect_uri=settings.slack_redirect_uri, install_path=INSTALL_PATH, redirect_uri_path=REDIRECT_PATH,
        install_page_rendering_enabled=False, authorization_url=authorize_url(settings),
        installation_store=installations, installation_store_bot_only=True, state_store=states,
        state_expiration_seconds=int(states.expiration.total_seconds()),
        callback_options=AsyncCallbackOptions(success=_success, failure=_failure))


def oauth_routes(app: AsyncApp) -> list[Route]:
    """The two GET routes of the install flow, handed to Bolt's own handlers."""
    flow = app.oauth_flow
    assert flow is not None

    async def install(request: Request) -> Response:
        bolt_request = to_async_bolt_request(request, b"", {})  # a GET: its query is all it says, a body is not read
        return to_starlette_response(await flow.handle_installation(bolt_request))

    async def redirect(request: Request) -> Response:
        bolt_request = to_async_bolt_request(request, b"", {})
        return to_starlette_response(await flow.handle_callback(bolt_request))

    return [Route(flow.install_path, install, methods=["GET"], name="slack_install"),
            Route(flow.redirect_uri_path, redirect, methods=["GET"], name="slack_oauth_redirect")]


def reinstall_message() -> str:
    """What Bolt answers a person in a workspace whose installation is gone (no token to answer with otherwise)."""
    return f"{t('sv', 'install.reinstall')}\n{t('en', 'install.reinstall')}"

