"""Request bodies read with a bound, for every route a stranger can reach before any signature or token check.

`await request.body()` holds the whole upload in memory before the size can be compared, so one 500 MB POST
costs the process 500 MB. Here the declared `Content-Length` is checked before a byte is read (too large: 413
at once), and a body without one (chunked) is read with a running count that stops at the limit. Uvicorn
stops reading from the socket while the app is not asking for more, and closes the connection after a
response to a request whose body was not read to the end, so the rest of an oversized upload is never
received, let alone kept.

Shared by the Slack and Teams adapters (a module of its own: adapters never import each other).
"""

from __future__ import annotations

from starlette.requests import Request


class BodyTooLarge(Exception):
    """The body is (or says it is) larger than the route accepts: 413."""

    def __init__(self, limit: int, declared: int | None = None) -> None:
        self.limit = limit
        self.declared = declared
        super().__init__(f"request body over {limit} bytes" + (f" (Content-Length {declared})" if declared else ""))


async def read_bounded(request: Request, limit: int) -> bytes:
    """The whole body, at most `limit` bytes; raises BodyTooLarge without reading (or keeping) more."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit, int(declared))  # uvicorn has parsed the header: it is a number
    received = bytearray()
    async for chunk in request.stream():
        received += chunk
        if len(received) > limit:
            raise BodyTooLarge(limit)
    return bytes(received)
