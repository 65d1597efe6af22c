"""The token appears in no repr, log line (DEBUG included, every logger), exception message,
traceback or pickled error — on every error path, sync and async, over a real socket."""

from __future__ import annotations

import logging
import pickle
import socket
import traceback
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from callframe import CallframeError, ContractError, UsageError
from callframe.metrica import (
    AsyncMetricaClient,
    MetricaAuthError,
    MetricaClient,
    MetricaError,
    MetricaInvalidUploadError,
    MetricaNotFoundError,
    MetricaQuotaError,
    MetricaServerError,
    MetricaTransportError,
    MetricaWaitTimeoutError,
)
from callframe.metrica._core import Secret
from callframe.metrica.sandbox import Fault, Sandbox

from ..conftest import FIXTURES, NOW
from .conftest import COUNTER, TOKEN, MakeApi

CALLS = FIXTURES / "metrica" / "calls_client_ids.csv"  # one ID type: one upload
DEFECTS = FIXTURES / "metrica" / "defects" / "calls_defects.csv"


@pytest.fixture
def route() -> str:
    return "socket"


@pytest.fixture(autouse=True)
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)  # the root logger: httpx, httpcore, uvicorn, callframe
    return caplog


def _chain(error: BaseException) -> list[BaseException]:
    """``error`` and every exception it was raised from or during (even when suppressed)."""
    out: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and all(current is not e for e in out):
        out.append(current)
        current = current.__cause__ or current.__context__
    return out


def assert_no_token(caplog: pytest.LogCaptureFixture, *things: object) -> None:
    texts = [caplog.text]
    for record in caplog.records:
        texts.append(record.getMessage())
        texts.append(repr(record.args))
        if record.exc_info and record.exc_info[1] is not None:
            things += (record.exc_info[1],)
    for thing in things:
        texts += [str(thing), repr(thing)]
        if isinstance(thing, BaseException):
            texts.append("".join(traceback.format_exception(thing)))
            texts.append(repr(pickle.dumps(thing)))
            for error in _chain(thing):
                texts += [str(error), repr(error), repr(error.args), repr(vars(error))]
    leaks = [t for t in texts if TOKEN in t]
    assert leaks == []


def raises(cls: type[BaseException], fn: Callable[[], Any]) -> BaseException:
    with pytest.raises(cls) as caught:
        fn()
    return caught.value


def test_reprs_hide_the_token(make_api: MakeApi, sandbox: Sandbox, caplog: Any) -> None:
    api = make_api()
    secret = Secret(TOKEN)
    assert_no_token(caplog, api.client, sandbox, secret, vars(api.client), vars(api.client._core))
    with pytest.raises(TypeError):
        pickle.dumps(secret)


def test_a_wrong_token_is_a_clear_auth_error(make_api: MakeApi, caplog: Any) -> None:
    api = make_api(token="some-other-token-123")
    error = raises(MetricaAuthError, api.call_uploads)
    assert error.status_code == 403 and error.error_type == "invalid_token"
    assert "check the token" in str(error)
    assert_no_token(caplog, error)


def test_every_error_path_is_clean(make_api: MakeApi, sandbox: Sandbox, caplog: Any) -> None:
    api = make_api(timeout=0.3)
    found: list[BaseException] = []

    def collect(cls: type[BaseException], fn: Callable[[], Any]) -> None:
        found.append(raises(cls, fn))

    collect(MetricaNotFoundError, lambda: api.call_upload(123456))
    collect(ContractError, lambda: api.upload_calls(DEFECTS, now=NOW))
    sandbox.max_file_bytes = 64  # over the server's size limit: refused whole
    collect(MetricaInvalidUploadError, lambda: api.upload_calls(CALLS, now=NOW))
    sandbox.max_file_bytes = 1 << 30
    sandbox.inject(Fault("error", on="list", status=503, times=10))
    collect(MetricaServerError, api.call_uploads)
    sandbox.clear_faults()
    sandbox.inject(Fault("rate_limit", on="list", retry_after=999))
    collect(MetricaQuotaError, api.call_uploads)
    sandbox.inject(Fault("delay", on="list", seconds=0.6, after_store=False, times=10))
    collect(MetricaTransportError, api.call_uploads)  # read timeouts, retried, then raised
    sandbox.clear_faults()
    # the answer is lost, and the check for it fails too (the first list, before sending, works)
    sandbox.inject(Fault("drop"), Fault("error", on="list", times=10, skip=1))
    collect(MetricaServerError, lambda: api.upload_calls(CALLS, now=NOW))
    sandbox.clear_faults()
    sandbox.processing_seconds = 3600
    result = api.upload_calls(CALLS, now=NOW, force=True)
    collect(MetricaWaitTimeoutError, lambda: api.wait(result, timeout=0))
    collect(UsageError, lambda: api.wait("nope"))
    assert len(found) == 9
    assert "re-running is safe" in str(found[6])
    # DEBUG records of every layer were captured (so their absence of the token means something)
    loggers = {record.name.split(".")[0] for record in caplog.records}
    assert {"callframe", "httpx", "httpcore"} <= loggers
    assert_no_token(caplog, *found)


def test_no_server_at_all(make_api: MakeApi, caplog: Any) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    api = make_api(base_url=f"http://127.0.0.1:{port}", max_retries=1)
    error = raises(MetricaTransportError, api.call_uploads)
    assert "no answer from http://127.0.0.1" in str(error)
    assert_no_token(caplog, error)


@pytest.mark.parametrize("cls", [MetricaClient, AsyncMetricaClient])
def test_a_server_echoing_the_token_is_scrubbed(cls: type[Any], caplog: Any) -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        said = request.headers["authorization"]
        body = {"errors": [{"error_type": "invalid_token", "message": f"bad {said}"}]}
        return httpx.Response(403, json=body)

    if cls is MetricaClient:
        with MetricaClient(COUNTER, token=TOKEN, transport=httpx.MockTransport(echo)) as c:
            error = raises(MetricaAuthError, c.call_uploads)
    else:
        import anyio

        async def go() -> BaseException:
            transport = httpx.MockTransport(echo)
            async with AsyncMetricaClient(COUNTER, token=TOKEN, transport=transport) as c:
                with pytest.raises(MetricaAuthError) as caught:
                    await c.call_uploads()
            return caught.value

        error = anyio.run(go)
    assert isinstance(error, MetricaError) and "bad OAuth ***" in error.message
    assert_no_token(caplog, error, *error.errors)


def _echo_everywhere(request: httpx.Request) -> httpx.Response:
    said = request.headers["authorization"]
    item = {"error_type": said, "message": said, "location": said}
    return httpx.Response(400, json={"errors": [item, item], "code": 400, "message": said})


def _echo_across_the_cut(visible: int) -> Callable[[httpx.Request], httpx.Response]:
    """A non-JSON body (a proxy's page) whose first 300 characters end ``visible`` characters
    into the token: only the start of the body is kept in the message."""

    def handler(request: httpx.Request) -> httpx.Response:
        said = request.headers["authorization"]  # "OAuth <token>"
        pad = "x" * (300 - len("OAuth ") - visible)
        return httpx.Response(502, text=f"{pad}{said} and more")

    return handler


@pytest.mark.parametrize(
    "handler",
    [_echo_everywhere, _echo_across_the_cut(4), _echo_across_the_cut(12), _echo_across_the_cut(20)],
    ids=["every-field", "cut-after-4", "cut-after-12", "cut-after-20"],
)
def test_a_token_echoed_in_any_field_or_cut_in_half_is_scrubbed(
    handler: Callable[[httpx.Request], httpx.Response], caplog: Any
) -> None:
    with MetricaClient(
        COUNTER, token=TOKEN, transport=httpx.MockTransport(handler), max_retries=0
    ) as c:
        error = raises(MetricaError, c.call_uploads)
    assert isinstance(error, MetricaError)
    texts = [str(error), repr(vars(error)), repr(error.errors)]
    partial = [TOKEN[:n] for n in (4, 12, 20)]  # not even the start of it
    assert [p for p in partial if any(p in t for t in texts)] == []
    assert "OAuth ***" in str(error)
    assert_no_token(caplog, error, *error.errors)


def test_usage_errors_do_not_echo_the_token(monkeypatch: pytest.MonkeyPatch, caplog: Any) -> None:
    errors = [
        raises(UsageError, lambda: MetricaClient(COUNTER, token=f"OAuth {TOKEN}")),
        raises(UsageError, lambda: MetricaClient(COUNTER, token=f"{TOKEN}\nX-Evil: 1")),
        raises(
            UsageError, lambda: MetricaClient(COUNTER, token=TOKEN, base_url=f"https://u:{TOKEN}@h")
        ),
        raises(
            UsageError, lambda: MetricaClient(COUNTER, token=TOKEN, base_url=f"ftp://{TOKEN}@h")
        ),
    ]
    monkeypatch.delenv("METRICA_TOKEN", raising=False)
    errors.append(raises(UsageError, lambda: MetricaClient(COUNTER)))
    assert "METRICA_TOKEN" in str(errors[-1])
    assert all(isinstance(e, CallframeError) for e in errors)
    assert_no_token(caplog, *errors)


def test_the_token_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, make_api: MakeApi, sandbox: Sandbox, caplog: Any
) -> None:
    monkeypatch.setenv("METRICA_TOKEN", TOKEN)
    api = make_api(token=None)
    assert api.call_uploads() == []
    assert_no_token(caplog, api.client)
