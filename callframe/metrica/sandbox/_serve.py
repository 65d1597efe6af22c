"""Serving the sandbox with uvicorn on loopback: in a background thread (tests) or in front."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from callframe.errors import UsageError
from callframe.metrica._policy import is_loopback_host
from callframe.metrica.sandbox._app import Sandbox
from callframe.metrica.sandbox._faults import DroppedError

__all__ = ["run", "serve"]


def _bind(host: str, port: int) -> socket.socket:
    if not is_loopback_host(host):
        raise UsageError(
            f"the sandbox listens on loopback only (127.0.0.1, ::1, localhost), not {host!r}"
        )
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _url(sock: socket.socket, host: str) -> str:
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


class _QuietDrops(logging.Filter):
    """Injected dropped connections are the point of the fault, not an error to log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], DroppedError))


def _server(app: Sandbox, log_level: str) -> Any:
    import uvicorn

    logging.getLogger("uvicorn.error").addFilter(_QuietDrops())

    config = uvicorn.Config(
        app,
        lifespan="off",
        ws="none",
        log_level=log_level,
        access_log=False,
        timeout_graceful_shutdown=2,
    )
    return uvicorn.Server(config)


@contextlib.contextmanager
def serve(
    app: Sandbox, host: str = "127.0.0.1", port: int = 0, *, log_level: str = "warning"
) -> Iterator[str]:
    """Run ``app`` with uvicorn in a background thread; yield its base URL (``http://…``)."""
    sock = _bind(host, port)
    server = _server(app, log_level)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError("the sandbox server did not start")
        time.sleep(0.01)
    try:
        yield _url(sock, host)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def run(
    app: Sandbox,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    on_ready: Callable[[str], None] | None = None,
    log_level: str = "warning",
) -> None:
    """Serve ``app`` in the foreground until interrupted; ``on_ready`` gets the base URL once the
    socket listens (with ``port=0`` the system picks a free port)."""
    sock = _bind(host, port)
    server = _server(app, log_level)
    if on_ready is not None:
        on_ready(_url(sock, host))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
