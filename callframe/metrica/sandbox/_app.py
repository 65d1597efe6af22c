"""The sandbox's ASGI app: Metrica's offline-conversion endpoints, faults, and state.

See :mod:`callframe.metrica.sandbox` for what it models and how to serve it. The CSV is read by
:mod:`._csv` with the checks of :mod:`._rules`; thresholds live in :mod:`._thresholds`.
"""

from __future__ import annotations

import hmac
import json
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import anyio
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from callframe.errors import UsageError
from callframe.metrica.sandbox._csv import Facts, RefusedError, count_lines, read_upload
from callframe.metrica.sandbox._faults import (
    DropResponse,
    Endpoint,
    Fault,
    Receive,
    Scope,
    Send,
)
from callframe.metrica.sandbox._multipart import read_multipart as _read_multipart
from callframe.metrica.sandbox._problems import ProblemError as _ProblemError
from callframe.metrica.sandbox._problems import drain as _drain
from callframe.metrica.sandbox._problems import error as _error
from callframe.metrica.sandbox._rules import CLIENT_ID_TYPES, COMMENT_OK
from callframe.metrica.sandbox._rules import Kind as _Kind
from callframe.metrica.sandbox._store import Store as _Store
from callframe.metrica.sandbox._thresholds import (
    DEFAULT_WAIT,
    flag_name,
    format_date,
    threshold_date,
    unmet_message,
)

__all__ = ["DEFAULT_TOKEN", "Fault", "Sandbox"]

DEFAULT_TOKEN = "sandbox-token"
_PREFIX = "/management/v1/counter/{counter}/offline_conversions"
MAX_FILE_BYTES = 1_000_000_000
"""Metrica's limit on one uploaded file, "1 GB", read as 10^9 bytes: the smaller reading, so a
client that keeps under it keeps under 2^30 too (callframe's writer splits at 10^9)."""
_TYPES = ("BASIC", "CALLS", "CHATS")


class Sandbox:
    """The sandbox app. Pass it to uvicorn or ``httpx.ASGITransport`` as is (it is ASGI).

    Args:
        token: the only OAuth token accepted.
        db: a SQLite file for the state (created if missing); ``None`` keeps it in memory.
        processing_seconds: how long an upload takes to reach its final status after
            ``UPLOADED``: ``UPLOADED`` for the first half, ``EXPORTED`` to three quarters,
            ``MATCHED`` to the end, then ``PROCESSED`` (``LINKAGE_FAILURE`` when no row was
            counted); ``0`` makes uploads final at once.
        prepared_seconds: how long a new upload shows ``PREPARED`` before ``UPLOADED``. Default
            ``0``: Yandex's tests see ``UPLOADED`` in the list at once.
        clock: Unix seconds; drives ``create_time``, statuses, the future-``DateTime`` check
            and thresholds.
        counters: the counters the token may use; ``None`` allows any.
        fresh_counters: counters that have not collected enough visits: an upload without
            ``ignore_calls_visit_join_threshold=1`` (calls) / ``ignore_visit_join_threshold=1``
            (BASIC, CHATS) gets 400 ``visit_join_threshold_unmet`` until ``threshold_date``.
        threshold_date: when fresh counters accept uploads (a ``datetime`` or Unix seconds);
            default a day after the sandbox starts (Metrica: "about 24 hours").
        max_file_bytes: larger files are refused (400 ``invalid_uploading``); Metrica's limit
            is 1 GB (10^9 bytes here).
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        db: str | Path | None = None,
        processing_seconds: float = 2.0,
        clock: Callable[[], float] = time.time,
        counters: set[int] | frozenset[int] | None = None,
        fresh_counters: Iterable[int] = (),
        threshold_date: datetime | float | None = None,
        max_file_bytes: int = MAX_FILE_BYTES,
        prepared_seconds: float = 0.0,
    ) -> None:
        if not token or any(ch.isspace() for ch in token):
            raise UsageError("the sandbox token must be non-empty, without spaces")
        self._token = token.encode()
        self.processing_seconds = processing_seconds
        self.clock = clock
        self.counters = None if counters is None else frozenset(counters)
        self.max_file_bytes = max_file_bytes
        self.prepared_seconds = prepared_seconds
        if isinstance(threshold_date, datetime):
            threshold_date = threshold_date.timestamp()
        self.threshold_date = threshold_date
        self._store = _Store(db)
        for counter in fresh_counters:
            self.set_fresh(counter)
        self._faults: list[Fault] = []
        self._faults_lock = threading.Lock()
        self.requests: Counter[str] = Counter()
        """Requests that passed the auth check, by endpoint (``upload``, ``list``, ``get``)."""
        self.faults_applied: list[Fault] = []
        """Every fault used, in order: a copy with ``on`` set to the endpoint it hit."""
        self.in_flight = 0
        self.peak_in_flight = 0
        p = _PREFIX.format(counter="{counter}")
        routes = [
            Route(f"{p}/upload_calls", self._upload_calls, methods=["POST"]),
            Route(f"{p}/upload", self._upload_conversions, methods=["POST"]),
            Route(f"{p}/calls_uploadings", self._list_calls, methods=["GET"]),
            Route(f"{p}/calls_uploading/{{upload_id}}", self._get_call, methods=["GET"]),
            Route(f"{p}/uploadings", self._list_conversions, methods=["GET"]),
            Route(f"{p}/uploading/{{upload_id}}", self._get_conversion, methods=["GET"]),
            Route(f"{p}/calls_visit_join_threshold", self._calls_threshold, methods=["GET"]),
            Route(f"{p}/visit_join_threshold", self._basic_threshold, methods=["GET"]),
            Route(
                f"{p}/calls_extended_threshold",
                self._calls_extended,
                methods=["POST", "DELETE"],
            ),
            Route(f"{p}/extended_threshold", self._basic_extended, methods=["POST", "DELETE"]),
            Route("/_sandbox/counters/{counter}", self._counters_endpoint, methods=["POST"]),
            Route("/_sandbox/faults", self._faults_endpoint, methods=["POST", "DELETE"]),
            Route("/_sandbox/uploads", self._uploads_endpoint, methods=["GET"]),
        ]
        self.app = Starlette(
            routes=routes,
            exception_handlers={HTTPException: self._http_exception},
        )

    def __repr__(self) -> str:
        return f"<Sandbox processing_seconds={self.processing_seconds} token='***'>"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1

    # --- Python API for tests -----------------------------------------------------------------

    def inject(self, *faults: Fault) -> None:
        """Queue faults; each applies to the next ``times`` requests it matches."""
        with self._faults_lock:
            self._faults.extend(faults)

    def clear_faults(self) -> None:
        with self._faults_lock:
            self._faults.clear()

    def set_fresh(
        self, counter: int, fresh: bool = True, *, until: datetime | float | None = None
    ) -> None:
        """Mark a counter fresh (uploads need the ignore-threshold parameter until ``until``,
        default the sandbox's ``threshold_date``, else a day from now) or not fresh."""
        if isinstance(until, datetime):
            until = until.timestamp()
        if until is None:
            until = self.threshold_date
        if until is None:
            until = self.clock() + DEFAULT_WAIT
        self._store.set_counter(counter, fresh=int(fresh), available_at=until if fresh else None)

    def counter_state(self, counter: int) -> dict[str, Any]:
        """A counter's threshold state: ``fresh``, ``available_at``, ``calls_extended``,
        ``basic_extended``."""
        return self._store.counter(counter)

    def stored(self) -> list[dict[str, Any]]:
        """Every stored upload as a row, oldest first: with ``sha256`` and ``size`` of the file,
        ``columns`` (the header names matched, canonical, comma-separated), ``wrong_values``
        (wrong optional values in counted rows) and ``visible_at`` (see ``Fault.list_after``)."""
        return self._store.all()

    def reset_stats(self) -> None:
        self.requests.clear()
        self.faults_applied.clear()
        self.peak_in_flight = self.in_flight

    def close(self) -> None:
        self._store.close()

    # --- helpers --------------------------------------------------------------------------------

    async def _http_exception(self, request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        if status == 405:
            return _error(405, "not_acceptable", "Method not allowed")
        return _error(404, "not_found", "Entity not found")

    def _authorize(self, request: Request) -> None:
        header = request.headers.get("authorization")
        if header is None:
            raise _ProblemError(_error(401, "unauthorized", "Authorization header is missing"))
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "oauth" or not hmac.compare_digest(
            value.strip().encode(), self._token
        ):
            raise _ProblemError(_error(403, "invalid_token", "Invalid oauth_token"))

    def _counter(self, request: Request) -> int:
        raw = request.path_params.get("counter", "")
        if not raw.isdigit() or not 0 < int(raw) < 2**31:
            raise _ProblemError(_error(400, "invalid_parameter", "Invalid counter id", "counterId"))
        counter = int(raw)
        if self.counters is not None and counter not in self.counters:
            raise _ProblemError(_error(403, "access_denied", "Access denied", "counterId"))
        return counter

    def _take_fault(self, endpoint: str) -> Fault | None:
        with self._faults_lock:
            for fault in self._faults:
                if fault.on in (endpoint, "any"):
                    if fault.skip > 0:
                        fault.skip -= 1
                        continue
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    used = replace(fault, on=cast(Endpoint, endpoint), times=1, skip=0)
                    self.faults_applied.append(used)
                    return fault
        return None

    def _int_param(self, request: Request, name: str, default: int, minimum: int) -> int:
        raw = request.query_params.get(name)
        if raw is None:
            return default
        if not raw.strip().isdigit() or int(raw) < minimum:
            raise _ProblemError(_error(400, "invalid_parameter", f"Invalid value of {name}", name))
        return int(raw)

    def _enum_param(self, request: Request, name: str, allowed: tuple[str, ...]) -> str | None:
        raw = request.query_params.get(name)
        if raw is None or raw == "":
            return None
        if raw.upper() not in allowed:
            raise _ProblemError(_error(400, "invalid_parameter", f"Invalid value of {name}", name))
        return raw.upper()

    def _status(self, row: dict[str, Any]) -> str:
        age = self.clock() - float(row["created"])
        if age < self.prepared_seconds:
            return "PREPARED"
        age -= self.prepared_seconds
        p = self.processing_seconds
        if p <= 0 or age >= p:
            return "LINKAGE_FAILURE" if row["rows_with_id"] == 0 else "PROCESSED"
        if age >= p * 3 / 4:
            return "MATCHED"
        return "EXPORTED" if age >= p / 2 else "UPLOADED"

    def _json(self, row: dict[str, Any]) -> dict[str, Any]:
        status = self._status(row)
        linked = row["rows_with_id"] if status == "PROCESSED" else 0
        created = datetime.fromtimestamp(float(row["created"]), UTC).replace(microsecond=0)
        out: dict[str, Any] = {
            "id": row["id"],
            "create_time": created.isoformat().replace("+00:00", "Z"),
            "source_quantity": row["source_quantity"],
            "line_quantity": row["line_quantity"],
            "comment": row["comment"],
            "type": row["type"],
            "client_id_type": row["client_id_type"],
            "status": status,
            "goal_not_found_quantity": 0,
            "user_not_found_quantity": 0,
        }
        if row["kind"] == "calls":
            out["static_calls_quantity"] = row["static_calls"]
            out["dynamic_calls_quantity"] = row["line_quantity"] - row["static_calls"]
        out["linked_quantity"] = linked
        return out

    async def _guard(
        self,
        request: Request,
        endpoint: str,
        handler: Callable[[int, Fault | None], Awaitable[Response]],
    ) -> Response:
        try:
            self._authorize(request)
            counter = self._counter(request)
            self.requests[endpoint] += 1
            fault = self._take_fault(endpoint)
            if fault is not None and fault.kind == "rate_limit":
                await _drain(request)
                headers = {}
                if fault.retry_after is not None:
                    headers["Retry-After"] = f"{fault.retry_after:g}"
                return _error(429, "quota_requests_by_ip", "Too many requests", headers=headers)
            if fault is not None and not fault.after_store:
                if fault.kind == "error":
                    await _drain(request)
                    return _error(fault.status, "backend_error", "Internal error")
                if fault.kind == "delay":
                    await anyio.sleep(fault.seconds)
                elif fault.kind == "drop":
                    return DropResponse()
            response = await handler(counter, fault)
            if fault is not None and fault.after_store and response.status_code == 200:
                if fault.kind == "error":
                    return _error(fault.status, "backend_error", "Internal error")
                if fault.kind == "delay":
                    await anyio.sleep(fault.seconds)
                elif fault.kind == "drop":
                    return DropResponse()
            return response
        except _ProblemError as problem:
            await _drain(request)
            return problem.response
        except ClientDisconnect:
            # the client gave up before its body was read (a timeout, a killed process):
            # nothing is stored and nobody is left to answer — not a server error
            return Response(status_code=499)

    # --- endpoints ------------------------------------------------------------------------------

    async def _upload_calls(self, request: Request) -> Response:
        async def handle(counter: int, fault: Fault | None) -> Response:
            return await self._store_upload(request, counter, fault, "calls", "CALLS")

        return await self._guard(request, "upload", handle)

    async def _upload_conversions(self, request: Request) -> Response:
        async def handle(counter: int, fault: Fault | None) -> Response:
            type_ = self._enum_param(request, "type", _TYPES) or "BASIC"
            return await self._store_upload(request, counter, fault, "conversions", type_)

        return await self._guard(request, "upload", handle)

    def _check_request(self, request: Request, counter: int, kind: str, type_: str) -> str | None:
        """The parameters, the comment and the threshold: refused before the body is read."""
        model: _Kind = "calls" if type_ == "CALLS" else "basic"
        raw = request.query_params.get("client_id_type")
        cid = None if raw is None or raw == "" else raw.upper()
        if cid is not None and cid not in CLIENT_ID_TYPES[model]:
            message = f"Wrong parameter value: client_id_type={raw!r}"
            raise _ProblemError(_error(400, "wrong_parameter_value", message, "client_id_type"))
        comment = request.query_params.get("comment")
        if comment is not None and len(comment) > 255:
            raise _ProblemError(
                _error(400, "invalid_parameter", "Comment is longer than 255", "comment")
            )
        if comment is not None and COMMENT_OK.fullmatch(comment) is None:
            message = "Комментарий содержит недопустимые символы."
            raise _ProblemError(_error(400, "not_allowed_symbols_in_comment", message, "comment"))
        state = self._store.counter(counter)
        now = self.clock()
        if state["fresh"] and state["available_at"] is not None and state["available_at"] > now:
            flag = request.query_params.get(flag_name(kind, type_), "")
            if flag.strip().lower() not in ("1", "true"):
                message = unmet_message(float(state["available_at"]))
                raise _ProblemError(_error(400, "visit_join_threshold_unmet", message))
        return cid

    async def _store_upload(
        self, request: Request, counter: int, fault: Fault | None, kind: str, type_: str
    ) -> Response:
        cid = self._check_request(request, counter, kind, type_)
        comment = request.query_params.get("comment")
        goal = request.query_params.get("new_goal_name") if kind == "calls" else None
        now = self.clock()
        with tempfile.TemporaryDirectory(prefix="callframe-sandbox-") as folder:
            parts = await _read_multipart(request, Path(folder), self.max_file_bytes)
            part = next((p for p in parts if p.name == "file" and p.path is not None), None)
            if part is None or part.path is None:
                message = "Не найден параметр запроса. Required request part 'file' is not present"
                raise _ProblemError(_error(400, "missing_request_part", message, "file"))
            filename = part.filename or "file"
            facts = await run_in_threadpool(self._read, part.path, type_, cid, now)
        created = self.clock()
        row: dict[str, object] = {
            "counter_id": counter,
            "kind": kind,
            "type": type_,
            "created": created,
            "comment": comment,
            "client_id_type": facts.client_id_type or cid,
            "new_goal_name": goal,
            "source_quantity": facts.source_quantity,
            "line_quantity": facts.line_quantity,
            "static_calls": facts.static_calls,
            "rows_with_id": facts.line_quantity,
            "filename": filename,
            "size": facts.size,
            "sha256": facts.sha256,
            "visible_at": created + (fault.list_after if fault is not None else 0.0),
            "wrong_values": facts.wrong_values,
            "columns": ",".join(facts.columns),
        }
        row["id"] = await run_in_threadpool(self._store.add, row)
        return JSONResponse({"uploading": self._json(row)})

    @staticmethod
    def _read(path: Path, type_: str, cid: str | None, now: float) -> Facts:
        if type_ == "CHATS":  # no model of the chats contract yet: count lines only
            return count_lines(path)
        try:
            return read_upload(path, "calls" if type_ == "CALLS" else "basic", cid, now)
        except RefusedError as refused:
            raise _ProblemError(_error(400, refused.error_type, refused.message, "file")) from None

    async def _list(self, request: Request, kind: str) -> Response:
        async def handle(counter: int, fault: Fault | None) -> Response:
            limit = self._int_param(request, "limit", 10000, 1)
            offset = self._int_param(request, "offset", 0, 0)
            type_: str | None = None
            if kind == "conversions":
                type_ = self._enum_param(request, "type", _TYPES) or "BASIC"
            rows = await run_in_threadpool(
                self._store.page, counter, kind, type_, limit, offset, self.clock()
            )
            return JSONResponse({"uploadings": [self._json(r) for r in rows]})

        return await self._guard(request, "list", handle)

    async def _get(self, request: Request, kind: str) -> Response:
        async def handle(counter: int, fault: Fault | None) -> Response:
            raw = request.path_params.get("upload_id", "")
            if not raw.isdigit():
                raise _ProblemError(_error(400, "invalid_parameter", "Invalid upload id", "id"))
            row = await run_in_threadpool(self._store.get, counter, kind, int(raw), self.clock())
            if row is None:
                return _error(404, "not_found", "Entity not found")
            return JSONResponse({"uploading": self._json(row)})

        return await self._guard(request, "get", handle)

    async def _list_calls(self, request: Request) -> Response:
        return await self._list(request, "calls")

    async def _list_conversions(self, request: Request) -> Response:
        return await self._list(request, "conversions")

    async def _get_call(self, request: Request) -> Response:
        return await self._get(request, "calls")

    async def _get_conversion(self, request: Request) -> Response:
        return await self._get(request, "conversions")

    async def _threshold(self, request: Request, calls: bool) -> Response:
        async def handle(counter: int, fault: Fault | None) -> Response:
            state = await run_in_threadpool(self._store.counter, counter)
            date = threshold_date(state, calls, self.clock())
            return JSONResponse({"date": format_date(date)})

        return await self._guard(request, "threshold", handle)

    async def _extended(self, request: Request, calls: bool) -> Response:
        async def handle(counter: int, fault: Fault | None) -> Response:
            column = "calls_extended" if calls else "basic_extended"
            on = int(request.method == "POST")
            await run_in_threadpool(self._store.set_counter, counter, **{column: on})
            return JSONResponse({"success": True})

        return await self._guard(request, "threshold", handle)

    async def _calls_threshold(self, request: Request) -> Response:
        return await self._threshold(request, calls=True)

    async def _basic_threshold(self, request: Request) -> Response:
        return await self._threshold(request, calls=False)

    async def _calls_extended(self, request: Request) -> Response:
        return await self._extended(request, calls=True)

    async def _basic_extended(self, request: Request) -> Response:
        return await self._extended(request, calls=False)

    async def _counters_endpoint(self, request: Request) -> Response:
        try:
            self._authorize(request)
            counter = self._counter(request)
        except _ProblemError as problem:
            return problem.response
        try:
            payload = json.loads(await request.body())
            if not isinstance(payload, dict) or not isinstance(payload.get("fresh"), bool):
                raise UsageError('send {"fresh": true} or {"fresh": false}')
            until = payload.get("until")
            if until is not None and not isinstance(until, int | float):
                raise UsageError('"until" is Unix seconds')
        except (ValueError, TypeError) as exc:
            return _error(400, "invalid_json", str(exc))
        await run_in_threadpool(self.set_fresh, counter, payload["fresh"], until=until)
        state = self._store.counter(counter)
        answer: dict[str, object] = {"counter": counter, "fresh": bool(state["fresh"])}
        if state["available_at"] is not None:
            answer["available_at"] = format_date(float(state["available_at"]))
        return JSONResponse(answer)

    async def _faults_endpoint(self, request: Request) -> Response:
        try:
            self._authorize(request)
        except _ProblemError as problem:
            return problem.response
        if request.method == "DELETE":
            self.clear_faults()
            return Response(status_code=204)
        try:
            payload = json.loads(await request.body())
            items = payload.get("faults") if isinstance(payload, dict) else None
            if not isinstance(items, list):
                raise UsageError('send {"faults": [{...}, ...]}')
            faults = [Fault.from_dict(item) for item in items]
        except (ValueError, TypeError) as exc:
            return _error(400, "invalid_json", str(exc))
        self.inject(*faults)
        return JSONResponse({"faults": [asdict(f) for f in faults]})

    async def _uploads_endpoint(self, request: Request) -> Response:
        try:
            self._authorize(request)
        except _ProblemError as problem:
            return problem.response
        return JSONResponse({"stored": await run_in_threadpool(self.stored)})


# --- serving --------------------------------------------------------------------------------------
