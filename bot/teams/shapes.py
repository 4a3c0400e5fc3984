"""The shape of an activity, checked before the token check and before anything reads it.

The Bot Framework's JSON has few required fields, but every field the bot reads has one type: `from` and
`conversation` are objects, `text` a string, an invoke's `value` an object. An activity with `from` a string or
`conversation` a list made the token check or the handler fail with a 500; here such an activity gets 400 and a
log line, and nothing is stored or sent. Checked before the token (a pure check, no I/O), so that the token
check itself only ever reads well-typed fields; unknown fields are always allowed (Teams adds some).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class _Shape(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class _Account(_Shape):
    id: str | None = None
    name: str | None = None
    aadObjectId: str | None = None  # noqa: N815 - the Bot Framework's field names


class _Conversation(_Shape):
    id: str | None = None
    conversationType: str | None = None  # noqa: N815
    tenantId: str | None = None  # noqa: N815
    isGroup: bool | None = None  # noqa: N815
    name: str | None = None


class _Tenant(_Shape):
    id: str | None = None


class _ChannelData(_Shape):
    tenant: _Tenant | None = None


class _Entity(_Shape):
    type: str | None = None
    mentioned: _Account | None = None
    text: str | None = None
    locale: str | None = None


class _Reaction(_Shape):
    type: str | None = None


class Activity(_Shape):
    type: str
    id: str | None = None
    name: str | None = None
    serviceUrl: str | None = None  # noqa: N815
    channelId: str | None = None  # noqa: N815
    locale: str | None = None
    text: str | None = None
    replyToId: str | None = None  # noqa: N815
    action: str | None = None
    from_: _Account | None = Field(default=None, alias="from")  # `from` is a Python keyword
    recipient: _Account | None = None
    conversation: _Conversation | None = None
    channelData: _ChannelData | None = None  # noqa: N815
    entities: list[_Entity] | None = None
    attachments: list[dict[str, Any]] | None = None
    membersAdded: list[_Account] | None = None  # noqa: N815
    membersRemoved: list[_Account] | None = None  # noqa: N815
    reactionsAdded: list[_Reaction] | None = None  # noqa: N815
    reactionsRemoved: list[_Reaction] | None = None  # noqa: N815


class _SubmitData(_Shape):
    """A button's or a form's data (ours, round-tripped through the card): what bot.teams.activities reads."""

    action_id: str | None = None
    idea_number: int | str | None = None
    context: str | None = None


class _Action(_Shape):
    verb: str | None = None
    data: _SubmitData | None = None


class _CardAction(_Shape):
    action: _Action | None = None


class _TaskValue(_Shape):
    data: _SubmitData | None = None


class _MessageBody(_Shape):
    content: str | None = None


class _MessageFrom(_Shape):
    user: dict[str, Any] | None = None


class _MessagePayload(_Shape):
    id: str | None = None
    linkToMessage: str | None = None  # noqa: N815
    body: _MessageBody | None = None
    from_: _MessageFrom | None = Field(default=None, alias="from")


class _ExtensionValue(_Shape):
    messagePayload: _MessagePayload | None = None  # noqa: N815
    data: dict[str, Any] | None = None


HANDLED = frozenset({"message", "invoke", "messageReaction", "installationUpdate"})  # what TeamsBot acts on
INVOKE_VALUES: dict[str, type[_Shape]] = {"adaptiveCard/action": _CardAction, "task/fetch": _TaskValue,
                                          "task/submit": _TaskValue, "composeExtension/fetchTask": _ExtensionValue,
                                          "composeExtension/submitAction": _ExtensionValue}


def _describe(error: ValidationError, prefix: str = "") -> str:
    """The first few problems as `where: what`, never the values (they may be someone's words)."""
    parts = []
    for problem in error.errors(include_url=False, include_input=False)[:3]:
        where = ".".join(str(part) for part in (prefix, *problem["loc"]) if part != "")
        parts.append(f"{where or 'activity'}: {problem['msg']}")
    return "; ".join(parts)


def problem(activity: dict[str, Any]) -> str | None:
    """What is wrong with the activity's shape, or None."""
    try:
        Activity.model_validate(activity)
    except ValidationError as error:
        return _describe(error)
    if activity["type"] in HANDLED and not (activity.get("conversation") or {}).get("id"):
        return "conversation.id: required (the answer goes there)"
    value = activity.get("value")
    if activity["type"] == "invoke":
        if value is not None and not isinstance(value, dict):
            return "value: an invoke's value must be an object"
        shape = INVOKE_VALUES.get(str(activity.get("name")))
        if shape is not None and value is not None:
            try:
                shape.model_validate(value)
            except ValidationError as error:
                return _describe(error, "value")
    elif isinstance(value, dict) and value.get("action_id") is not None:  # a submit from an old client
        try:
            _SubmitData.model_validate(value)
        except ValidationError as error:
            return _describe(error, "value")
    return _idea_number_problem(value)


def _idea_number_problem(value: Any) -> str | None:
    """The idea a form is for travels in its data as a number (or digits): `int()` must not fail on it."""
    if not isinstance(value, dict):
        return None
    action = value.get("action")
    for data in (value, value.get("data"), action.get("data") if isinstance(action, dict) else None):
        number = data.get("idea_number") if isinstance(data, dict) else None
        if number is None or (isinstance(number, int) and not isinstance(number, bool)):
            continue
        if not (isinstance(number, str) and (number == "" or number.isdigit())):
            return "idea_number: must be a whole number"
    return None
