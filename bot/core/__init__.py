"""The platform-neutral core: grammar, use cases and replies. Never imports a chat platform's library."""

from bot.core.context import Actor, Origin
from bot.core.service import Core

__all__ = ["Actor", "Core", "Origin"]
