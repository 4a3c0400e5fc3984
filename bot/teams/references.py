"""Conversation references from verified activities, so the bot can write to people later.

Only called after the activity's token was validated: a stored `serviceUrl` is where the bot's own
token will go, so it must come from Microsoft.
"""

from __future__ import annotations

from typing import Any

from storage.conversations import MEMBER, PERSONAL, RefData, member_key


def base_conversation_id(conversation_id: str) -> str:
    """A channel thread's id is "<channel>;messageid=<root>": the channel is what identifies the place."""
    return conversation_id.split(";messageid=", 1)[0]


def tenant_of(activity: dict[str, Any]) -> str | None:
    tenant = ((activity.get("channelData") or {}).get("tenant") or {}).get("id")
    return tenant or (activity.get("conversation") or {}).get("tenantId")


def conversation_type(activity: dict[str, Any]) -> str:
    conversation = activity.get("conversation") or {}
    kind = conversation.get("conversationType")
    if kind:
        return str(kind)
    return "channel" if conversation.get("isGroup") else PERSONAL


def refs_from_activity(activity: dict[str, Any]) -> list[RefData]:
    """The conversation itself, plus a member row for every person the activity names."""
    service_url = activity.get("serviceUrl")
    conversation_id = (activity.get("conversation") or {}).get("id")
    if not service_url or not conversation_id:
        return []
    tenant = tenant_of(activity)
    bot_id = (activity.get("recipient") or {}).get("id")
    kind = conversation_type(activity)
    sender = activity.get("from") or {}
    refs: list[RefData] = []
    if kind == PERSONAL:
        refs.append(RefData(conversation_id, service_url, PERSONAL, tenant, bot_id,
                            user_id=sender.get("aadObjectId"), member_id=sender.get("id")))
    else:
        refs.append(RefData(base_conversation_id(conversation_id), service_url, kind, tenant, bot_id))
    people = [sender, *(activity.get("membersAdded") or [])]
    for member in people:
        user_id = member.get("aadObjectId") if isinstance(member, dict) else None
        member_id = member.get("id") if isinstance(member, dict) else None
        if not user_id or not member_id or member_id == bot_id or str(member_id).startswith("28:"):
            continue
        refs.append(RefData(member_key(user_id), service_url, MEMBER, tenant, bot_id,
                            user_id=user_id, member_id=member_id))
    return refs
