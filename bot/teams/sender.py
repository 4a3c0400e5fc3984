"""`TeamsSender`: delivers outbox messages (stage changes, nudges, digests) as cards in Teams.

A person is reached through their stored 1:1 conversation; when the bot has only seen them in a
channel, it creates the 1:1 chat first (`POST v3/conversations`) and remembers it. A person who blocked
the bot or removed the app (403 `MessageWritesBlocked`) is marked unreachable and the message is
dead-lettered at once instead of being retried forever.

Each tenant's messages go out through its own registration (its msal authority, its bot id): the row's
workspace, or the tenant of the stored conversation, names the tenant.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

import httpx

from bot.core.clock import Clock
from bot.core.delivery import Delivery, DeliveryError, OutboundMessage, OutcomeUnknown, PermanentDeliveryError
from bot.teams.cards import reply_activity
from bot.teams.connector import ConnectorClient, MessageWritesBlocked
from bot.teams.registrations import Registration, Registrations
from storage.conversations import PERSONAL, RefData, get_ref, member_ref, personal_ref, save_ref, set_unreachable
from storage.db import Database
from storage.models import ConversationRef
from storage.people import get_person


@contextlib.contextmanager
def outcome_unknown_after_sending() -> Iterator[None]:
    """A message POST that failed after the request left (a read timeout, a dropped connection) may have been
    posted: its outcome is unknown (the dispatcher retries it once and counts it). A connection never made is an
    ordinary failure."""
    try:
        yield
    except DeliveryError as exc:
        cause = exc.__cause__
        if (type(exc) is DeliveryError and isinstance(cause, httpx.TransportError)
                and not isinstance(cause, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)):
            raise OutcomeUnknown(f"{exc} (after the request was sent)") from exc
        raise


class TeamsSender:
    platform = "teams"

    def __init__(self, db: Database, registrations: Registrations, clock: Clock) -> None:
        self.db = db
        self.registrations = registrations
        self.clock = clock

    async def _registration(self, tenant: str | None) -> Registration:
        found = await self.registrations.by_tenant(tenant)
        if found is None:
            raise PermanentDeliveryError(f"no Teams registration speaks for tenant {tenant}")
        return found

    async def send(self, message: OutboundMessage) -> Delivery:
        activity = reply_activity(message.reply)
        if message.recipient_kind == "user":
            return await self._send_to_person(message.recipient, message.workspace, activity)
        ref = await asyncio.to_thread(self._ref, message.recipient)
        if ref is None:
            raise PermanentDeliveryError(f"no conversation reference for {message.recipient}")
        connector = (await self._registration(ref.tenant_id or message.workspace)).dispatcher_connector
        with outcome_unknown_after_sending():
            if message.thread:
                sent = await connector.reply(ref.service_url, ref.conversation_id, message.thread, activity)
            else:
                sent = await connector.send(ref.service_url, ref.conversation_id, activity)
        return Delivery(message_id=sent, channel=ref.conversation_id)

    async def _send_to_person(self, user_id: str, tenant: str | None, activity: dict[str, Any]) -> Delivery:
        conversation, service_url, ref_tenant = await asyncio.to_thread(self._personal, user_id)
        registration = await self._registration(ref_tenant or tenant)
        try:
            if conversation is None:
                conversation, service_url = await self._open_chat(user_id, tenant, registration)
            with outcome_unknown_after_sending():
                sent = await registration.dispatcher_connector.send(service_url, conversation, activity)
        except MessageWritesBlocked:
            await asyncio.to_thread(self._unreachable, user_id)
            raise
        return Delivery(message_id=sent, channel=conversation)

    async def _open_chat(self, user_id: str, tenant: str | None, registration: Registration) -> tuple[str, str]:
        member = await asyncio.to_thread(self._member, user_id)
        if member is None or not member.member_id:
            raise PermanentDeliveryError(f"teams:{user_id} has never been seen by the bot")
        bot_id = member.bot_id or registration.bot_id
        connector: ConnectorClient = registration.dispatcher_connector
        conversation = await connector.create_personal_conversation(
            member.service_url, bot_id=bot_id, member_id=member.member_id, tenant_id=member.tenant_id or tenant)
        ref = RefData(conversation, member.service_url, PERSONAL, member.tenant_id or tenant, bot_id,
                      user_id=user_id, member_id=member.member_id)
        await asyncio.to_thread(self._save, ref)
        return conversation, member.service_url

    # -- storage, in worker threads ---------------------------------------------------------------------

    def _personal(self, user_id: str) -> tuple[str | None, str, str | None]:
        with self.db.session() as session:
            person = get_person(session, "teams", user_id)
            if person is not None and person.unreachable:
                raise PermanentDeliveryError(f"teams:{user_id} is unreachable (blocked the bot or removed the app)")
            ref = personal_ref(session, user_id)
            return (ref.conversation_id, ref.service_url, ref.tenant_id) if ref else (None, "", None)

    def _member(self, user_id: str) -> ConversationRef | None:
        with self.db.session() as session:
            return member_ref(session, user_id)

    def _ref(self, conversation_id: str) -> ConversationRef | None:
        with self.db.session() as session:
            return get_ref(session, conversation_id)

    def _save(self, ref: RefData) -> None:
        with self.db.session() as session:
            save_ref(session, ref, now=self.clock.now())

    def _unreachable(self, user_id: str) -> None:
        with self.db.session() as session:
            set_unreachable(session, "teams", user_id, True)
