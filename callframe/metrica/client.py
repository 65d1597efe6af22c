"""``MetricaClient`` and ``AsyncMetricaClient``: upload calls and offline conversions, list them,
read one, and wait for processing — exactly once, with retries, at most three requests in flight.

Both clients are thin drivers over :class:`callframe.metrica._core.Core`, which holds every
request, the parsing and the policy once (see that module for how exactly-once works).

Example:
    >>> with callframe.MetricaClient(counter_id=12345) as client:       # doctest: +SKIP
    ...     result = client.upload_calls("calls.csv", comment="nightly")
    ...     for part in result.parts:                   # one upload per ID type of the rows
    ...         print(part.client_id_type, part.outcome, part.upload.id)  # sent/found/recovered
    ...     done = client.wait(result)              # until PROCESSED or LINKAGE_FAILURE
    ...     print(done.shortfalls)                  # rows Metrica did not take, if any
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self, TypeVar, overload

import anyio
import anyio.to_thread
import polars as pl

from callframe.errors import UsageError
from callframe.io.metrica_csv import METRICA_MAX_BYTES
from callframe.metrica._core import (
    Core,
    Flow,
    Offload,
    Secret,
    Send,
    Sleep,
    conversion_type,
)
from callframe.metrica._http import AsyncHttp, SyncHttp
from callframe.metrica._policy import (
    DEFAULT_BASE_URL,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    LIST_PAGE_SIZE,
    LOST_ANSWER_WINDOW,
    MAX_IN_FLIGHT,
    WAIT_TIMEOUT,
    LookPolicy,
    PollPolicy,
    RetryPolicy,
    check_base_url,
)
from callframe.metrica.models import (
    OfflineCallsUploading,
    OfflineConversionUploading,
    Uploading,
    UploadResult,
    VisitJoinThreshold,
)

__all__ = ["TOKEN_ENV", "AsyncMetricaClient", "MetricaClient", "UploadData"]

TOKEN_ENV = "METRICA_TOKEN"
"""Environment variable read when no ``token=`` is given."""

UploadData = pl.DataFrame | pl.LazyFrame | str | Path
"""A contract frame (validated, written with :func:`callframe.write_csv`) or a CSV path
(validated, then sent byte for byte)."""

Progress = Callable[[int, int], None]
"""Called with ``(bytes_sent, total_bytes)`` of the file being sent."""

T = TypeVar("T")
U = TypeVar("U", bound=Uploading)
ThresholdKind = Literal["calls", "conversions"]


def _secret(token: str | None) -> Secret:
    value = token if token is not None else os.environ.get(TOKEN_ENV)
    if value is None or not value.strip():
        raise UsageError(f"no Metrica token: pass token= or set {TOKEN_ENV}")
    value = value.strip()
    if not value.isascii() or any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in value):
        raise UsageError("the Metrica token contains spaces, control or non-ASCII characters")
    if value.lower().startswith(("oauth ", "bearer ")):
        raise UsageError("pass the token alone, without the 'OAuth ' prefix")
    return Secret(value)


def _threshold_kind(kind: object) -> ThresholdKind:
    if kind == "calls" or kind == "conversions":
        return kind
    raise UsageError(f"kind must be 'calls' or 'conversions', not {kind!r}")


def _counter(counter_id: object) -> int:
    if isinstance(counter_id, bool) or not isinstance(counter_id, int) or counter_id <= 0:
        raise UsageError(f"counter_id must be a positive integer, not {counter_id!r}")
    return counter_id


class _Base:
    """Construction, options and the argument handling both clients share."""

    _core: Core

    def __init__(
        self,
        counter_id: int,
        *,
        token: str | None,
        base_url: str,
        timeout: float,
        max_retries: int,
        clock: Callable[[], float],
        random: Callable[[], float],
        max_file_bytes: int,
        lost_answer_window: float,
    ) -> None:
        if timeout <= 0:
            raise UsageError(f"timeout must be positive seconds, not {timeout}")
        if max_file_bytes <= 0:
            raise UsageError(f"max_file_bytes must be positive, not {max_file_bytes}")
        self._core = Core(
            counter_id=_counter(counter_id),
            secret=_secret(token),
            base_url=check_base_url(base_url),
            retry=RetryPolicy(max_retries=max_retries),
            poll=PollPolicy(),
            clock=clock,
            wall_clock=time.time,
            rand=random,
            max_file_bytes=max_file_bytes,
            look=LookPolicy(window=lost_answer_window),
        )
        self.timeout = timeout

    @property
    def counter_id(self) -> int:
        return self._core.counter_id

    @property
    def base_url(self) -> str:
        return self._core.base_url

    @property
    def max_retries(self) -> int:
        return self._core.retry.max_retries

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(counter_id={self.counter_id}, base_url={self.base_url!r}, "
            "token='***')"
        )

    # --- flows for the public methods --------------------------------------------------------

    def _upload_calls_flow(
        self,
        data: UploadData,
        comment: str | None,
        new_goal_name: str | None,
        client_id_type: str | None,
        force: bool,
        now: int | float | datetime | None,
        progress: Progress | None,
        ignore_visit_join_threshold: bool,
        window_days: int | None,
    ) -> Flow[UploadResult]:
        params: tuple[tuple[str, str], ...] = ()
        if new_goal_name is not None:
            if not new_goal_name.strip():
                raise UsageError("new_goal_name must not be blank")
            params = (("new_goal_name", new_goal_name.strip()),)
        return self._core.upload(
            OfflineCallsUploading,
            data,
            contract_kind="calls",
            comment=comment,
            params=params,
            client_id_type=client_id_type,
            list_type=None,
            force=force,
            now=now,
            progress=progress,
            ignore_threshold=ignore_visit_join_threshold,
            window_days=window_days,
        )

    def _upload_conversions_flow(
        self,
        data: UploadData,
        comment: str | None,
        type: str,
        client_id_type: str | None,
        force: bool,
        now: int | float | datetime | None,
        progress: Progress | None,
        ignore_visit_join_threshold: bool,
        window_days: int | None,
    ) -> Flow[UploadResult]:
        kind = conversion_type(type)
        if kind == "CHATS":
            raise UsageError(
                "type='CHATS' is not supported: callframe has no contract for chat files and "
                "never sends a file it cannot validate"
            )
        params: tuple[tuple[str, str], ...] = (("type", kind),)
        if ignore_visit_join_threshold and kind == "CALLS":
            # which name Metrica reads for calls sent to …/upload is not documented: send both
            params = (*params, ("ignore_calls_visit_join_threshold", "1"))
        return self._core.upload(
            OfflineConversionUploading,
            data,
            contract_kind="calls" if kind == "CALLS" else "conversions",
            comment=comment,
            params=params,
            client_id_type=client_id_type,
            list_type=None if kind == "BASIC" else kind,
            force=force,
            now=now,
            progress=progress,
            ignore_threshold=ignore_visit_join_threshold,
            window_days=window_days,
        )


class MetricaClient(_Base):
    """Blocking client of Metrica's offline-conversion and call uploads.

    Args:
        counter_id: the Metrica counter (tag) id.
        token: an OAuth token with ``metrika:write`` or ``metrika:offline_data``; default: the
            ``METRICA_TOKEN`` environment variable. Never shown in a repr, log or error.
        base_url: ``https://api-metrika.yandex.net``, a proxy, or the sandbox. Plain ``http://``
            is refused unless the host is loopback.
        timeout: seconds for each connect/read/write step (connect at most 10 s).
        max_retries: retries after the first attempt for connection errors, timeouts, 429 and
            5xx (other 4xx are never retried).
        transport: an ``httpx.BaseTransport`` for tests (e.g. a mock); normally ``None``.
        sleep, clock, random: injectable for tests (``time.sleep``, ``time.monotonic``,
            ``random.random``).
        max_file_bytes: the largest file sent in one upload (Metrica's limit is 1 GB); larger
            frames go as several uploads.
        lost_answer_window: seconds an upload whose answer was lost (timeout, dropped
            connection, 5xx) is looked for among the listed uploads, with backoff, before it is
            sent again (default three minutes; 0: one look).
    """

    def __init__(
        self,
        counter_id: int,
        *,
        token: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        transport: object | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        random: Callable[[], float] = random.random,
        max_file_bytes: int = METRICA_MAX_BYTES,
        lost_answer_window: float = LOST_ANSWER_WINDOW,
    ) -> None:
        super().__init__(
            counter_id,
            token=token,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            clock=clock,
            random=random,
            max_file_bytes=max_file_bytes,
            lost_answer_window=lost_answer_window,
        )
        self._sleep = sleep
        self._slots = threading.BoundedSemaphore(MAX_IN_FLIGHT)
        self._http = SyncHttp(
            base_url=self._core.base_url,
            secret=self._core.secret,
            timeout=timeout,
            connect_timeout=DEFAULT_CONNECT_TIMEOUT,
            transport=transport,
        )

    def _run(self, flow: Flow[T]) -> T:
        reply: Any = None
        try:
            while True:
                try:
                    op = flow.send(reply)
                except StopIteration as stop:
                    result: T = stop.value
                    return result
                if isinstance(op, Send):
                    with self._slots:
                        reply = self._http.send(op.request)
                elif isinstance(op, Sleep):
                    self._sleep(op.seconds)
                    reply = None
                elif isinstance(op, Offload):
                    reply = op.fn()
        finally:
            flow.close()

    # --- uploads -------------------------------------------------------------------------------

    def upload_calls(
        self,
        data: UploadData,
        *,
        comment: str | None = None,
        new_goal_name: str | None = None,
        client_id_type: str | None = None,
        force: bool = False,
        now: int | float | datetime | None = None,
        progress: Progress | None = None,
        ignore_visit_join_threshold: bool = False,
        window_days: int | None = None,
    ) -> UploadResult:
        """Validate and upload calls (``POST …/upload_calls``), exactly once per part.

        ``data`` is a contract frame or the path of a calls CSV. An invalid file raises
        :class:`~callframe.ContractError` carrying the report, and nothing is sent; so does
        data Metrica would refuse whole (no data row, no ID column). ``client_id_type`` is
        always sent: rows using several ID columns go as one upload per type (a row with
        several IDs to the first of ClientId, Yclid, UserId it has — ``client_id_type`` puts
        that type first; rows without an ID with the first part), each its own part of the
        result; a file with one ID type goes byte for byte.

        The comment (letters, digits, spaces and ``. , : - _`` only, checked before any
        request; at most 240 characters) gets the marker `` cf<12 hex>`` of the part's
        content hash appended. When an upload with the same marker exists, it is returned
        (``outcome == "found"``) and nothing is sent, unless ``force=True``.
        ``ignore_visit_join_threshold`` sends ``ignore_calls_visit_join_threshold=1``: a
        counter that has not yet collected enough visits takes the upload anyway (otherwise
        :class:`~callframe.metrica.MetricaThresholdUnmetError`). ``window_days``: the
        counter's link window for the ``DateTime|older_than_21_days`` warning. ``now``
        anchors the time rules (default: the clock). ``result.partial`` says when Metrica did
        not take every row.
        """
        return self._run(
            self._upload_calls_flow(
                data,
                comment,
                new_goal_name,
                client_id_type,
                force,
                now,
                progress,
                ignore_visit_join_threshold,
                window_days,
            )
        )

    def upload_conversions(
        self,
        data: UploadData,
        *,
        comment: str | None = None,
        type: str = "BASIC",
        client_id_type: str | None = None,
        force: bool = False,
        now: int | float | datetime | None = None,
        progress: Progress | None = None,
        ignore_visit_join_threshold: bool = False,
        window_days: int | None = None,
    ) -> UploadResult:
        """Validate and upload offline conversions (``POST …/upload``), exactly once per part.

        ``type`` is ``BASIC`` (the conversions contract) or ``CALLS`` (the calls contract);
        ``ignore_visit_join_threshold`` sends ``ignore_visit_join_threshold=1``; otherwise as
        :meth:`upload_calls` (a row with only a ``PurchaseId`` goes with the first part).
        """
        return self._run(
            self._upload_conversions_flow(
                data,
                comment,
                type,
                client_id_type,
                force,
                now,
                progress,
                ignore_visit_join_threshold,
                window_days,
            )
        )

    # --- thresholds ------------------------------------------------------------------------------

    def visit_join_threshold(self, kind: ThresholdKind = "calls") -> VisitJoinThreshold:
        """When the counter starts taking uploads of ``kind`` (``GET …/calls_visit_join_threshold``
        or ``…/visit_join_threshold``)."""
        return self._run(self._core.visit_join_threshold(_threshold_kind(kind)))

    def enable_extended_threshold(self, kind: ThresholdKind = "calls") -> bool:
        """Turn on the extended conversion window (``POST …/calls_extended_threshold`` or
        ``…/extended_threshold``): sessions count for linking up to 21 days, growing from the
        day after. Returns ``True``; a refusal raises."""
        return self._run(self._core.extended_threshold(_threshold_kind(kind), True))

    def disable_extended_threshold(self, kind: ThresholdKind = "calls") -> bool:
        """Turn the extended conversion window off (``DELETE`` of the same path)."""
        return self._run(self._core.extended_threshold(_threshold_kind(kind), False))

    # --- reading ---------------------------------------------------------------------------------

    def call_uploads(
        self, limit: int | None = None, offset: int | None = None
    ) -> list[OfflineCallsUploading]:
        """One page of call uploads (``GET …/calls_uploadings``); Metrica's default limit is
        10000."""
        return self._run(self._core.list_page(OfflineCallsUploading, limit=limit, offset=offset))

    def iter_call_uploads(
        self, *, page_size: int = LIST_PAGE_SIZE
    ) -> Iterator[OfflineCallsUploading]:
        """Every call upload, fetching ``page_size`` at a time."""
        return self._iterate(OfflineCallsUploading, page_size, None)

    def call_upload(self, upload_id: int) -> OfflineCallsUploading:
        """One call upload (``GET …/calls_uploading/{id}``)."""
        return self._run(self._core.get_upload(OfflineCallsUploading, upload_id))

    def conversion_uploads(
        self, limit: int | None = None, offset: int | None = None, *, type: str | None = None
    ) -> list[OfflineConversionUploading]:
        """One page of offline-conversion uploads (``GET …/uploadings``)."""
        return self._run(
            self._core.list_page(OfflineConversionUploading, limit=limit, offset=offset, type=type)
        )

    def iter_conversion_uploads(
        self, *, page_size: int = LIST_PAGE_SIZE, type: str | None = None
    ) -> Iterator[OfflineConversionUploading]:
        """Every offline-conversion upload, fetching ``page_size`` at a time."""
        return self._iterate(OfflineConversionUploading, page_size, type)

    def conversion_upload(self, upload_id: int) -> OfflineConversionUploading:
        """One offline-conversion upload (``GET …/uploading/{id}``)."""
        return self._run(self._core.get_upload(OfflineConversionUploading, upload_id))

    def _iterate(self, model: type[U], page_size: int, type: str | None) -> Iterator[U]:
        # every page until an empty one (a server may cap the page below page_size)
        yield from self._run(self._core.iter_pages(model, page_size=page_size, type=type))

    # --- waiting ---------------------------------------------------------------------------------

    @overload
    def wait(
        self, target: UploadResult, *, timeout: float = ..., poll_interval: float | None = ...
    ) -> UploadResult: ...
    @overload
    def wait(self, target: U, *, timeout: float = ..., poll_interval: float | None = ...) -> U: ...
    @overload
    def wait(
        self,
        target: int,
        *,
        kind: Literal["calls", "conversions"],
        timeout: float = ...,
        poll_interval: float | None = ...,
    ) -> Uploading: ...

    def wait(
        self,
        target: UploadResult | Uploading | int,
        *,
        kind: Literal["calls", "conversions"] | None = None,
        timeout: float = WAIT_TIMEOUT,
        poll_interval: float | None = None,
    ) -> UploadResult | Uploading:
        """Poll until the upload is ``PROCESSED`` or ``LINKAGE_FAILURE``; return its final state.

        ``target`` is an :class:`UploadResult` (every part is waited for), an upload, or an
        upload id with ``kind``. Polls every ``poll_interval`` seconds (default 5), growing
        ×1.5 up to 60 s. Raises :class:`~callframe.metrica.MetricaWaitTimeoutError` after
        ``timeout`` seconds (default three hours).
        """
        return self._run(
            self._core.wait(target, kind=kind, timeout=timeout, poll_interval=poll_interval)
        )

    # --- lifecycle -------------------------------------------------------------------------------

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncMetricaClient(_Base):
    """The async twin of :class:`MetricaClient` (asyncio or trio): the same arguments, the same
    methods as coroutines; ``iter_*`` are async iterators; ``sleep`` is an async callable.

    At most three requests are in flight per client, however many tasks share it.
    """

    def __init__(
        self,
        counter_id: int,
        *,
        token: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        transport: object | None = None,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        clock: Callable[[], float] = time.monotonic,
        random: Callable[[], float] = random.random,
        max_file_bytes: int = METRICA_MAX_BYTES,
        lost_answer_window: float = LOST_ANSWER_WINDOW,
    ) -> None:
        super().__init__(
            counter_id,
            token=token,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            clock=clock,
            random=random,
            max_file_bytes=max_file_bytes,
            lost_answer_window=lost_answer_window,
        )
        self._sleep = sleep
        self._slots = anyio.Semaphore(MAX_IN_FLIGHT)
        self._http = AsyncHttp(
            base_url=self._core.base_url,
            secret=self._core.secret,
            timeout=timeout,
            connect_timeout=DEFAULT_CONNECT_TIMEOUT,
            transport=transport,
        )

    async def _run(self, flow: Flow[T]) -> T:
        reply: Any = None
        try:
            while True:
                try:
                    op = flow.send(reply)
                except StopIteration as stop:
                    result: T = stop.value
                    return result
                if isinstance(op, Send):
                    async with self._slots:
                        reply = await self._http.send(op.request)
                elif isinstance(op, Sleep):
                    await self._sleep(op.seconds)
                    reply = None
                elif isinstance(op, Offload):
                    reply = await anyio.to_thread.run_sync(op.fn)
        finally:
            flow.close()

    async def upload_calls(
        self,
        data: UploadData,
        *,
        comment: str | None = None,
        new_goal_name: str | None = None,
        client_id_type: str | None = None,
        force: bool = False,
        now: int | float | datetime | None = None,
        progress: Progress | None = None,
        ignore_visit_join_threshold: bool = False,
        window_days: int | None = None,
    ) -> UploadResult:
        """See :meth:`MetricaClient.upload_calls`."""
        return await self._run(
            self._upload_calls_flow(
                data,
                comment,
                new_goal_name,
                client_id_type,
                force,
                now,
                progress,
                ignore_visit_join_threshold,
                window_days,
            )
        )

    async def upload_conversions(
        self,
        data: UploadData,
        *,
        comment: str | None = None,
        type: str = "BASIC",
        client_id_type: str | None = None,
        force: bool = False,
        now: int | float | datetime | None = None,
        progress: Progress | None = None,
        ignore_visit_join_threshold: bool = False,
        window_days: int | None = None,
    ) -> UploadResult:
        """See :meth:`MetricaClient.upload_conversions`."""
        return await self._run(
            self._upload_conversions_flow(
                data,
                comment,
                type,
                client_id_type,
                force,
                now,
                progress,
                ignore_visit_join_threshold,
                window_days,
            )
        )

    async def visit_join_threshold(self, kind: ThresholdKind = "calls") -> VisitJoinThreshold:
        """See :meth:`MetricaClient.visit_join_threshold`."""
        return await self._run(self._core.visit_join_threshold(_threshold_kind(kind)))

    async def enable_extended_threshold(self, kind: ThresholdKind = "calls") -> bool:
        """See :meth:`MetricaClient.enable_extended_threshold`."""
        return await self._run(self._core.extended_threshold(_threshold_kind(kind), True))

    async def disable_extended_threshold(self, kind: ThresholdKind = "calls") -> bool:
        """See :meth:`MetricaClient.disable_extended_threshold`."""
        return await self._run(self._core.extended_threshold(_threshold_kind(kind), False))

    async def call_uploads(
        self, limit: int | None = None, offset: int | None = None
    ) -> list[OfflineCallsUploading]:
        return await self._run(
            self._core.list_page(OfflineCallsUploading, limit=limit, offset=offset)
        )

    def iter_call_uploads(
        self, *, page_size: int = LIST_PAGE_SIZE
    ) -> AsyncIterator[OfflineCallsUploading]:
        return self._iterate(OfflineCallsUploading, page_size, None)

    async def call_upload(self, upload_id: int) -> OfflineCallsUploading:
        return await self._run(self._core.get_upload(OfflineCallsUploading, upload_id))

    async def conversion_uploads(
        self, limit: int | None = None, offset: int | None = None, *, type: str | None = None
    ) -> list[OfflineConversionUploading]:
        return await self._run(
            self._core.list_page(OfflineConversionUploading, limit=limit, offset=offset, type=type)
        )

    def iter_conversion_uploads(
        self, *, page_size: int = LIST_PAGE_SIZE, type: str | None = None
    ) -> AsyncIterator[OfflineConversionUploading]:
        return self._iterate(OfflineConversionUploading, page_size, type)

    async def conversion_upload(self, upload_id: int) -> OfflineConversionUploading:
        return await self._run(self._core.get_upload(OfflineConversionUploading, upload_id))

    async def _iterate(self, model: type[U], page_size: int, type: str | None) -> AsyncIterator[U]:
        # every page until an empty one (a server may cap the page below page_size)
        for item in await self._run(self._core.iter_pages(model, page_size=page_size, type=type)):
            yield item

    @overload
    async def wait(
        self, target: UploadResult, *, timeout: float = ..., poll_interval: float | None = ...
    ) -> UploadResult: ...
    @overload
    async def wait(
        self, target: U, *, timeout: float = ..., poll_interval: float | None = ...
    ) -> U: ...
    @overload
    async def wait(
        self,
        target: int,
        *,
        kind: Literal["calls", "conversions"],
        timeout: float = ...,
        poll_interval: float | None = ...,
    ) -> Uploading: ...

    async def wait(
        self,
        target: UploadResult | Uploading | int,
        *,
        kind: Literal["calls", "conversions"] | None = None,
        timeout: float = WAIT_TIMEOUT,
        poll_interval: float | None = None,
    ) -> UploadResult | Uploading:
        """See :meth:`MetricaClient.wait`."""
        return await self._run(
            self._core.wait(target, kind=kind, timeout=timeout, poll_interval=poll_interval)
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
