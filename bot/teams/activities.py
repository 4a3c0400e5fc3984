"""Verified activities → core calls → cards. Translation only: every decision about ideas is the core's.

An activity is answered in two parts: what Teams needs in the HTTP response (invokes get their card
there) and follow-ups that go through the Bot Connector after the response, so Teams never waits on
our outbound calls. Every activity refreshes the conversation references proactive messages need.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings
from bot.core import Actor, Core, Origin
from bot.core.delivery import DeliveryError
from bot.core.forms import FORM_KEYS
from bot.core.replies import Reply, ReplyKind
from bot.teams import extension
from bot.teams.cards import (
    FORM_SUBMIT,
    chosen_value,
    form_card,
    invoke_card_response,
    invoke_message_response,
    reply_activity,
    reply_card,
    task_card,
    task_message,
)
from bot.teams.connector import ConnectorClient, MessageWritesBlocked
from bot.teams.references import base_conversation_id, conversation_type, refs_from_activity, tenant_of
from bot.teams.registrations import Registration
from bot.teams.text import mentions_bot, message_text
from storage.conversations import PERSONAL, save_ref, set_unreachable
from storage.db import Database

log = logging.getLogger(__name__)

FollowUp = Callable[[], Awaitable[None]]
# Keys of a submitted card's data that are the card's own, not the form's inputs.
FORM_BOOKKEEPING = frozenset({"action_id", "value", "idea_number", "context", "msteams", "link", "original_author",
                              "message_id"})


@dataclass(slots=True)
class Outcome:
    """The HTTP answer to one activity, plus connector calls to make once it has been sent."""

    body: dict[str, Any] | None = None
    followups: list[FollowUp] = field(default_factory=list)


def actor_for(activity: dict[str, Any]) -> Actor | None:
    sender = activity.get("from") or {}
    user_id = sender.get("aadObjectId") or sender.get("id")
    if not user_id:
        return None
    locale = activity.get("locale")
    if not locale:
        for entity in activity.get("entities") or []:
            if isinstance(entity, dict) and entity.get("type") == "clientInfo" and entity.get("locale"):
                locale = entity["locale"]
                break
    return Actor(platform="teams", user_id=str(user_id), workspace=tenant_of(activity),
                 display_name=sender.get("name"), locale=locale)


def thread_root(activity: dict[str, Any]) -> str | None:
    """The root message of the channel thread this activity replies in (Teams puts it in the conversation id
    as `;messageid=<root>`); None for a new post or a chat."""
    conversation = str((activity.get("conversation") or {}).get("id") or "")
    root = conversation.split(";messageid=", 1)[1] if ";messageid=" in conversation else None
    return root if root and root != activity.get("id") else None


def activity_key(activity: dict[str, Any], prefix: str = "teams:activity") -> str:
    """Teams activity ids are unique per conversation only; the conversation goes into the key (hashed)."""
    conversation = base_conversation_id(str((activity.get("conversation") or {}).get("id") or ""))
    digest = hashlib.sha256(conversation.encode()).hexdigest()[:16]
    return f"{prefix}:{digest}:{activity.get('id')}"


class TeamsBot:
    def __init__(self, core: Core, db: Database, settings: Settings) -> None:
        self.core = core
        self.db = db
        self.settings = settings

    async def handle(self, activity: dict[str, Any], registration: Registration) -> Outcome:
        """A verified activity for `registration` (the app id its token was for): answered through that
        registration's connector. A tenant that belongs to no organisation gets the core's polite answer, and the
        bot keeps nothing of it (no conversation reference either)."""
        tenant = tenant_of(activity)
        if registration.tenant_id and tenant != registration.tenant_id:
            log.warning("teams: ignoring an activity from another (or no) tenant: %s", tenant)
            return Outcome()
        actor = actor_for(activity)
        if actor is None or await asyncio.to_thread(self.core.serves, actor):
            try:
                await asyncio.to_thread(self._save_refs, activity)
            except SQLAlchemyError as exc:  # the database is down: the person still gets the core's answer
                log.warning("teams: conversation references not saved (%s)", type(exc).__name__)
        connector = registration.connector
        kind = activity.get("type")
        if kind == "message":
            return await self._message(activity, connector)
        if kind == "invoke":
            return await self._invoke(activity)
        if kind == "messageReaction":
            return await self._reaction(activity)
        if kind == "installationUpdate":
            return await self._installation(activity, connector)
        return Outcome()

    # -- bookkeeping ------------------------------------------------------------------------------------

    def _save_refs(self, activity: dict[str, Any]) -> None:
        refs = refs_from_activity(activity)
        if refs:
            with self.db.session() as session:
                now = self.core.clock.now()
                for ref in refs:
                    save_ref(session, ref, now=now)
                if conversation_type(activity) == PERSONAL and activity.get("type") == "message" and refs[0].user_id:
                    set_unreachable(session, "teams", refs[0].user_id, False)  # they wrote to us: reachable

    async def _installation(self, activity: dict[str, Any], connector: ConnectorClient) -> Outcome:
        """Installed for a person: they can be reached again, and get the core's greeting once."""
        actor = actor_for(activity)
        if actor is None or conversation_type(activity) != PERSONAL:
            return Outcome()
        action = str(activity.get("action") or "")
        removed = action.startswith("remove")
        await asyncio.to_thread(self._set_unreachable, actor.user_id, removed)
        if action != "add":  # removed, or an upgrade of an app they already know
            return Outcome()
        if not await asyncio.to_thread(self.core.first_time, activity_key(activity, "teams:inbound")):
            return Outcome()
        greeting = await asyncio.to_thread(self.core.handle_message, actor, "", None, forms=True)
        return Outcome(followups=[self._replier({**activity, "id": None}, actor, greeting, connector)])

    # -- messages ---------------------------------------------------------------------------------------

    async def _message(self, activity: dict[str, Any], connector: ConnectorClient) -> Outcome:
        actor = actor_for(activity)
        if actor is None or str((activity.get("from") or {}).get("id") or "").startswith("28:"):
            return Outcome()
        value = activity.get("value")
        if isinstance(value, dict) and value.get("action_id"):  # Action.Submit / messageBack from an old client
            reply = await self._action(actor, activity, value)
            if reply.private and conversation_type(activity) != PERSONAL:
                log.info("teams: a private answer is not posted in a shared conversation (old client's submit)")
                return Outcome()
            return Outcome(followups=[self._replier(activity, actor, reply, connector)])
        personal = conversation_type(activity) == PERSONAL
        if not personal and not mentions_bot(activity):
            return Outcome()  # channel chatter not addressed to the bot
        text = message_text(activity)
        # The core first (its dedup key keeps a redelivered idea once), then the mark that stops a second
        # answer: marking first would lose the message if the process died between the two.
        reply = await asyncio.to_thread(self.core.handle_message, actor, text, self._origin(activity), forms=True,
                                        thread_ref=thread_root(activity))
        if not await asyncio.to_thread(self.core.first_time, activity_key(activity, "teams:inbound")):
            return Outcome()  # a redelivery: it was answered the first time
        return Outcome(followups=[self._replier(activity, actor, reply, connector)])

    def _origin(self, activity: dict[str, Any]) -> Origin:
        conversation = str((activity.get("conversation") or {}).get("id") or "")
        channel = base_conversation_id(conversation)
        link = None
        if conversation_type(activity) == "channel" and activity.get("id"):
            root = thread_root(activity) or activity["id"]
            link = f"https://teams.microsoft.com/l/message/{channel}/{activity['id']}?parentMessageId={root}"
        return Origin(link=link, channel=channel, message_ref=activity.get("id"), dedup_key=activity_key(activity),
                      public=conversation_type(activity) != PERSONAL)

    def _replier(self, activity: dict[str, Any], actor: Actor, reply: Reply, connector: ConnectorClient) -> FollowUp:
        async def send() -> None:
            service_url = activity["serviceUrl"]
            conversation = activity["conversation"]["id"]
            try:
                if activity.get("id"):
                    message_id = await connector.reply(service_url, conversation, activity["id"],
                                                            reply_activity(reply))
                else:
                    message_id = await connector.send(service_url, conversation, reply_activity(reply))
            except MessageWritesBlocked:
                await asyncio.to_thread(self._set_unreachable, actor.user_id)
                return
            except DeliveryError as exc:
                log.warning("teams: reply to %s failed: %s", activity.get("id"), exc)
                return
            # The card that shows an idea stands for it: a like on it is a vote.
            await asyncio.to_thread(self.core.remember, actor, reply, base_conversation_id(conversation), message_id)

        return send

    def _set_unreachable(self, user_id: str, unreachable: bool = True) -> None:
        with self.db.session() as session:
            set_unreachable(session, "teams", user_id, unreachable)

    # -- buttons, forms, the message extension ------------------------------------------------------------

    async def _invoke(self, activity: dict[str, Any]) -> Outcome:
        actor = actor_for(activity)
        name = activity.get("name")
        value = activity.get("value") if isinstance(activity.get("value"), dict) else {}
        if actor is None:
            return Outcome(body={"statusCode": 200})
        if name == "adaptiveCard/action":
            action = value.get("action") or {}
            data = dict(action.get("data") or {})
            data.setdefault("action_id", action.get("verb"))
            reply = await self._action(actor, activity, data)
            shared = conversation_type(activity) != PERSONAL
            if (reply.kind is ReplyKind.ERROR and reply.form is None) or (reply.private and shared):
                # Only the person who pressed sees why (or what is for them alone); the card, maybe shared in a
                # channel, stays as it was.
                return Outcome(body=invoke_message_response(reply.text))
            card = reply_card(reply)
            if activity.get("replyToId"):  # the pressed card now shows what the reply shows
                await asyncio.to_thread(self.core.remember, actor, reply,
                                        base_conversation_id(activity["conversation"]["id"]), activity["replyToId"])
            return Outcome(body=invoke_card_response(card))
        if name in ("task/fetch", "task/submit"):
            return Outcome(body=await self._dialog(actor, activity, dict(value.get("data") or {})))
        if name == "composeExtension/fetchTask":
            return Outcome(body=await asyncio.to_thread(extension.fetch_task, self.core, actor, value))
        if name == "composeExtension/submitAction":
            return Outcome(body=await asyncio.to_thread(
                extension.submit_action, self.core, actor, value, self._origin(activity)))
        return Outcome(body={})

    async def _dialog(self, actor: Actor, activity: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
        """The idea form in a dialog: opened by a button (task/fetch), answered on submit (task/submit)."""
        data.pop("msteams", None)
        reply = await self._action(actor, activity, data, in_dialog=True)
        if reply.form is not None and reply.kind in (ReplyKind.OPEN_FORM, ReplyKind.ERROR):
            message = reply.text if reply.kind is ReplyKind.ERROR else ""
            card = form_card(reply.form, reply.errors, message, reply.locale, submit_type="Action.Submit")
            return task_card(card, reply.form.title)
        return task_message("\n".join(p for p in (reply.title, reply.text) if p))

    async def _action(self, actor: Actor, activity: dict[str, Any], data: dict[str, Any], *,
                      in_dialog: bool = False) -> Reply:
        """A button or a form. A dialog is the presser's alone, even when opened from a channel's card."""
        action_id = str(data.get("action_id") or "")
        origin = replace(self._origin(activity), public=False) if in_dialog else self._origin(activity)
        if action_id == FORM_SUBMIT:
            # Every input of the form (the idea form's, or a feature's: a challenge, a spreading offer).
            values = {k: data.get(k) for k in FORM_KEYS} | {k: v for k, v in data.items() if k not in FORM_BOOKKEEPING}
            number = data.get("idea_number")
            return await asyncio.to_thread(
                lambda: self.core.submit_form(actor, values, origin,
                                              idea_number=int(number) if number not in (None, "") else None,
                                              context=str(data.get("context") or "")))
        value = chosen_value(data)  # a button's value, or the option chosen in its ChoiceSet
        reply = await asyncio.to_thread(self.core.handle_action, actor, action_id, value, origin)
        if conversation_type(activity) != PERSONAL:
            reply.notice = None  # the pressed card may be shared in a channel: what "you" did is not for everyone
        return reply

    # -- reactions --------------------------------------------------------------------------------------

    async def _reaction(self, activity: dict[str, Any]) -> Outcome:
        actor = actor_for(activity)
        liked = any(isinstance(r, dict) and r.get("type") == "like" for r in activity.get("reactionsAdded") or [])
        unliked = any(isinstance(r, dict) and r.get("type") == "like" for r in activity.get("reactionsRemoved") or [])
        if actor is None or not (liked or unliked) or not activity.get("replyToId"):
            return Outcome()
        channel = base_conversation_id(str((activity.get("conversation") or {}).get("id") or ""))
        # The like is the answer (no message); the core knows whether the card is an idea's or a nudge's.
        await asyncio.to_thread(self.core.react, actor, channel, activity["replyToId"], added=liked)
        return Outcome()
