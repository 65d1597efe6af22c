"""Faults the sandbox produces on request: errors, 429, delays, dropped connections, late
listing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, fields
from typing import Any, Literal

from starlette.responses import Response

from callframe.errors import UsageError

__all__ = ["DropResponse", "DroppedError", "Endpoint", "Fault", "Receive", "Scope", "Send"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Endpoint = Literal["upload", "list", "get", "any"]


@dataclass
class Fault:
    """A failure the sandbox produces for the next ``times`` matching requests.

    ``kind``:
        ``"error"`` — answer ``status`` (5xx) with Metrica's ``backend_error`` body;
        ``"rate_limit"`` — answer 429 ``quota_requests_by_ip`` with ``Retry-After: retry_after``
        (never stores);
        ``"delay"`` — wait ``seconds`` before answering (a slow response);
        ``"drop"`` — close the connection without a complete answer.
    ``on``: which requests: ``"upload"``, ``"list"``, ``"get"`` or ``"any"``.
    ``after_store``: for uploads, whether the file is stored first (so the client cannot know it
    was). Default: ``False`` for ``error``, ``True`` for ``delay`` and ``drop``.
    ``skip``: let that many matching requests through first.
    ``list_after``: for uploads, an upload stored under this fault is listed (and found by its
    id) only ``list_after`` seconds of the sandbox's clock after it was stored — a server that
    lists a large file only once it has parsed it.
    """

    kind: Literal["error", "rate_limit", "delay", "drop"]
    on: Endpoint = "upload"
    times: int = 1
    status: int = 503
    retry_after: float | None = 1.0
    seconds: float = 1.0
    after_store: bool | None = None
    skip: int = 0
    list_after: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in ("error", "rate_limit", "delay", "drop"):
            raise UsageError(f"unknown fault kind {self.kind!r}")
        if self.on not in ("upload", "list", "get", "any"):
            raise UsageError(f"unknown fault target {self.on!r}")
        if self.after_store is None:
            self.after_store = self.kind in ("delay", "drop")
        if self.kind == "rate_limit":
            self.after_store = False
        if not self.list_after >= 0:
            raise UsageError("list_after is a number of seconds, 0 or more")

    @classmethod
    def from_dict(cls, data: object) -> Fault:
        if not isinstance(data, dict):
            raise UsageError("a fault is a JSON object")
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise UsageError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        return cls(**data)


class DroppedError(Exception):
    """Raised after the response started, so the server closes the connection mid-answer."""


class DropResponse(Response):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        raise DroppedError("sandbox fault: connection dropped")
