"""The one implementation behind :class:`MetricaClient` and :class:`AsyncMetricaClient`.

Every operation (a request with retries, listing, the exactly-once upload, waiting) is written
once, as a generator that *yields* what it needs done and receives the result:

* :class:`Send` — perform one HTTP request; the driver sends back an :class:`HttpReply` or a
  :class:`TransportFailure` (never an exception from the HTTP library);
* :class:`Sleep` — wait that many seconds (the driver's sleeper is injectable, so tests never
  sleep);
* :class:`Offload` — run a blocking function (validating or writing a file); the async driver
  runs it in a worker thread.

The sync driver runs these with ``httpx.Client`` and ``time.sleep``, the async one with
``httpx.AsyncClient`` and ``anyio.sleep``; both hold one of ``MAX_IN_FLIGHT`` slots around each
request. Nothing here imports httpx.

Exactly once: the comment of every upload ends with ``[cf:<12 hex>]``, the start of the SHA-256
of the file's bytes. Before sending, the uploads listed for the counter are searched for that
marker: a match means this data was uploaded before (``FOUND``, not sent again unless
``force``). When an attempt ends without a clear answer (timeout, dropped connection, 5xx) the
list is searched again before the next attempt: a new match means the server stored it
(``RECOVERED``).
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, TypeVar, cast

import polars as pl

from callframe.contract.columns import Kind
from callframe.errors import UsageError
from callframe.metrica._files import FileFacts, check_file
from callframe.metrica._policy import (
    LIST_PAGE_SIZE,
    PollPolicy,
    RetryPolicy,
    parse_retry_after,
    retryable_status,
)
from callframe.metrica.errors import (
    MetricaError,
    MetricaTimeoutError,
    MetricaTransportError,
    MetricaWaitTimeoutError,
    error_from_response,
)
from callframe.metrica.models import (
    HASH_PATTERN,
    OfflineCallsUploading,
    OfflineConversionUploading,
    Uploading,
    UploadOutcome,
    UploadPart,
    UploadResult,
)

__all__ = [
    "CLIENT_ID_TYPES",
    "COMMENT_MAX",
    "CONVERSION_TYPES",
    "Core",
    "FileBody",
    "Flow",
    "HttpReply",
    "HttpRequest",
    "Offload",
    "Op",
    "Secret",
    "Send",
    "Sleep",
    "TransportFailure",
    "conversion_type",
]

logger = logging.getLogger("callframe.metrica")

COMMENT_MAX = 255
CLIENT_ID_TYPES = ("CLIENT_ID", "USER_ID", "YCLID")
CONVERSION_TYPES = ("BASIC", "CALLS", "CHATS")
_ID_COLUMN_TYPE = {"ClientId": "CLIENT_ID", "UserId": "USER_ID", "Yclid": "YCLID"}
_MARKER_LEN = len(" [cf:000000000000]")
_PREFIX = "/management/v1/counter/{counter}/offline_conversions"

U = TypeVar("U", bound=Uploading)
T = TypeVar("T")


class Secret:
    """A token that never shows itself: ``repr`` and ``str`` are ``'***'``; not picklable."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def scrub(self, text: str) -> str:
        """``text`` with every occurrence of the secret replaced by ``***``."""
        if len(self._value) >= 4 and self._value in text:
            return text.replace(self._value, "***")
        return text

    def __repr__(self) -> str:
        return "'***'"

    __str__ = __repr__

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a token cannot be pickled")


# --- what the generators yield and receive ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class FileBody:
    """A file sent as the multipart part ``file`` (filename, ``text/csv``), streamed from disk."""

    path: Path
    filename: str
    size: int
    sha256: str
    """Checked while streaming: a file changed since it was validated is not sent."""
    progress: Callable[[int, int], None] | None = None
    field: str = "file"
    content_type: str = "text/csv"


@dataclass(frozen=True, slots=True)
class HttpRequest:
    method: Literal["GET", "POST"]
    path: str
    params: tuple[tuple[str, str], ...] = ()
    body: FileBody | None = None


@dataclass(frozen=True, slots=True)
class HttpReply:
    status: int
    headers: Mapping[str, str]
    """Lower-case names."""
    content: bytes


@dataclass(frozen=True, slots=True)
class TransportFailure:
    """No HTTP answer. ``reached``: the request may have arrived (the body was being sent or
    had been sent); ``retryable``: a network hiccup rather than a broken request."""

    reason: str
    reached: bool
    timeout: bool
    retryable: bool


@dataclass(frozen=True, slots=True)
class Send:
    request: HttpRequest


@dataclass(frozen=True, slots=True)
class Sleep:
    seconds: float


@dataclass(frozen=True, slots=True)
class Offload:
    fn: Callable[[], object]


Op = Send | Sleep | Offload
Flow = Generator[Op, Any, T]


@dataclass(frozen=True, slots=True)
class _Failure:
    error: MetricaError
    retryable: bool
    ambiguous: bool
    retry_after: float | None = None


@dataclass(frozen=True, slots=True)
class _Prepared:
    path: Path
    filename: str
    facts: FileFacts


@dataclass(slots=True)
class _Batch:
    files: list[_Prepared]
    tmp: tempfile.TemporaryDirectory[str] | None = None

    def cleanup(self) -> None:
        if self.tmp is not None:
            self.tmp.cleanup()


def _model_for(kind: Literal["calls", "conversions"]) -> type[Uploading]:
    return OfflineCallsUploading if kind == "calls" else OfflineConversionUploading


class Core:
    """State and policy shared by both clients; every public operation returns a :data:`Flow`."""

    def __init__(
        self,
        *,
        counter_id: int,
        secret: Secret,
        base_url: str,
        retry: RetryPolicy,
        poll: PollPolicy,
        clock: Callable[[], float],
        wall_clock: Callable[[], float],
        rand: Callable[[], float],
        max_file_bytes: int,
    ) -> None:
        self.counter_id = counter_id
        self.secret = secret
        self.base_url = base_url
        self.retry = retry
        self.poll = poll
        self.clock = clock
        self.wall_clock = wall_clock
        self.rand = rand
        self.max_file_bytes = max_file_bytes
        self.prefix = _PREFIX.format(counter=counter_id)

    # --- paths --------------------------------------------------------------------------------

    def _list_path(self, model: type[Uploading]) -> str:
        name = "calls_uploadings" if model.kind == "calls" else "uploadings"
        return f"{self.prefix}/{name}"

    def _get_path(self, model: type[Uploading], upload_id: int) -> str:
        name = "calls_uploading" if model.kind == "calls" else "uploading"
        return f"{self.prefix}/{name}/{upload_id}"

    # --- one request ----------------------------------------------------------------------------

    def _attempt(self, req: HttpRequest, *, is_upload: bool) -> Flow[HttpReply | _Failure]:
        reply = yield Send(req)
        if isinstance(reply, TransportFailure):
            cls = MetricaTimeoutError if reply.timeout else MetricaTransportError
            lost = cls(
                f"no answer from {self.base_url} ({self.secret.scrub(reply.reason)})",
                method=req.method,
                path=req.path,
            )
            return _Failure(lost, reply.retryable, reply.reached)
        reply = cast(HttpReply, reply)
        if 200 <= reply.status < 300:
            return reply
        retry_after = parse_retry_after(reply.headers, self.wall_clock())
        error = error_from_response(
            reply.status,
            reply.content,
            method=req.method,
            path=req.path,
            is_upload=is_upload,
            retry_after=retry_after,
            scrub=self.secret.scrub,
        )
        return _Failure(error, retryable_status(reply.status), reply.status >= 500, retry_after)

    def _delay(self, failure: _Failure, retry: int) -> float | None:
        if not failure.retryable or retry >= self.retry.max_retries:
            return None
        return self.retry.delay(retry, self.rand(), failure.retry_after)

    def call(self, req: HttpRequest) -> Flow[HttpReply]:
        """One request, retried per the policy; raises the typed error when it gives up."""
        retry = 0
        while True:
            result = yield from self._attempt(req, is_upload=False)
            if isinstance(result, HttpReply):
                logger.debug("%s %s -> %s", req.method, req.path, result.status)
                return result
            delay = self._delay(result, retry)
            if delay is None:
                raise result.error
            logger.info(
                "%s %s failed (%s); retry %d of %d in %.2f s",
                req.method,
                req.path,
                _short(result.error),
                retry + 1,
                self.retry.max_retries,
                delay,
            )
            yield Sleep(delay)
            retry += 1

    def _json(self, reply: HttpReply, req: HttpRequest) -> Mapping[str, Any]:
        try:
            body = json.loads(reply.content)
        except ValueError:
            body = None
        if not isinstance(body, Mapping):
            raise MetricaError(
                "the answer is not a JSON object", method=req.method, path=req.path
            ) from None
        return body

    def _model(self, model: type[U], data: object, req: HttpRequest) -> U:
        if not isinstance(data, Mapping):
            raise MetricaError(
                "the answer has no upload object", method=req.method, path=req.path
            ) from None
        try:
            return model.from_api(data)
        except ValueError as exc:
            raise MetricaError(str(exc), method=req.method, path=req.path) from None

    # --- reading ------------------------------------------------------------------------------

    def get_upload(self, model: type[U], upload_id: int) -> Flow[U]:
        _check_id(upload_id)
        req = HttpRequest("GET", self._get_path(model, upload_id))
        reply = yield from self.call(req)
        return self._model(model, self._json(reply, req).get("uploading"), req)

    def list_page(
        self,
        model: type[U],
        *,
        limit: int | None = None,
        offset: int | None = None,
        type: str | None = None,
    ) -> Flow[list[U]]:
        params: list[tuple[str, str]] = []
        if limit is not None:
            if isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0:
                raise UsageError(f"limit must be a positive integer, not {limit!r}")
            params.append(("limit", str(limit)))
        if offset is not None:
            if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
                raise UsageError(f"offset must be 0 or a positive integer, not {offset!r}")
            params.append(("offset", str(offset)))
        if type is not None:
            params.append(("type", conversion_type(type)))
        req = HttpRequest("GET", self._list_path(model), tuple(params))
        reply = yield from self.call(req)
        items = self._json(reply, req).get("uploadings")
        if items is None:
            return []
        if not isinstance(items, list):
            raise MetricaError("'uploadings' is not a list", method="GET", path=req.path)
        return [self._model(model, item, req) for item in items]

    def find_by_hash(
        self, model: type[U], content_hash: str, *, type: str | None = None
    ) -> Flow[list[U]]:
        """Every listed upload whose comment carries ``[cf:<content_hash>]``, oldest first.

        Reads pages until one brings nothing new (not merely a short page: a server that caps
        ``limit`` lower must not hide an earlier upload), so exactly-once never rests on a guess
        about page sizes.
        """
        found: list[U] = []
        seen: set[int] = set()
        offset = 0
        while True:
            page = yield from self.list_page(model, limit=LIST_PAGE_SIZE, offset=offset, type=type)
            new = [u for u in page if u.id not in seen]
            if not new:
                break
            seen.update(u.id for u in new)
            found.extend(u for u in new if u.content_hash == content_hash)
            offset += len(page)
        found.sort(key=lambda u: u.id)
        return found

    # --- uploading ------------------------------------------------------------------------------

    def upload(
        self,
        model: type[Uploading],
        data: object,
        *,
        contract_kind: Kind,
        comment: str | None,
        params: tuple[tuple[str, str], ...],
        client_id_type: str | None,
        list_type: str | None,
        force: bool,
        now: int | float | datetime | None,
        progress: Callable[[int, int], None] | None,
    ) -> Flow[UploadResult]:
        base = _comment_base(comment)
        chosen_type = _client_id_type(client_id_type)
        batch = cast(_Batch, (yield Offload(lambda: self._prepare(data, contract_kind, now))))
        try:
            parts: list[UploadPart] = []
            for item in batch.files:
                cid = chosen_type or _auto_client_id_type(item.facts)
                extra = (("client_id_type", cid),) if cid else ()
                part = yield from self._upload_one(
                    model,
                    item,
                    comment=f"{base} [cf:{item.facts.content_hash}]",
                    params=params + extra,
                    client_id_type=cid,
                    list_type=list_type,
                    force=force,
                    progress=progress,
                )
                parts.append(part)
        finally:
            batch.cleanup()
        return UploadResult(tuple(parts))

    def _prepare(self, data: object, kind: Kind, now: int | float | datetime | None) -> _Batch:
        if isinstance(data, str | Path):
            path = Path(data)
            facts = check_file(path, kind, now=now)
            if facts.size > self.max_file_bytes:
                raise UsageError(
                    f"{path} is {facts.size} bytes, over Metrica's limit of "
                    f"{self.max_file_bytes}: upload it as a polars frame (callframe splits it) "
                    "or split the file"
                )
            return _Batch([_Prepared(path, path.name, facts)])
        if isinstance(data, pl.DataFrame | pl.LazyFrame):
            from callframe.io.metrica_csv import write_csv

            tmp = tempfile.TemporaryDirectory(prefix="callframe-upload-")
            try:
                target = Path(tmp.name) / f"{kind}.csv"
                written = write_csv(data, target, kind, max_bytes=self.max_file_bytes, now=now)
                files = [_Prepared(p, p.name, check_file(p, kind, now=now)) for p in written]
            except BaseException:
                tmp.cleanup()
                raise
            return _Batch(files, tmp)
        raise UsageError(
            "data must be a polars DataFrame/LazyFrame or the path of a Metrica CSV, "
            f"not {type(data).__name__}"
        )

    def _upload_one(
        self,
        model: type[Uploading],
        item: _Prepared,
        *,
        comment: str,
        params: tuple[tuple[str, str], ...],
        client_id_type: str | None,
        list_type: str | None,
        force: bool,
        progress: Callable[[int, int], None] | None,
    ) -> Flow[UploadPart]:
        facts = item.facts
        digest = facts.content_hash

        def part(upload: Uploading, outcome: UploadOutcome) -> UploadPart:
            return UploadPart(
                upload,
                outcome,
                digest,
                facts.size,
                item.filename,
                facts.rows,
                facts.warnings,
                client_id_type,
            )

        earlier = yield from self.find_by_hash(model, digest, type=list_type)
        if earlier and not force:
            logger.info(
                "%s: uploaded before as %d [cf:%s]; not sent again",
                item.filename,
                earlier[-1].id,
                digest,
            )
            return part(earlier[-1], UploadOutcome.FOUND)
        known = {u.id for u in earlier}
        path = self.prefix + ("/upload_calls" if model.kind == "calls" else "/upload")
        retry = 0
        while True:
            req = HttpRequest(
                "POST",
                path,
                (("comment", comment), *params),
                FileBody(item.path, item.filename, facts.size, facts.sha256, progress),
            )
            result = yield from self._attempt(req, is_upload=True)
            if isinstance(result, HttpReply):
                upload = self._model(model, self._json(result, req).get("uploading"), req)
                logger.info("%s: sent as upload %d [cf:%s]", item.filename, upload.id, digest)
                return part(upload, UploadOutcome.SENT)
            if result.ambiguous:
                try:
                    stored = yield from self.find_by_hash(model, digest, type=list_type)
                except MetricaError as exc:
                    raise exc.with_hint(
                        f"the answer to the upload was lost ({_short(result.error)}) and the "
                        "check for it failed; re-running is safe: the re-run finds the upload "
                        "by its content hash if Metrica stored it"
                    ) from None
                new = [u for u in stored if u.id not in known]
                if new:
                    logger.info(
                        "%s: answer lost (%s) but stored as upload %d; not sent again",
                        item.filename,
                        _short(result.error),
                        new[-1].id,
                    )
                    return part(new[-1], UploadOutcome.RECOVERED)
            delay = self._delay(result, retry)
            if delay is None:
                if result.ambiguous:
                    raise result.error.with_hint(
                        "checked by its content hash: Metrica has not stored it; re-running is safe"
                    ) from None
                raise result.error
            logger.info(
                "%s: upload failed (%s); retry %d of %d in %.2f s",
                item.filename,
                _short(result.error),
                retry + 1,
                self.retry.max_retries,
                delay,
            )
            yield Sleep(delay)
            retry += 1

    # --- waiting ----------------------------------------------------------------------------------

    def wait_one(self, upload: U, *, deadline: float, poll: PollPolicy) -> Flow[U]:
        """Poll ``upload`` until its status is final; raise :class:`MetricaWaitTimeoutError` after
        ``deadline`` (on :attr:`clock`)."""
        intervals = poll.intervals()
        current = upload
        model = type(upload)
        while True:
            current = yield from self.get_upload(model, current.id)
            if current.is_final:
                return current
            remaining = deadline - self.clock()
            if remaining <= 0:
                status = current.status.value if current.status else "no status"
                raise MetricaWaitTimeoutError(
                    f"upload {current.id} is still {status}; it goes on at Metrica — "
                    "wait again later or check it with `callframe status`",
                    upload=current,
                )
            yield Sleep(min(next(intervals), remaining))

    def wait(
        self, target: object, *, kind: str | None, timeout: float, poll_interval: float | None
    ) -> Flow[UploadResult | Uploading]:
        poll = self.poll if poll_interval is None else PollPolicy(interval=poll_interval)
        if timeout < 0:
            raise UsageError(f"timeout must be 0 or more seconds, not {timeout}")
        deadline = self.clock() + timeout
        if isinstance(target, UploadResult):
            parts = []
            for p in target.parts:
                done = yield from self.wait_one(p.upload, deadline=deadline, poll=poll)
                parts.append(p.with_upload(done))
            return UploadResult(tuple(parts))
        if isinstance(target, Uploading):
            return (yield from self.wait_one(target, deadline=deadline, poll=poll))
        if isinstance(target, int) and not isinstance(target, bool):
            if kind not in ("calls", "conversions"):
                raise UsageError("wait(<id>) needs kind='calls' or kind='conversions'")
            model = _model_for(kind)  # type: ignore[arg-type]
            stub = model(id=target)
            return (yield from self.wait_one(stub, deadline=deadline, poll=poll))
        raise UsageError(
            f"wait() takes an UploadResult, an upload or an upload id, not {type(target).__name__}"
        )


def _short(error: MetricaError) -> str:
    if error.status_code is not None:
        return f"{error.status_code} {error.error_type or ''}".strip()
    return type(error).__name__


def _check_id(upload_id: object) -> None:
    if isinstance(upload_id, bool) or not isinstance(upload_id, int) or upload_id <= 0:
        raise UsageError(f"an upload id is a positive integer, not {upload_id!r}")


def _comment_base(comment: str | None) -> str:
    base = "callframe" if comment is None else comment.strip()
    if HASH_PATTERN.search(base) or "[cf:" in base:
        raise UsageError("the comment must not contain '[cf:…]': callframe adds the marker")
    room = COMMENT_MAX - _MARKER_LEN
    if len(base) > room:
        raise UsageError(
            f"the comment is {len(base)} characters; at most {room} fit beside the content "
            f"hash (Metrica allows {COMMENT_MAX} in all)"
        )
    return base or "callframe"


def _client_id_type(value: str | None) -> str | None:
    if value is None:
        return None
    upper = value.strip().upper()
    if upper not in CLIENT_ID_TYPES:
        raise UsageError(
            f"client_id_type must be one of {', '.join(CLIENT_ID_TYPES)}, not {value!r}"
        )
    return upper


def _auto_client_id_type(facts: FileFacts) -> str | None:
    """decisions.md rule 3: exactly one ID column with values → its type; otherwise none."""
    if len(facts.id_columns) == 1:
        return _ID_COLUMN_TYPE.get(facts.id_columns[0])
    return None


def conversion_type(value: str) -> str:
    upper = value.strip().upper()
    if upper not in CONVERSION_TYPES:
        raise UsageError(f"type must be one of {', '.join(CONVERSION_TYPES)}, not {value!r}")
    return upper
