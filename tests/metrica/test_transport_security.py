"""The way to Metrica is safe for the token: TLS certificates are always verified and nothing —
no argument, no transport, no environment variable — turns that off silently; plain ``http://``
goes to loopback only, and never through a proxy (the token would cross a network in clear text).

``fixtures/tls/selfsigned.pem`` is an untrusted certificate for 127.0.0.1 and localhost (made with
``openssl req -x509 -newkey rsa:2048 -nodes -days 36500 -addext
"subjectAltName=IP:127.0.0.1,DNS:localhost"``), served by a tiny TLS server on 127.0.0.1. The
client refuses it before a byte of the request is sent; once it is trusted (``SSL_CERT_FILE`` or a
CA-pinning transport) the same server answers, so the refusal is the certificate check and
nothing else.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest

from callframe import UsageError
from callframe.metrica import AsyncMetricaClient, MetricaClient, MetricaTransportError

from ..conftest import FIXTURES
from .conftest import COUNTER, TOKEN, MakeApi

CERT = FIXTURES / "tls" / "selfsigned.pem"
KEY = FIXTURES / "tls" / "selfsigned.key"
EMPTY_LIST = b'{"uploadings": []}'
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@pytest.fixture
def route() -> str:
    return "socket"  # real sockets: an in-process transport would bypass proxies anyway


class Listener:
    """Accepts connections on 127.0.0.1 in a thread and records the bytes of each request head.

    With ``tls=True`` it speaks TLS with the self-signed certificate and answers ``200`` with an
    empty upload list; otherwise it plays an HTTP proxy that answers ``502`` to everything.
    """

    def __init__(self, *, tls: bool) -> None:
        self.received: list[bytes] = []
        self.failed_handshakes = 0
        self._context: ssl.SSLContext | None = None
        if tls:
            self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._context.load_cert_chain(CERT, KEY)
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._sock.settimeout(0.1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self._sock.getsockname()[1]}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                raw, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with raw:
                raw.settimeout(5)
                with contextlib.suppress(OSError, ssl.SSLError):
                    self._answer(raw)

    def _answer(self, raw: socket.socket) -> None:
        conn: socket.socket = raw
        if self._context is not None:
            try:
                conn = self._context.wrap_socket(raw, server_side=True)
            except (OSError, ssl.SSLError):
                self.failed_handshakes += 1
                return
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = conn.recv(65536)
            if not chunk:
                break
            head += chunk
        if head:
            self.received.append(head)
        if self._context is not None:
            answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            answer += b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(EMPTY_LIST)
            conn.sendall(answer + EMPTY_LIST)
            conn.close()
        else:
            conn.sendall(
                b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._sock.close()


@pytest.fixture
def tls_server() -> Iterator[Listener]:
    server = Listener(tls=True)
    yield server
    server.close()


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[Listener]:
    """A proxy on every proxy variable httpx reads, with nothing exempted."""
    server = Listener(tls=False)
    for name in PROXY_VARS:
        monkeypatch.setenv(name, f"http://{server.address}")
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    yield server
    server.close()


def list_uploads(
    cls: type[Any], base_url: str, sleeps: list[float] | None = None, **options: Any
) -> object:
    """``call_uploads()`` with the sync or the async client; sleeps (one before each retry) are
    recorded in ``sleeps``, not slept."""
    if sleeps is None:
        sleeps = []
    options.setdefault("max_retries", 2)
    if cls is MetricaClient:
        with MetricaClient(
            COUNTER, token=TOKEN, base_url=base_url, sleep=sleeps.append, **options
        ) as c:
            return c.call_uploads()

    async def go() -> object:
        async def asleep(seconds: float) -> None:
            sleeps.append(seconds)

        async with AsyncMetricaClient(
            COUNTER, token=TOKEN, base_url=base_url, sleep=asleep, **options
        ) as c:
            return await c.call_uploads()

    return anyio.run(go)


CLIENTS = pytest.mark.parametrize("cls", [MetricaClient, AsyncMetricaClient], ids=["sync", "async"])


# --- TLS ------------------------------------------------------------------------------------------


@CLIENTS
def test_an_untrusted_certificate_is_refused_before_the_request_is_sent(
    cls: type[Any], tls_server: Listener
) -> None:
    sleeps: list[float] = []
    with pytest.raises(MetricaTransportError) as caught:
        list_uploads(cls, f"https://{tls_server.address}", sleeps)
    message = str(caught.value)
    assert "certificate" in message and "SSL_CERT_FILE" in message
    assert sleeps == []  # a certificate failure is final: no retries
    deadline = time.monotonic() + 10
    while not tls_server.failed_handshakes and time.monotonic() < deadline:
        time.sleep(0.01)  # the server thread notes the failed handshake a moment later
    assert tls_server.failed_handshakes == 1
    assert tls_server.received == []  # no request line, no Authorization header


@CLIENTS
def test_a_trusted_certificate_works_so_the_refusal_is_the_certificate_check(
    cls: type[Any], tls_server: Listener, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(CERT))
    assert list_uploads(cls, f"https://{tls_server.address}") == []
    [head] = tls_server.received
    assert f"OAuth {TOKEN}".encode() in head  # the token went, inside TLS


@CLIENTS
def test_the_environment_cannot_turn_verification_off(
    cls: type[Any], tls_server: Listener, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "PYTHONHTTPSVERIFY": "0",
        "CURL_CA_BUNDLE": "",
        "REQUESTS_CA_BUNDLE": "",
        "SSL_CERT_FILE": "",
        "SSL_CERT_DIR": "",
    }.items():
        monkeypatch.setenv(name, value)
    # the stdlib's global escape hatch for urllib does not reach callframe either
    monkeypatch.setattr(ssl, "_create_default_https_context", ssl._create_unverified_context)
    with pytest.raises(MetricaTransportError, match="certificate"):
        list_uploads(cls, f"https://{tls_server.address}")
    assert tls_server.received == []


@CLIENTS
def test_there_is_no_verify_argument(cls: type[Any]) -> None:
    for name in ("verify", "ssl_context", "insecure"):
        with pytest.raises(TypeError):
            cls(COUNTER, token=TOKEN, **{name: False})


def _unverified_contexts() -> list[ssl.SSLContext]:
    no_hostname = ssl.create_default_context()
    no_hostname.check_hostname = False
    nothing = ssl.create_default_context()
    nothing.check_hostname = False
    nothing.verify_mode = ssl.CERT_NONE
    return [no_hostname, nothing]


@pytest.mark.parametrize(
    "make",
    [
        lambda: httpx.HTTPTransport(verify=False),
        lambda: httpx.HTTPTransport(verify=_unverified_contexts()[0]),
        lambda: httpx.HTTPTransport(verify=_unverified_contexts()[1]),
        lambda: httpx.HTTPTransport(verify=False, proxy="http://127.0.0.1:9"),
    ],
    ids=["verify-false", "no-hostname-check", "cert-none", "proxy-verify-false"],
)
def test_a_transport_without_verification_is_refused_not_used(make: Any) -> None:
    transport = make()
    with pytest.raises(UsageError, match="TLS certificate verification"):
        MetricaClient(COUNTER, token=TOKEN, transport=transport)
    transport.close()


def test_an_async_transport_without_verification_is_refused_too() -> None:
    transport = httpx.AsyncHTTPTransport(verify=False)
    with pytest.raises(UsageError, match="TLS certificate verification"):
        AsyncMetricaClient(COUNTER, token=TOKEN, transport=transport)
    anyio.run(transport.aclose)


def test_a_transport_that_pins_a_ca_is_accepted_and_verifies(tls_server: Listener) -> None:
    pinned = httpx.HTTPTransport(verify=ssl.create_default_context(cafile=CERT))
    assert list_uploads(MetricaClient, f"https://{tls_server.address}", transport=pinned) == []
    default = httpx.HTTPTransport()
    with pytest.raises(MetricaTransportError, match="certificate"):
        list_uploads(MetricaClient, f"https://{tls_server.address}", transport=default)


# --- plain http: loopback only, never via a proxy -----------------------------------------------


@CLIENTS
@pytest.mark.parametrize(
    "url", ["http://127.0.0.1", "http://127.0.0.1:8080", "http://localhost:9", "http://[::1]:9"]
)
def test_plain_http_to_loopback_is_allowed(cls: type[Any], url: str) -> None:
    client = cls(COUNTER, token=TOKEN, base_url=url)
    assert client.base_url == url
    if cls is MetricaClient:
        client.close()
    else:
        anyio.run(client.aclose)


@CLIENTS
@pytest.mark.parametrize(
    "url",
    [
        "http://example.com",
        "http://10.0.0.1",
        "http://192.168.1.20:8080",
        "http://api-metrika.yandex.net",
        "http://evil.localhost",  # *.localhost goes to DNS on common resolvers
        "http://localhost.example.com",
        "http://127.0.0.1.nip.io",
        "http://0.0.0.0:8080",
    ],
)
def test_plain_http_elsewhere_is_refused_saying_why(cls: type[Any], url: str) -> None:
    with pytest.raises(UsageError) as caught:
        cls(COUNTER, token=TOKEN, base_url=url)
    message = str(caught.value)
    assert "non-loopback" in message and "clear text" in message and "https://" in message
    assert TOKEN not in message


def test_loopback_requests_never_go_through_a_proxy(make_api: MakeApi, proxy: Listener) -> None:
    """A proxy from the environment would receive the token in clear text (and could not reach
    the sandbox on our loopback anyway)."""
    assert make_api().call_uploads() == []
    assert proxy.received == []


def test_through_a_proxy_the_token_travels_only_inside_tls(proxy: Listener) -> None:
    with pytest.raises(MetricaTransportError):
        list_uploads(MetricaClient, "https://api-metrika.yandex.net", max_retries=0)
    [head] = proxy.received  # the corporate-proxy case still works: a CONNECT tunnel
    assert head.startswith(b"CONNECT api-metrika.yandex.net:443 ")
    assert b"authorization" not in head.lower() and TOKEN.encode() not in head
