"""Metrica's error bodies as the sandbox answers them, and the exception that carries one."""

from __future__ import annotations

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

__all__ = ["ProblemError", "drain", "error"]


def error(
    status: int,
    error_type: str,
    message: str,
    location: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    item: dict[str, str] = {"error_type": error_type, "message": message}
    if location is not None:
        item["location"] = location
    body = {"errors": [item], "code": status, "message": message}
    return JSONResponse(body, status_code=status, headers=headers)


async def drain(request: Request) -> None:
    """Read what is left of the body, so the client gets the answer rather than a reset."""
    if request.method != "POST":
        return
    try:
        async for _ in request.stream():
            pass
    except (RuntimeError, ClientDisconnect):  # already consumed, or the client is gone
        pass


class ProblemError(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


# --- multipart, streamed to disk ------------------------------------------------------------------
