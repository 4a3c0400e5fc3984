"""The shape of a signed Slack request, checked before Bolt or a listener sees it (and before the ack).

A correctly signed body is Slack's, but "signed" says nothing about its shape: an `event` that is a string, a
view without `type` or a slash command without `user_id` made Bolt or a listener fail with a 500, or after the
ack with a KeyError. Here every field Bolt and the listeners read is checked for its type, and the fields they
cannot do without for presence, per kind of request; what is wrong comes back as one line for the log and the
request gets 400, before anything is stored or acknowledged.

Deliberately lenient where the bot does nothing with a request: Slack retries an event that did not get a 2xx
and turns off a subscription that keeps failing, so an event type the bot ignores needs only its `type`, and
unknown fields are always allowed.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

NonEmpty = Field(min_length=1)


class _Shape(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class _Id(_Shape):
    id: str = NonEmpty


class _Envelope(_Shape):
    """What Bolt's context extraction reads from every request (bolt/request/internals.py)."""

    type: str | None = None
    team: str | dict[str, Any] | None = None
    enterprise: str | dict[str, Any] | None = None
    user: str | dict[str, Any] | None = None
    channel: str | dict[str, Any] | None = None
    authorizations: list[dict[str, Any]] | None = None
    team_id: str | None = None
    enterprise_id: str | None = None
    api_app_id: str | None = None
    view: dict[str, Any] | None = None
    message: dict[str, Any] | None = None
    container: dict[str, Any] | None = None
    response_url: str | None = None
    trigger_id: str | None = None


# -- slash commands (a form; every value is a string, so only presence is checked) ------------------------------

class SlashCommand(_Shape):
    command: str = NonEmpty
    user_id: str = NonEmpty
    trigger_id: str = NonEmpty
    text: str | None = None
    team_id: str | None = None
    channel_id: str | None = None
    response_url: str = NonEmpty  # where the answer goes: without it the idea would be stored and never confirmed


# -- the Events API ---------------------------------------------------------------------------------------------

class _Event(_Shape):
    type: str


class AppMention(_Event):
    user: str = NonEmpty
    channel: str = NonEmpty
    ts: str = NonEmpty
    text: str | None = None
    thread_ts: str | None = None


class MessageEvent(_Event):
    user: str | None = None
    channel: str | None = None
    ts: str | None = None
    text: str | None = None
    channel_type: str | None = None
    subtype: str | None = None
    bot_id: str | None = None
    thread_ts: str | None = None


class _Item(_Shape):
    type: str | None = None
    channel: str | None = None
    ts: str | None = None


class ReactionEvent(_Event):
    user: str = NonEmpty
    reaction: str | None = None
    item: _Item


class AppHomeOpened(_Event):
    user: str = NonEmpty
    tab: str | None = None


EVENTS: dict[str, type[_Event]] = {"app_mention": AppMention, "message": MessageEvent, "reaction_added": ReactionEvent,
                                   "reaction_removed": ReactionEvent, "app_home_opened": AppHomeOpened}


class EventCallback(_Envelope):
    event: dict[str, Any]
    event_id: str | None = None


# -- interactivity (`payload=`) ---------------------------------------------------------------------------------

class _User(_Shape):
    id: str = NonEmpty
    name: str | None = None
    username: str | None = None
    team_id: str | None = None


class _Option(_Shape):
    value: str | None = None


class _Element(_Shape):
    """One input's state (bot.slack.blocks.form_values reads these)."""

    type: str | None = None
    value: str | None = None
    selected_option: _Option | None = None
    selected_options: list[dict[str, Any]] | None = None
    selected_date: str | None = None


class _State(_Shape):
    values: dict[str, dict[str, _Element]] = {}


class _View(_Shape):
    type: str = NonEmpty
    id: str | None = None
    callback_id: str | None = None
    private_metadata: str | None = None
    state: _State | None = None
    blocks: list[dict[str, Any]] | None = None


class ViewSubmission(_Envelope):
    user: _User
    view: _View


class _Action(_Shape):
    action_id: str = NonEmpty
    value: str | None = None
    selected_option: _Option | None = None
    action_ts: str | None = None


class _ActionView(_Shape):
    type: str | None = None


class _Container(_Shape):
    type: str | None = None
    channel_id: str | None = None
    message_ts: str | None = None


class BlockActions(_Envelope):
    user: _User
    actions: list[_Action] = Field(min_length=1)
    trigger_id: str = NonEmpty
    container: _Container | None = None
    view: _ActionView | None = None


class _Message(_Shape):
    ts: str | None = None
    text: str | None = None
    user: str | None = None


class MessageShortcut(_Envelope):
    user: _User
    callback_id: str = NonEmpty
    message: _Message
    channel: _Id


class GlobalShortcut(_Envelope):
    user: _User
    callback_id: str = NonEmpty


class ViewClosed(_Envelope):
    user: _User
    view: _View


INTERACTIONS: dict[str, type[_Envelope]] = {"view_submission": ViewSubmission, "view_closed": ViewClosed,
                                            "block_actions": BlockActions, "message_action": MessageShortcut,
                                            "shortcut": GlobalShortcut}


def _describe(error: ValidationError, prefix: str = "") -> str:
    """The first few problems as `where: what`, never the values themselves (they may be someone's words)."""
    parts = []
    for problem in error.errors(include_url=False, include_input=False)[:3]:
        where = ".".join(str(part) for part in (prefix, *problem["loc"]) if part != "")
        parts.append(f"{where or 'body'}: {problem['msg']}")
    return "; ".join(parts)


def problem(kind: str, data: dict[str, Any]) -> str | None:
    """What is wrong with a signed request of `kind` ("command", "event", "interaction"), or None."""
    try:
        if kind == "command":
            if "ssl_check" in data:
                return None  # Slack checking the certificate (`ssl_check=1`): Bolt answers it
            SlashCommand.model_validate(data)
            return None
        envelope_type = data.get("type")
        if kind == "interaction":
            if not isinstance(envelope_type, str):
                return "type: a payload needs a string type"
            INTERACTIONS.get(envelope_type, _Envelope).model_validate(data)
            return None
        _Envelope.model_validate(data)
        if envelope_type != "event_callback":
            return None  # url_verification, app_rate_limited, …: Bolt's own or recognised before
        EventCallback.model_validate(data)
    except ValidationError as error:
        return _describe(error)
    event = data["event"]
    try:
        _Event.model_validate(event)
        EVENTS.get(event["type"], _Event).model_validate(event)
    except ValidationError as error:
        return _describe(error, "event")
    return _message_problem(event)


def _message_problem(event: dict[str, Any]) -> str | None:
    """A person's message (one with a user) always names its conversation and its ts: the listener answers there."""
    if event.get("type") == "message" and event.get("user") and not (event.get("channel") and event.get("ts")):
        return "event: a person's message needs its channel and ts"
    if event.get("type") in ("reaction_added", "reaction_removed"):
        item = event["item"]
        if item.get("type") == "message" and not (item.get("channel") and item.get("ts")):
            return "event.item: a reaction on a message needs the message's channel and ts"
    return None
