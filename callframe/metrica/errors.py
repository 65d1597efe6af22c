"""Errors of the Metrica API and of the way to it.

::

    MetricaError(CallframeError)        status_code, error_type, message, location, errors
    ├── MetricaAuthError                401/403: missing, wrong or expired token, no access
    ├── MetricaNotFoundError            404: no such counter or upload
    ├── MetricaBadRequestError          400 (and other 4xx): the request is wrong; never retried
    │   ├── MetricaInvalidUploadError   the file was refused (``invalid_uploading``, multipart)
    │   ├── MetricaInvalidCommentError  the comment was refused (``not_allowed_symbols_in_comment``)
    │   ├── MetricaInvalidParameterError  a parameter was refused (``wrong_parameter_value`` …)
    │   └── MetricaThresholdUnmetError  ``visit_join_threshold_unmet``; ``available_from``
    ├── MetricaQuotaError               429: a quota is exhausted; ``retry_after`` in seconds
    ├── MetricaServerError              5xx: Metrica failed; retried before it reaches you
    ├── MetricaResponseError            a 2xx answer that is not what the API documents
    ├── MetricaTransportError           no HTTP answer (connection refused or dropped, timeout)
    │   └── MetricaTimeoutError         the answer did not come in time
    └── MetricaWaitTimeoutError(TimeoutError)  ``wait()`` gave up; ``upload`` is the last state seen

Metrica answers errors as ``{"errors": [{"error_type", "message", "location"}], "code",
"message"}``; :func:`error_from_response` maps that body and the status to the classes above. A
400 is classified by its ``error_type`` (any letter case) and, as the exact strings of the real
server are not all confirmed, also by the start of its Russian message.
Messages name the method, the path and Metrica's own words; they never contain the token (the
client scrubs it from anything the server echoes) nor any file content.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Self

from callframe.errors import CallframeError
from callframe.metrica.models import parse_metrica_time

if TYPE_CHECKING:
    from callframe.metrica.models import Uploading

__all__ = [
    "ApiErrorDetail",
    "MetricaAuthError",
    "MetricaBadRequestError",
    "MetricaError",
    "MetricaInvalidCommentError",
    "MetricaInvalidParameterError",
    "MetricaInvalidUploadError",
    "MetricaNotFoundError",
    "MetricaQuotaError",
    "MetricaResponseError",
    "MetricaServerError",
    "MetricaThresholdUnmetError",
    "MetricaTimeoutError",
    "MetricaTransportError",
    "MetricaWaitTimeoutError",
    "error_from_response",
]

_MAX_BODY_CHARS = 300


@dataclass(frozen=True, slots=True)
class ApiErrorDetail:
    """One entry of the ``errors`` list in Metrica's error body."""

    error_type: str | None
    message: str | None
    location: str | None


class MetricaError(CallframeError):
    """An API call to Metrica (or the sandbox) failed.

    Attributes:
        status_code: the HTTP status, or ``None`` when no answer came.
        error_type: Metrica's ``error_type`` of the first error (``invalid_token``,
            ``invalid_uploading``, ``quota_requests_by_uid`` …), or ``None``.
        message: Metrica's message (or ours, for transport errors), without the token.
        location: Metrica's ``location`` of the first error (a parameter name), or ``None``.
        errors: every entry of the body's ``errors`` list.
        method, path: the request that failed (path without the query string).
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        error_type: str | None = None,
        location: str | None = None,
        errors: tuple[ApiErrorDetail, ...] = (),
        method: str | None = None,
        path: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.status_code = status_code
        self.error_type = error_type
        self.message = message
        self.location = location
        self.errors = errors
        self.method = method
        self.path = path
        self.hint = hint
        super().__init__(self._render())

    def _render(self) -> str:
        head = "Metrica"
        if self.status_code is not None:
            head += f" {self.status_code}"
        if self.error_type:
            head += f" {self.error_type}"
        text = f"{head}: {self.message}"
        if self.location:
            text += f" (at {self.location})"
        if self.method and self.path:
            text += f" [{self.method} {self.path}]"
        if self.hint:
            text += f" — {self.hint}"
        return text

    def with_hint(self, hint: str) -> Self:
        """Set what to do about it (shown after the message); returns ``self`` to raise."""
        self.hint = hint
        self.args = (self._render(),)
        return self

    def __reduce__(self) -> tuple[object, ...]:
        # pickling (multiprocessing) must not call __init__ with the rendered text again
        return (_rebuild, (type(self), self.__dict__.copy()))


def _rebuild(cls: type[MetricaError], state: dict[str, object]) -> MetricaError:
    obj = cls.__new__(cls)
    obj.__dict__.update(state)
    obj.args = (obj._render(),)
    return obj


class MetricaAuthError(MetricaError):
    """401/403: the token is missing, wrong, expired, or has no access to the counter."""


class MetricaNotFoundError(MetricaError):
    """404: the counter or the upload does not exist (or is not visible to this token)."""


class MetricaBadRequestError(MetricaError):
    """400 or another 4xx that is not auth, not found or quota: the request itself is wrong."""


class MetricaInvalidUploadError(MetricaBadRequestError):
    """The uploaded file was refused (``invalid_uploading``, or the multipart request was not
    read: ``invalid_multipart_request``, ``missing_request_part``); nothing was stored."""


class MetricaInvalidCommentError(MetricaBadRequestError):
    """The upload's comment was refused (``not_allowed_symbols_in_comment``); nothing was
    stored. callframe checks comments before sending, so this means Metrica's rule is stricter
    than documented."""


class MetricaInvalidParameterError(MetricaBadRequestError):
    """A parameter of the request was refused (``wrong_parameter_value``,
    ``invalid_parameter``); ``location`` names it when Metrica does."""


class MetricaThresholdUnmetError(MetricaBadRequestError):
    """``visit_join_threshold_unmet``: the counter has not yet collected enough visits, and
    Metrica takes no upload before ``available_from`` (parsed from its message; ``None`` when
    the message gives no date). Send with ``ignore_visit_join_threshold=True``
    (``--ignore-visit-join-threshold``) to upload now anyway."""

    @property
    def available_from(self) -> datetime | None:
        return parse_metrica_time(self.message)


class MetricaQuotaError(MetricaError):
    """429: a quota is exhausted. ``retry_after`` is the server's delay in seconds, if given."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        status_code: int | None = 429,
        error_type: str | None = None,
        location: str | None = None,
        errors: tuple[ApiErrorDetail, ...] = (),
        method: str | None = None,
        path: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(
            message,
            status_code=status_code,
            error_type=error_type,
            location=location,
            errors=errors,
            method=method,
            path=path,
            hint=hint,
        )


class MetricaServerError(MetricaError):
    """5xx: Metrica failed. The client retried before raising this."""


class MetricaResponseError(MetricaError):
    """A successful answer that is not what the API documents (not JSON, no ``uploadings``
    list, an upload without an id). Never read as "nothing there": an empty list would switch
    the exactly-once lookup off silently."""


class MetricaTransportError(MetricaError):
    """No HTTP answer: the connection failed or dropped. The client retried before raising."""


class MetricaTimeoutError(MetricaTransportError):
    """The answer did not come within the client's timeout."""


class MetricaWaitTimeoutError(MetricaError, TimeoutError):
    """:meth:`MetricaClient.wait` gave up before the upload reached a final status.

    ``upload`` is the last state seen; the upload itself goes on at Metrica.
    """

    def __init__(self, message: str, *, upload: Uploading | None = None) -> None:
        self.upload = upload
        super().__init__(message)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _parse_body(content: bytes) -> tuple[str | None, tuple[ApiErrorDetail, ...]]:
    try:
        body = json.loads(content)
    except ValueError:
        return None, ()
    if not isinstance(body, Mapping):
        return None, ()
    details: list[ApiErrorDetail] = []
    raw = body.get("errors")
    if isinstance(raw, list):
        for item in raw:
            if isinstance(item, Mapping):
                details.append(
                    ApiErrorDetail(
                        _text(item.get("error_type")),
                        _text(item.get("message")),
                        _text(item.get("location")),
                    )
                )
    return _text(body.get("message")), tuple(details)


_BAD_REQUESTS: tuple[tuple[type[MetricaBadRequestError], frozenset[str], str | None], ...] = (
    (
        MetricaThresholdUnmetError,
        frozenset({"visit_join_threshold_unmet"}),
        "загрузить данные сейчас невозможно",
    ),
    (
        MetricaInvalidCommentError,
        frozenset({"not_allowed_symbols_in_comment"}),
        "комментарий содержит недопустимые символы",
    ),
    (
        MetricaInvalidParameterError,
        frozenset({"wrong_parameter_value", "invalid_parameter"}),
        None,
    ),
    (
        MetricaInvalidUploadError,
        frozenset({"invalid_uploading", "invalid_multipart_request", "missing_request_part"}),
        "неверный формат данных",
    ),
)


def _bad_request_class(
    error_type: str | None, message: str | None, is_upload: bool
) -> type[MetricaBadRequestError]:
    kind = (error_type or "").strip().lower()
    text = (message or "").strip().lower()
    for cls, types, prefix in _BAD_REQUESTS:
        if kind in types or (prefix is not None and text.startswith(prefix)):
            return cls
    return MetricaInvalidUploadError if is_upload else MetricaBadRequestError


def _status_class(
    status: int, error_type: str | None, message: str | None, is_upload: bool
) -> type[MetricaError]:
    if status in (401, 403):
        return MetricaAuthError
    if status == 404:
        return MetricaNotFoundError
    if status == 429:
        return MetricaQuotaError
    if status >= 500:
        return MetricaServerError
    if status == 400:
        return _bad_request_class(error_type, message, is_upload)
    if 400 <= status < 500:
        return MetricaBadRequestError
    return MetricaError


_HINTS: dict[type[MetricaError], str] = {
    MetricaAuthError: (
        "check the token (METRICA_TOKEN or token=): it needs the metrika:write or "
        "metrika:offline_data scope and edit access to the counter"
    ),
    MetricaNotFoundError: "check the counter id and the upload id",
    MetricaInvalidCommentError: (
        "use only letters, digits, spaces and . , : - _ in the comment (--comment / comment=)"
    ),
}


def _threshold_hint(message: str) -> str:
    when = parse_metrica_time(message)
    since = f"from {when.isoformat(sep=' ')}" if when is not None else "later"
    return (
        f"the counter has not collected enough visits yet; uploads become possible {since}. "
        "To upload now anyway, pass ignore_visit_join_threshold=True "
        "(CLI: --ignore-visit-join-threshold)"
    )


def error_from_response(
    status: int,
    content: bytes,
    *,
    method: str,
    path: str,
    is_upload: bool = False,
    retry_after: float | None = None,
    scrub: Callable[[str], str] | None = None,
) -> MetricaError:
    """Build the typed error for a non-2xx answer.

    ``scrub`` is a callable ``str -> str`` removing secrets from any text the server sent
    (the client passes one that masks its token).
    """
    clean: Callable[[str], str] = scrub or (lambda s: s)

    def cleaned(text: str | None) -> str | None:
        return None if text is None else clean(text)

    top, raw_details = _parse_body(content)
    # every field the server sent is scrubbed: an echo may come in any of them
    details = tuple(
        ApiErrorDetail(cleaned(d.error_type), cleaned(d.message), cleaned(d.location))
        for d in raw_details
    )
    first = details[0] if details else ApiErrorDetail(None, None, None)
    message = first.message or cleaned(top)
    if message is None:
        # scrub the whole body, then cut: a cut first could keep the start of a secret
        snippet = clean(content.decode("utf-8", "replace"))[:_MAX_BODY_CHARS].strip()
        message = snippet or "(no error body)"
    cls = _status_class(status, first.error_type, message, is_upload)
    if cls is MetricaQuotaError:
        return MetricaQuotaError(
            message,
            retry_after=retry_after,
            status_code=status,
            error_type=first.error_type,
            location=first.location,
            errors=details,
            method=method,
            path=path,
        )
    return cls(
        message,
        status_code=status,
        error_type=first.error_type,
        location=first.location,
        errors=details,
        method=method,
        path=path,
        hint=_threshold_hint(message) if cls is MetricaThresholdUnmetError else _HINTS.get(cls),
    )
