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

Exactly once: the comment of every upload ends with the word ``cf<12 hex>`` (letters and digits
only, as Metrica allows), the start of the SHA-256 of the part's bytes. Before sending, the
uploads listed for the counter (every page, until an empty one) are searched for that marker: a
match means this data was uploaded before (``FOUND``, not sent again unless ``force``). When an
attempt ends without a clear answer (timeout, dropped connection, 5xx) the list is searched
again, and again with backoff over :data:`~callframe.metrica._policy.LOST_ANSWER_WINDOW`
(a large file may be listed only once the server has parsed it), before the next attempt: a
new match means the server stored it (``RECOVERED``).

One upload per ID type (decisions.md rule 3): ``client_id_type`` is always sent; data whose rows
use several ID columns is split into one part per type, each its own exactly-once unit. A file
with one ID type goes byte for byte. Data Metrica would refuse whole (no data row, no column for
the type) raises :class:`~callframe.ContractError` before any request.
"""

from __future__ import annotations

import json
import logging
import tempfile
import unicodedata
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, TypeVar, cast

import polars as pl

from callframe.contract.columns import Kind
from callframe.errors import UsageError
from callframe.io.metrica_csv import write_valid_rows
from callframe.metrica._files import (
    ID_TYPES,
    FileFacts,
    check_data,
    check_file,
    no_rows,
    read_checked,
    split_by_id_type,
    type_order,
)
from callframe.metrica._policy import (
    LIST_PAGE_SIZE,
    LookPolicy,
    PollPolicy,
    RetryPolicy,
    parse_retry_after,
    retryable_status,
)
from callframe.metrica.errors import (
    MetricaError,
    MetricaResponseError,
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
    VisitJoinThreshold,
    marker,
    parse_metrica_time,
)
from callframe.validation import from_pandas, resolve_now

__all__ = [
    "CLIENT_ID_TYPES",
    "COMMENT_MAX",
    "COMMENT_PUNCTUATION",
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
    "check_comment",
    "conversion_type",
]

logger = logging.getLogger("callframe.metrica")

COMMENT_MAX = 255
COMMENT_PUNCTUATION = " .,:-_"
"""Besides letters (Latin, Cyrillic) and digits, what a comment may hold (decisions.md)."""
CLIENT_ID_TYPES = ("CLIENT_ID", "USER_ID", "YCLID")
CONVERSION_TYPES = ("BASIC", "CALLS", "CHATS")
_ID_COLUMN_TYPE = {column: cid for cid, column in ID_TYPES}
_MARKER_LEN = len(" " + marker("0" * 12))
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
    method: Literal["GET", "POST", "DELETE"]
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
    client_id_type: str | None
    """``None`` for a chats file: the chat docs name no ``client_id_type`` (not sent)."""


@dataclass(slots=True)
class _Batch:
    files: list[_Prepared]
    tmp: tempfile.TemporaryDirectory[str] | None = None

    def cleanup(self) -> None:
        if self.tmp is not None:
            self.tmp.cleanup()


def _model_for(kind: Literal["calls", "conversions", "chats"]) -> type[Uploading]:
    # chats uploads are read as offline conversions (``…/uploading/{id}``)
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
        look: LookPolicy | None = None,
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
        self.look = look or LookPolicy()
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
            raise MetricaResponseError(
                "the answer is not a JSON object", method=req.method, path=req.path
            ) from None
        return body

    def _model(self, model: type[U], data: object, req: HttpRequest) -> U:
        if not isinstance(data, Mapping):
            raise MetricaResponseError(
                "the answer has no upload object", method=req.method, path=req.path
            ) from None
        try:
            return model.from_api(data)
        except ValueError as exc:
            raise MetricaResponseError(str(exc), method=req.method, path=req.path) from None

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
        if not isinstance(items, list):
            # never read as "no uploads": the exactly-once lookup would find nothing and send
            what = "has no 'uploadings' list" if items is None else "has 'uploadings' not a list"
            raise MetricaResponseError(f"the answer {what}", method="GET", path=req.path)
        return [self._model(model, item, req) for item in items]

    def iter_pages(
        self, model: type[U], *, page_size: int = LIST_PAGE_SIZE, type: str | None = None
    ) -> Flow[list[U]]:
        """Every upload, page after page by ``offset`` until an empty page (not merely a
        short one: a server may cap ``limit`` below what was asked). A page that brings no
        new id also ends it, so a server ignoring ``offset`` cannot loop forever."""
        out: list[U] = []
        seen: set[int] = set()
        offset = 0
        while True:
            page = yield from self.list_page(model, limit=page_size, offset=offset, type=type)
            new = [u for u in page if u.id not in seen]
            if not new:
                return out
            seen.update(u.id for u in new)
            out.extend(new)
            offset += len(page)

    def find_by_hash(
        self, model: type[U], content_hash: str, *, type: str | None = None
    ) -> Flow[list[U]]:
        """Every listed upload whose comment carries the marker of ``content_hash``, oldest
        first; every page is read (:meth:`iter_pages`), so exactly-once never rests on a guess
        about page sizes."""
        every = yield from self.iter_pages(model, type=type)
        found = [u for u in every if u.content_hash == content_hash]
        found.sort(key=lambda u: u.id)
        return found

    # --- thresholds -------------------------------------------------------------------------

    def visit_join_threshold(
        self, kind: Literal["calls", "conversions"]
    ) -> Flow[VisitJoinThreshold]:
        name = "calls_visit_join_threshold" if kind == "calls" else "visit_join_threshold"
        req = HttpRequest("GET", f"{self.prefix}/{name}")
        reply = yield from self.call(req)
        body = self._json(reply, req)
        if "date" not in body:
            raise MetricaResponseError("the answer has no 'date'", method="GET", path=req.path)
        raw = body["date"]
        text = raw if isinstance(raw, str) else None if raw is None else str(raw)
        return VisitJoinThreshold(kind, parse_metrica_time(text), text)

    def extended_threshold(self, kind: Literal["calls", "conversions"], enable: bool) -> Flow[bool]:
        name = "calls_extended_threshold" if kind == "calls" else "extended_threshold"
        req = HttpRequest("POST" if enable else "DELETE", f"{self.prefix}/{name}")
        reply = yield from self.call(req)
        success = self._json(reply, req).get("success")
        if success is not True:
            raise MetricaResponseError(
                f"the answer does not say success (success={success!r})",
                method=req.method,
                path=req.path,
            )
        return True

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
        ignore_threshold: bool = False,
        window_days: int | None = None,
    ) -> Flow[UploadResult]:
        base = check_comment(comment)
        preferred = _client_id_type(client_id_type)
        if window_days is not None and (
            isinstance(window_days, bool) or not isinstance(window_days, int) or window_days <= 0
        ):
            raise UsageError(f"window_days must be a positive number of days, not {window_days!r}")
        if ignore_threshold:
            name = (
                "ignore_calls_visit_join_threshold"
                if model.kind == "calls"
                else "ignore_visit_join_threshold"
            )
            params = (*params, (name, "1"))
        if contract_kind == "chats" and preferred is not None:
            raise UsageError(
                "client_id_type does not apply to chats: the chat docs name no such parameter "
                "and a chats file may carry several IDs per row (or none)"
            )
        prepare = self._prepare_chats if contract_kind == "chats" else self._prepare
        batch = cast(
            _Batch,
            (yield Offload(lambda: prepare(data, contract_kind, now, preferred, window_days))),
        )
        try:
            parts: list[UploadPart] = []
            for item in batch.files:
                part = yield from self._upload_one(
                    model,
                    item,
                    comment=f"{base} {marker(item.facts.content_hash)}",
                    params=(*params, *_id_type_param(item.client_id_type)),
                    client_id_type=item.client_id_type,
                    list_type=list_type,
                    force=force,
                    progress=progress,
                )
                parts.append(part)
        finally:
            batch.cleanup()
        return UploadResult(tuple(parts))

    def _prepare(
        self,
        data: object,
        kind: Kind,
        now: int | float | datetime | None,
        preferred: str | None,
        window_days: int | None,
    ) -> _Batch:
        when = resolve_now(now)
        converted = from_pandas(data)  # a pandas frame: converted once, IDs as text
        if isinstance(converted, pl.DataFrame):
            data = converted
        if isinstance(data, str | Path):
            path = Path(data)
            facts = check_file(path, kind, now=when, window_days=window_days)
            cid = _as_is_type(facts, preferred)
            if cid is not None:  # one ID type: sent byte for byte
                if facts.size > self.max_file_bytes:
                    raise UsageError(
                        f"{path} is {facts.size} bytes, over Metrica's limit of "
                        f"{self.max_file_bytes}: upload it as a polars frame (callframe splits "
                        "it) or split the file"
                    )
                return _Batch([_Prepared(path, path.name, facts, cid)])
            report = read_checked(path, kind, when, window_days)
            stem = path.stem
        elif isinstance(data, pl.DataFrame | pl.LazyFrame):
            report = check_data(data, kind, when, window_days)
            stem = kind
        else:
            raise UsageError(
                "data must be a polars DataFrame/LazyFrame, a pandas DataFrame or the path of a "
                "Metrica CSV, "
                f"not {type(data).__name__}"
            )
        tmp = tempfile.TemporaryDirectory(prefix="callframe-upload-")
        try:
            pieces = split_by_id_type(
                report,
                Path(tmp.name),
                stem,
                preferred=preferred,
                max_bytes=self.max_file_bytes,
            )
            files = [
                _Prepared(
                    p,
                    p.name,
                    check_file(p, kind, now=when, window_days=window_days),
                    piece.client_id_type,
                )
                for piece in pieces
                for p in piece.paths
            ]
        except BaseException:
            tmp.cleanup()
            raise
        return _Batch(files, tmp)

    def _prepare_chats(
        self,
        data: object,
        kind: Kind,
        now: int | float | datetime | None,
        preferred: str | None,
        window_days: int | None,
    ) -> _Batch:
        """A chats file or frame as it goes: whole (no split by ID type, no ``client_id_type``:
        the chat docs name neither), split only at ``max_file_bytes``."""
        when = resolve_now(now)
        converted = from_pandas(data)  # a pandas frame: converted once, IDs as text
        if isinstance(converted, pl.DataFrame):
            data = converted
        if isinstance(data, str | Path):
            path = Path(data)
            facts = check_file(path, kind, now=when, window_days=window_days)
            if facts.rows == 0:
                raise no_rows(read_checked(path, kind, when, window_days))
            if facts.size > self.max_file_bytes:
                raise UsageError(
                    f"{path} is {facts.size} bytes, over Metrica's limit of "
                    f"{self.max_file_bytes}: upload it as a polars frame (callframe splits "
                    "it) or split the file"
                )
            return _Batch([_Prepared(path, path.name, facts, None)])
        if not isinstance(data, pl.DataFrame | pl.LazyFrame):
            raise UsageError(
                "data must be a polars DataFrame/LazyFrame, a pandas DataFrame or the path of a "
                "Metrica CSV, "
                f"not {type(data).__name__}"
            )
        report = check_data(data, kind, when, window_days)
        if report.n_valid == 0:
            raise no_rows(report)
        tmp = tempfile.TemporaryDirectory(prefix="callframe-upload-")
        try:
            paths = write_valid_rows(
                report, Path(tmp.name) / f"{kind}.csv", max_bytes=self.max_file_bytes
            )
            files = [
                _Prepared(p, p.name, check_file(p, kind, now=when, window_days=window_days), None)
                for p in paths
            ]
        except BaseException:
            tmp.cleanup()
            raise
        return _Batch(files, tmp)

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
                stored = yield from self._look_for(model, digest, known, list_type, result)
                if stored is not None:
                    logger.info(
                        "%s: answer lost (%s) but stored as upload %d; not sent again",
                        item.filename,
                        _short(result.error),
                        stored.id,
                    )
                    return part(stored, UploadOutcome.RECOVERED)
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

    def _look_for(
        self,
        model: type[Uploading],
        digest: str,
        known: set[int],
        list_type: str | None,
        failure: _Failure,
    ) -> Flow[Uploading | None]:
        """After a lost answer: the upload carrying ``digest`` that was not in ``known``, looked
        for at once and then with backoff over :attr:`look` ``.window``; ``None`` if it never
        showed."""
        delays = self.look.delays()
        while True:
            try:
                stored = yield from self.find_by_hash(model, digest, type=list_type)
            except MetricaError as exc:
                raise exc.with_hint(
                    f"the answer to the upload was lost ({_short(failure.error)}) and the "
                    "check for it failed; re-running is safe: the re-run finds the upload "
                    "by its content hash if Metrica stored it"
                ) from None
            new = [u for u in stored if u.id not in known]
            if new:
                return new[-1]
            delay = next(delays, None)
            if delay is None:
                return None
            logger.info("cf%s not listed yet; looking again in %.1f s", digest, delay)
            yield Sleep(delay)

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
            if kind not in ("calls", "conversions", "chats"):
                raise UsageError("wait(<id>) needs kind='calls', 'conversions' or 'chats'")
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


def _allowed(ch: str) -> bool:
    if ch.isascii():
        return ch.isalnum() or ch in COMMENT_PUNCTUATION
    return "\u0400" <= ch <= "\u04ff" and ch.isalpha()  # Cyrillic letters


def check_comment(comment: str | None) -> str:
    """The comment callframe sends before its marker, checked before any request.

    Metrica refuses comments with other characters than digits, Latin and Cyrillic letters
    (``NOT_ALLOWED_SYMBOLS_IN_COMMENT``); callframe allows those plus spaces and ``. , : - _``
    (decisions.md) and raises :class:`UsageError` naming the first other character and its
    position (1-based). With the marker, at most ``COMMENT_MAX`` characters. ``None`` or blank:
    ``"callframe"``.
    """
    if comment is None:
        return "callframe"
    for position, ch in enumerate(comment, start=1):
        if not _allowed(ch):
            shown = repr(ch) if ch.isprintable() else f"{ord(ch):#06x}"
            name = unicodedata.name(ch, "a control character").lower()
            raise UsageError(
                f"the comment has {shown} (U+{ord(ch):04X}, {name}) at position {position}: "
                "Metrica accepts only letters (Latin, Cyrillic), digits, spaces and . , : - _ "
                "in a comment"
            )
    base = comment.strip()
    if HASH_PATTERN.search(base):
        raise UsageError(
            "the comment must not contain a 'cf' + 12 hex digits word: callframe adds that "
            "marker itself"
        )
    room = COMMENT_MAX - _MARKER_LEN
    if len(base) > room:
        raise UsageError(
            f"the comment is {len(base)} characters; at most {room} fit beside the content "
            f"hash marker (Metrica allows {COMMENT_MAX} in all)"
        )
    return base or "callframe"


def _id_type_param(client_id_type: str | None) -> tuple[tuple[str, str], ...]:
    return () if client_id_type is None else (("client_id_type", client_id_type),)


def _client_id_type(value: str | None) -> str | None:
    if value is None:
        return None
    upper = value.strip().upper()
    if upper not in CLIENT_ID_TYPES:
        raise UsageError(
            f"client_id_type must be one of {', '.join(CLIENT_ID_TYPES)}, not {value!r}"
        )
    return upper


def _as_is_type(facts: FileFacts, preferred: str | None) -> str | None:
    """The ``client_id_type`` of a file that can go byte for byte: it has data rows and its
    rows use one ID type (or none, with that type's column in the header); ``None`` when it
    must be split or refused (:func:`split_by_id_type` says which)."""
    if facts.rows == 0:
        return None
    used = [_ID_COLUMN_TYPE[c] for c in facts.id_columns if c in _ID_COLUMN_TYPE]
    if not used:
        used = [cid for cid in type_order(preferred) if dict(ID_TYPES)[cid] in facts.header][:1]
    if len(used) != 1 or preferred not in (None, used[0]):
        return None
    return used[0]


def conversion_type(value: str) -> str:
    upper = value.strip().upper()
    if upper not in CONVERSION_TYPES:
        raise UsageError(f"type must be one of {', '.join(CONVERSION_TYPES)}, not {value!r}")
    return upper
