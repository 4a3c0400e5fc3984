"""What happens on each Slack request: build Actor/Origin, call the core, render the reply.

The core is synchronous (SQLModel sessions), so every call runs in a worker thread; the event loop only
waits on Slack. Every listener acks first and starts its work only once the HTTP response has gone
(`after_ack`), so Slack always gets its answer well inside 3 seconds.

Why not Bolt's lazy listeners: they deep-copy the whole request (Web API client included) before the
ack goes out — 2–3 ms per request, measured, more than the rest of the ack path. With
`process_before_response=False` (not on FaaS) Bolt returns the ack as soon as `ack()` is called and lets
the listener run on, which is the same effect without the copy.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from slack_bolt.context.ack.async_ack import AsyncAck as Ack
from slack_bolt.context.async_context import AsyncBoltContext as Ctx
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.context import Actor, Origin
from bot.core.replies import Reply, ReplyKind
from bot.slack import blocks
from bot.slack import payloads as p
from bot.slack.http import AFTER_RESPONSE

log = logging.getLogger("idesluss.slack")
# Message subtypes that are still a person writing: plain text, a message with a file ("idé: trasig lampa"
# and a photo), a thread reply also sent to the channel. Edits, joins and bot posts are not.
PEOPLES_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})
T = TypeVar("T")
Handler = Callable[..., Awaitable[None]]


def after_ack(where: str) -> Callable[[Handler], Handler]:
    """Ack, wait until the HTTP response is out (see bot.slack.http.AfterResponse), then do the work;
    failures are logged and counted, since Slack already has its answer. The decorated method must take
    `ack` and `context` so Bolt injects them (`functools.wraps` keeps the argument names Bolt reads)."""

    def decorate(fn: Handler) -> Handler:
        @functools.wraps(fn)
        async def wrapper(self: SlackListeners, *args: Any, **kwargs: Any) -> None:
            await kwargs["ack"]()
            waiter = kwargs["context"].get(AFTER_RESPONSE)
            if waiter is not None:
                await waiter.wait()
            try:
                await fn(self, *args, **kwargs)
            except Exception:
                self.on_error(where)
                log.exception("slack %s failed", where)

        return wrapper

    return decorate


class SlackListeners:
    def __init__(self, core: Any, *, on_error: Callable[[str], None] | None = None) -> None:
        self.core = core
        self.on_error = on_error or (lambda where: None)

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.to_thread(fn, *args, **kwargs)

    # --- /idé, /ide\u0301, /idea ---------------------------------------------------------------------

    @after_ack("command")
    async def command(self, ack: Ack, context: Ctx, command: dict[str, Any], client: AsyncWebClient,
                      respond: AsyncRespond) -> None:
        actor = p.actor_from_command(command)
        origin = Origin(channel=command.get("channel_id"), dedup_key=f"slack:cmd:{command.get('trigger_id')}")
        reply = await self.call(self.core.handle_command, actor, p.message_text(command.get("text")), origin=origin,
                                forms=True)
        if reply.kind == ReplyKind.OPEN_FORM and reply.form:
            where = {"ru": command.get("response_url"), "ch": command.get("channel_id")}
            await self._open_form(client, command["trigger_id"], reply, where)
            return
        await respond(response_type="ephemeral", **blocks.message(reply))
        if reply.charts:
            await self._share_chart(client, actor, reply)

    async def _share_chart(self, client: AsyncWebClient, actor: Actor, reply: Reply) -> None:
        """Slack has no chart blocks: the charts go as one PNG into the person's own conversation with the bot
        (never the channel the command was typed in; the figures are for them). The ephemeral answer already
        holds the same figures as text, so a failed upload loses nothing."""
        from bot.slack.charts import chart_png

        png = await asyncio.to_thread(chart_png, reply.charts, self.core.settings.chart_font)
        title = reply.title or "Idéslussen"
        try:
            await client.files_upload_v2(content=png, filename="idesluss-statistik.png", title=title,
                                         alt_txt=blocks.cut(reply.text, 1000), channels=[actor.user_id],
                                         initial_comment=blocks.mrkdwn(title, 1000))
        except Exception:
            log.warning("slack: the chart could not be uploaded; the figures were sent as text", exc_info=True)

    async def _open_form(self, client: AsyncWebClient, trigger_id: str, reply: Reply, where: dict[str, Any]) -> None:
        assert reply.form is not None
        metadata = {"n": reply.form.idea_number, "c": reply.form.context, **{k: v for k, v in where.items() if v}}
        await client.views_open(trigger_id=trigger_id, view=blocks.modal_view(reply.form, metadata))

    # --- the idea modal -----------------------------------------------------------------------------

    async def view_submission(self, ack: Callable[..., Any], body: dict[str, Any], view: dict[str, Any],
                              client: AsyncWebClient) -> None:
        """Validation errors must travel in the ack itself, so the core runs before it (a quick write)."""
        actor = p.actor_from_interaction(body)
        meta = p.load_metadata(view)
        origin = Origin(channel=meta.get("ch"), dedup_key=f"slack:view:{view.get('id')}")
        reply = await self.call(self.core.submit_form, actor, blocks.form_values(view), origin=origin,
                                idea_number=meta.get("n"), context=meta.get("c") or "")
        if reply.kind == ReplyKind.ERROR and reply.errors:
            await ack(response_action="errors", errors=blocks.form_errors(reply.errors, view))
            return
        await ack()
        await self._answer(client, actor, reply, response_url=meta.get("ru"))

    async def _answer(self, client: AsyncWebClient, actor: Actor, reply: Reply, *, response_url: str | None) -> None:
        """Tell the person where they started (the command's response_url) or, failing that, in their DM."""
        if response_url:
            try:
                sent = await AsyncRespond(response_url=response_url)(response_type="ephemeral", **blocks.message(reply))
                if sent.status_code == 200:
                    return
                log.warning("response_url answered %s; sending the answer as a DM instead", sent.status_code)
            except Exception:  # an expired (30 min) or unreachable response_url is no reason to lose the answer
                log.warning("response_url failed; sending the answer as a DM instead", exc_info=True)
        await client.chat_postMessage(channel=actor.user_id, **blocks.message(reply))

    # --- buttons --------------------------------------------------------------------------------------

    @after_ack("action")
    async def action(self, ack: Ack, context: Ctx, body: dict[str, Any], client: AsyncWebClient,
                     respond: AsyncRespond) -> None:
        actor = p.actor_from_interaction(body)
        act = (body.get("actions") or [{}])[0]
        action_id = blocks.base_action_id(act.get("action_id", ""))
        container = body.get("container") or {}
        channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
        message_ts = container.get("message_ts")
        origin = Origin(channel=channel, message_ref=message_ts,
                        dedup_key=f"slack:action:{actor.user_id}:{act.get('action_ts')}")
        value = act.get("value") or (act.get("selected_option") or {}).get("value") or ""  # a button or a choice
        reply = await self.call(self.core.handle_action, actor, action_id, value, origin=origin)
        if reply.kind == ReplyKind.OPEN_FORM and reply.form:
            await self._open_form(client, body["trigger_id"], reply, {"ru": body.get("response_url"), "ch": channel})
        elif container.get("type") == "view" and (body.get("view") or {}).get("type") == "home":
            # The Home tab has no thread to answer in: what the person asked to see opens as a modal,
            # and the tab is redrawn (a stage may have changed).
            if reply.kind in (ReplyKind.IDEA, ReplyKind.LIST, ReplyKind.ERROR, ReplyKind.HELP) or reply.private:
                await client.views_open(trigger_id=body["trigger_id"], view=blocks.info_modal(reply))
            await self.publish_home_for(client, actor)
        elif body.get("response_url"):
            await respond(response_type="ephemeral", replace_original=False, **blocks.message(reply))
        else:
            await client.chat_postMessage(channel=actor.user_id, **blocks.message(reply))

    # --- message shortcut "Spara som idé" -----------------------------------------------------------

    @after_ack("shortcut")
    async def save_message(self, ack: Ack, context: Ctx, body: dict[str, Any], client: AsyncWebClient,
                           respond: AsyncRespond) -> None:
        actor = p.actor_from_interaction(body)
        message = body.get("message") or {}
        channel = (body.get("channel") or {}).get("id")
        link = None
        try:
            link = (await client.chat_getPermalink(channel=channel, message_ts=message["ts"])).get("permalink")
        except Exception:
            log.warning("no permalink for a saved message; the idea keeps channel and ts instead")
        author = message.get("user")
        origin = Origin(link=link, channel=channel, message_ref=message.get("ts"),
                        original_author=f"slack:{author}" if author else None,
                        dedup_key=f"slack:saved:{channel}:{message.get('ts')}")
        values = {"title": None, "text": p.message_text(message.get("text")), "problem": None, "benefit": None,
                  "unit": None, "anonymous": False}
        reply = await self.call(self.core.submit_form, actor, values, origin=origin)
        await self._answer(client, actor, reply, response_url=body.get("response_url"))

    # --- events ----------------------------------------------------------------------------------------

    @after_ack("app_mention")
    async def app_mention(self, ack: Ack, context: Ctx, body: dict[str, Any], event: dict[str, Any],
                          client: AsyncWebClient) -> None:
        """`@Idéslussen idé: …` in a channel; in an idea's thread, a comment on it."""
        actor = p.actor_from_event(body, event["user"])
        await self._conversation(body, event, actor, p.without_mention(event.get("text")), client, in_thread=True)

    @after_ack("message")
    async def direct_message(self, ack: Ack, context: Ctx, body: dict[str, Any], event: dict[str, Any],
                             client: AsyncWebClient) -> None:
        if (event.get("channel_type") != "im" or event.get("subtype") not in PEOPLES_SUBTYPES or event.get("bot_id")
                or not event.get("user")):
            return  # edits, joins and the bot's own posts are not people talking to the bot
        actor = p.actor_from_event(body, event["user"])
        await self._conversation(body, event, actor, p.message_text(event.get("text")), client, in_thread=False)

    async def _conversation(self, body: dict[str, Any], event: dict[str, Any], actor: Actor, text: str,
                            client: AsyncWebClient, *, in_thread: bool) -> None:
        """A message addressed to the bot. In a channel the answer goes in the message's thread (no noise
        in the channel); in the DM it is an ordinary message, unless the person wrote in a thread."""
        event_id = body.get("event_id") or f"{event.get('channel')}:{event.get('ts')}"
        channel, ts = event["channel"], event["ts"]
        # A mention in a channel is read by everyone there (a DM's channel id starts with D).
        public = in_thread and not str(channel).startswith("D")
        origin = Origin(channel=channel, message_ref=ts, dedup_key=f"slack:event:{event_id}", public=public)
        parent = p.thread_parent(event)
        reply = await self.call(self.core.handle_message, actor, text, origin=origin, forms=True, thread_ref=parent)
        # Slack retries an event it thinks we missed; the core keeps one idea, this keeps one answer.
        if not await self.call(self.core.first_time, f"slack:answered:{event_id}"):
            return
        thread = parent or (ts if in_thread else None)
        posted = await client.chat_postMessage(channel=channel, thread_ts=thread, **blocks.message(reply))
        await self.call(self.core.remember, actor, reply, channel, posted.get("ts"))

    @after_ack("reaction")
    async def reaction_added(self, ack: Ack, context: Ctx, body: dict[str, Any], event: dict[str, Any]) -> None:
        await self._reaction(body, event, added=True)

    @after_ack("reaction")
    async def reaction_removed(self, ack: Ack, context: Ctx, body: dict[str, Any], event: dict[str, Any]) -> None:
        await self._reaction(body, event, added=False)

    async def _reaction(self, body: dict[str, Any], event: dict[str, Any], *, added: bool) -> None:
        """A :+1: (added or removed) is handed to the core, which knows what the message is."""
        item = event.get("item") or {}
        if not p.is_vote_reaction(event.get("reaction")) or item.get("type") != "message":
            return
        actor = p.actor_from_event(body, event["user"])
        await self.call(self.core.react, actor, item["channel"], item["ts"], added=added)

    async def uninstalled(self, ack: Ack, body: dict[str, Any], event: dict[str, Any]) -> None:
        """One workspace, one token (SLACK_BOT_TOKEN): the app was uninstalled or its token revoked. Nothing to
        forget here; the outbox's token errors wait for an operator's new token (see sender.py)."""
        await ack()
        log.warning("slack: %s in %s: set a new SLACK_BOT_TOKEN after reinstalling the app", event.get("type"),
                    body.get("team_id"))

    @after_ack("app_home")
    async def app_home_opened(self, ack: Ack, context: Ctx, body: dict[str, Any], event: dict[str, Any],
                              client: AsyncWebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        await self.publish_home_for(client, p.actor_from_event(body, event["user"]))

    async def publish_home_for(self, client: AsyncWebClient, actor: Actor) -> None:
        replies = await self.call(self.core.home, actor)
        await client.views_publish(user_id=actor.user_id, view=blocks.home_view(replies))
