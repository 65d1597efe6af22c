"""The only module that imports httpx: turn :class:`HttpRequest` into a real request.

Both transports send ``Authorization: OAuth <token>`` through an :class:`httpx.Auth` that adds
it at send time, so the token is in no default header, no repr and no log line. Redirects are
not followed. TLS verification is always on and cannot be turned off: there is no ``verify``
argument, and an httpx transport built without verification is refused; a certificate that
fails verification is a final error (never retried) saying how to trust a proxy's CA
(``SSL_CERT_FILE``). Requests to a loopback host never go through a proxy from the environment
(``HTTP_PROXY`` …): it would get the token in clear text, and could not reach our loopback
anyway. A file goes as a real ``multipart/form-data`` part (``file``, a filename, ``text/csv``)
with an exact ``Content-Length``, streamed from disk in ``CHUNK`` pieces, reporting progress.
Every httpx error becomes a :class:`TransportFailure` saying whether the request may have
reached the server.
"""

from __future__ import annotations

import hashlib
import secrets
import ssl
from collections.abc import AsyncIterator, Generator, Iterator
from importlib.metadata import PackageNotFoundError, version
from typing import Any, BinaryIO

import anyio.to_thread
import httpx

from callframe.errors import UsageError
from callframe.metrica._core import FileBody, HttpReply, HttpRequest, Secret, TransportFailure
from callframe.metrica._policy import is_loopback_host

__all__ = ["CHUNK", "AsyncHttp", "SyncHttp", "user_agent"]

CHUNK = 1024 * 1024
"""Bytes read from disk and written to the socket at a time."""


def user_agent() -> str:
    try:
        v = version("callframe")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        v = "dev"
    return f"callframe/{v} httpx/{httpx.__version__}"


class _OAuth(httpx.Auth):
    def __init__(self, secret: Secret) -> None:
        self._secret = secret

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"OAuth {self._secret.reveal()}"
        yield request

    def __repr__(self) -> str:
        return "<OAuth ***>"


def _timeout(timeout: float, connect: float) -> httpx.Timeout:
    return httpx.Timeout(timeout, connect=min(connect, timeout))


def _verifies_tls(transport: object) -> bool:
    """False for one of httpx's network transports set not to verify certificates or hostnames
    (or whose TLS settings cannot be read: refuse rather than guess). Other transports (mocks,
    ``ASGITransport``) open no TLS connection of their own."""
    if not isinstance(transport, httpx.HTTPTransport | httpx.AsyncHTTPTransport):
        return True
    context = getattr(getattr(transport, "_pool", None), "_ssl_context", None)
    if not isinstance(context, ssl.SSLContext):
        return False
    return context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def _client_options(
    base_url: str, secret: Secret, timeout: float, connect_timeout: float, transport: object
) -> dict[str, Any]:
    """What both ``httpx`` clients are built with; refuses what would expose the token."""
    if transport is not None and not _verifies_tls(transport):
        raise UsageError(
            "this transport turns TLS certificate verification off (or hides whether it is on): "
            "callframe never sends the token over unverified TLS. Build it with verify=True or "
            "with an ssl context trusting your CA; or set SSL_CERT_FILE to your proxy's CA bundle"
        )
    url = httpx.URL(base_url)
    loopback = is_loopback_host(url.host)
    if url.scheme != "https" and not loopback:  # check_base_url said so; httpx must agree
        raise UsageError(
            f"base_url {base_url!r} is plain http to a non-loopback host: the token would "
            "travel in clear text. Use https://"
        )
    host = f"[{url.host}]" if ":" in url.host else url.host
    return {
        "base_url": base_url,
        "auth": _OAuth(secret),
        "timeout": _timeout(timeout, connect_timeout),
        "transport": transport,
        # loopback never through an environment proxy (None: the client's own transport)
        "mounts": {f"all://{host}": None} if loopback else None,
        "follow_redirects": False,
        "verify": True,
        "headers": {"User-Agent": user_agent(), "Accept": "application/json"},
    }


class _Multipart:
    """The bytes around the file: boundary line and part headers before, closing line after."""

    def __init__(self, body: FileBody) -> None:
        self.body = body
        self.boundary = f"callframe-{secrets.token_hex(16)}"
        name = body.filename.replace("\\", "\\\\").replace('"', "%22")
        name = name.replace("\r", " ").replace("\n", " ")
        self.head = (
            f"--{self.boundary}\r\n"
            f'Content-Disposition: form-data; name="{body.field}"; filename="{name}"\r\n'
            f"Content-Type: {body.content_type}\r\n\r\n"
        ).encode()
        self.tail = f"\r\n--{self.boundary}--\r\n".encode()
        self.length = len(self.head) + body.size + len(self.tail)

    @property
    def headers(self) -> dict[str, str]:
        return {
            "Content-Type": f"multipart/form-data; boundary={self.boundary}",
            "Content-Length": str(self.length),
        }

    def _finish(self, sent: int, digest: hashlib._Hash) -> None:
        if sent != self.body.size or digest.hexdigest() != self.body.sha256:
            # the file changed after it was validated and hashed: never let those bytes count;
            # raising before the closing boundary leaves the server an incomplete request
            raise UsageError(
                f"{self.body.path} changed while it was being uploaded; nothing was stored — "
                "upload it again"
            )

    def _report(self, sent: int) -> None:
        if self.body.progress is not None:
            self.body.progress(sent, self.body.size)

    def chunks(self) -> Iterator[bytes]:
        yield self.head
        sent, digest = 0, hashlib.sha256()
        self._report(0)
        with self.body.path.open("rb") as fh:
            while want := min(CHUNK, self.body.size - sent):
                block = fh.read(want)
                if not block:
                    break
                digest.update(block)
                sent += len(block)
                yield block
                self._report(sent)
            if fh.read(1):
                sent += 1
        self._finish(sent, digest)
        yield self.tail

    async def achunks(self) -> AsyncIterator[bytes]:
        yield self.head
        sent, digest = 0, hashlib.sha256()
        self._report(0)
        fh: BinaryIO = await anyio.to_thread.run_sync(self.body.path.open, "rb")
        try:
            while want := min(CHUNK, self.body.size - sent):
                block = await anyio.to_thread.run_sync(fh.read, want)
                if not block:
                    break
                digest.update(block)
                sent += len(block)
                yield block
                self._report(sent)
            if fh.read(1):
                sent += 1
        finally:
            fh.close()
        self._finish(sent, digest)
        yield self.tail


def _certificate_error(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return cause
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return None


def _failure(exc: httpx.RequestError) -> TransportFailure:
    reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    refused = _certificate_error(exc)
    if refused is not None:  # the same certificate fails the same way next time: final
        why = refused.verify_message or "the certificate is not trusted"
        return TransportFailure(
            f"TLS certificate verification failed: {why}. Nothing was sent. callframe never "
            "turns verification off; if a proxy re-signs TLS, set SSL_CERT_FILE to its CA bundle",
            reached=False,
            timeout=False,
            retryable=False,
        )
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return TransportFailure(reason, reached=False, timeout=True, retryable=True)
    if isinstance(exc, httpx.TimeoutException):
        return TransportFailure(reason, reached=True, timeout=True, retryable=True)
    if isinstance(exc, httpx.ConnectError):
        return TransportFailure(reason, reached=False, timeout=False, retryable=True)
    if isinstance(exc, httpx.NetworkError | httpx.RemoteProtocolError):
        return TransportFailure(reason, reached=True, timeout=False, retryable=True)
    return TransportFailure(reason, reached=False, timeout=False, retryable=False)


def _reply(response: httpx.Response) -> HttpReply:
    headers = {k.lower(): v for k, v in response.headers.items()}
    return HttpReply(response.status_code, headers, response.content)


def _build(
    client: httpx.Client | httpx.AsyncClient,
    req: HttpRequest,
    content: object,
    extra: dict[str, str],
) -> httpx.Request:
    return client.build_request(
        req.method,
        req.path,
        params=list(req.params),
        headers=extra,
        content=content,  # type: ignore[arg-type]
    )


class SyncHttp:
    """Blocking transport over one ``httpx.Client`` (connection pooling, keep-alive)."""

    def __init__(
        self,
        *,
        base_url: str,
        secret: Secret,
        timeout: float,
        connect_timeout: float,
        transport: object | None = None,
    ) -> None:
        if transport is not None and not isinstance(transport, httpx.BaseTransport):
            raise UsageError("transport must be an httpx.BaseTransport for MetricaClient")
        self._client = httpx.Client(
            **_client_options(base_url, secret, timeout, connect_timeout, transport)
        )

    def send(self, req: HttpRequest) -> HttpReply | TransportFailure:
        extra: dict[str, str] = {}
        content: object = None
        if req.body is not None:
            multipart = _Multipart(req.body)
            extra, content = multipart.headers, multipart.chunks()
        try:
            request = _build(self._client, req, content, extra)
            return _reply(self._client.send(request))
        except httpx.RequestError as exc:
            return _failure(exc)

    def close(self) -> None:
        self._client.close()


class AsyncHttp:
    """Async transport over one ``httpx.AsyncClient`` (asyncio or trio, through anyio)."""

    def __init__(
        self,
        *,
        base_url: str,
        secret: Secret,
        timeout: float,
        connect_timeout: float,
        transport: object | None = None,
    ) -> None:
        if transport is not None and not isinstance(transport, httpx.AsyncBaseTransport):
            raise UsageError(
                "transport must be an httpx.AsyncBaseTransport (e.g. httpx.ASGITransport) "
                "for AsyncMetricaClient"
            )
        self._client = httpx.AsyncClient(
            **_client_options(base_url, secret, timeout, connect_timeout, transport)
        )

    async def send(self, req: HttpRequest) -> HttpReply | TransportFailure:
        extra: dict[str, str] = {}
        content: object = None
        if req.body is not None:
            multipart = _Multipart(req.body)
            extra, content = multipart.headers, multipart.achunks()
        try:
            request = _build(self._client, req, content, extra)
            return _reply(await self._client.send(request))
        except httpx.RequestError as exc:
            return _failure(exc)

    async def aclose(self) -> None:
        await self._client.aclose()
