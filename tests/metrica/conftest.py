"""Fixtures for the Metrica client and sandbox: one sandbox per test, reached in-process
(``httpx.ASGITransport``) or over a real socket (uvicorn on 127.0.0.1, port 0), by the sync or
the async client through one adapter, so each test body runs in all four combinations."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import anyio.from_thread
import httpx
import pytest

from callframe.metrica.client import AsyncMetricaClient, MetricaClient
from callframe.metrica.sandbox import Sandbox, serve

from ..conftest import NOW

TOKEN = "cf-test-token-9f8e7d6c5b4a"
"""Distinctive, so a leak anywhere is found by a plain substring search."""
COUNTER = 4242


class Switch:
    """An ASGI app forwarding to the current test's sandbox (one server per module)."""

    def __init__(self) -> None:
        self.target: Sandbox | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert self.target is not None, "no sandbox for this test"
        await self.target(scope, receive, send)


class SyncASGITransport(httpx.BaseTransport):
    """Run an ASGI app in-process for the *sync* client (httpx ships an async one only)."""

    def __init__(self, app: Any, portal: anyio.from_thread.BlockingPortal) -> None:
        self._inner = httpx.ASGITransport(app=app)
        self._portal = portal

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = b"".join(request.stream)  # type: ignore[union-attr]
        inner = httpx.Request(request.method, request.url, headers=request.headers, content=body)

        async def go() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            response = await self._inner.handle_async_request(inner)
            content = await response.aread()
            return response.status_code, response.headers.raw, content

        status, headers, content = self._portal.call(go)
        return httpx.Response(status, headers=headers, content=content)


class Api:
    """The sync or the async client behind one blocking interface."""

    def __init__(self, client: MetricaClient | AsyncMetricaClient, portal: Any) -> None:
        self.client = client
        self.is_async = isinstance(client, AsyncMetricaClient)
        self._portal = portal

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self.client, name)
        if not self.is_async:
            return method  # type: ignore[no-any-return]
        if name.startswith("iter_"):

            def collect(*args: Any, **kwargs: Any) -> list[Any]:
                async def gather() -> list[Any]:
                    return [item async for item in method(*args, **kwargs)]

                return self._portal.call(gather)  # type: ignore[no-any-return]

            return collect

        def call(*args: Any, **kwargs: Any) -> Any:
            return self._portal.call(functools.partial(method, *args, **kwargs))

        return call

    def close(self) -> None:
        if isinstance(self.client, AsyncMetricaClient):
            self._portal.call(self.client.aclose)
        else:
            self.client.close()


@pytest.fixture(scope="session")
def portal() -> Iterator[anyio.from_thread.BlockingPortal]:
    with anyio.from_thread.start_blocking_portal() as p:
        yield p


@pytest.fixture(scope="module")
def switch() -> Switch:
    return Switch()


@pytest.fixture(scope="module")
def server_url(switch: Switch) -> Iterator[str]:
    with serve(switch) as url:  # type: ignore[arg-type]
        yield url


@pytest.fixture
def sandbox(switch: Switch) -> Iterator[Sandbox]:
    box = Sandbox(TOKEN, processing_seconds=0, clock=lambda: float(NOW))
    switch.target = box
    yield box
    switch.target = None
    box.close()


class Sleeps(list[float]):
    """A sleeper that records and returns at once (sync and async flavours)."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)

    async def asleep(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


MakeApi = Callable[..., Api]


@pytest.fixture(params=["sync", "async"])
def flavour(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=["asgi", "socket"])
def route(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_api(
    flavour: str,
    route: str,
    sandbox: Sandbox,
    portal: anyio.from_thread.BlockingPortal,
    sleeps: Sleeps,
    request: pytest.FixtureRequest,
) -> Iterator[MakeApi]:
    made: list[Api] = []

    def make(**options: Any) -> Api:
        options.setdefault("token", TOKEN)
        options.setdefault("max_retries", 3)
        if route == "socket":
            options.setdefault("base_url", request.getfixturevalue("server_url"))
        else:
            options.setdefault("base_url", "http://127.0.0.1")
        client: MetricaClient | AsyncMetricaClient
        if flavour == "sync":
            if route == "asgi":
                options.setdefault("transport", SyncASGITransport(sandbox, portal))
            options.setdefault("sleep", sleeps)
            client = MetricaClient(COUNTER, **options)
        else:
            if route == "asgi":
                options.setdefault("transport", httpx.ASGITransport(app=sandbox))
            options.setdefault("sleep", sleeps.asleep)
            client = AsyncMetricaClient(COUNTER, **options)
        api = Api(client, portal)
        made.append(api)
        return api

    yield make
    for api in made:
        api.close()


@pytest.fixture
def api(make_api: MakeApi) -> Api:
    return make_api()
