"""The client's policies as data: defaults, retries, backoff, ``Retry-After``, polling, URLs.

Everything here is pure (no I/O, no clock, no randomness of its own): the client passes in the
time and a random number, so tests can check every delay without sleeping.

What is retried (decisions.md "The uploader"): connection errors, timeouts, dropped connections,
HTTP 429 and 5xx. Any other 4xx is final. Delays grow as ``INITIAL_RETRY_DELAY * 2**n`` up to
``MAX_RETRY_DELAY``, each multiplied by a jitter factor in ``(1 - JITTER, 1]`` (the Stainless SDK
scheme). A ``Retry-After`` (seconds, milliseconds via ``retry-after-ms``, or an HTTP date) is
honoured as given when it is at most ``MAX_RETRY_AFTER``; a longer one means the quota will not
come back soon, so the client raises :class:`~callframe.metrica.errors.MetricaQuotaError` with
``retry_after`` at once instead of sleeping for minutes.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from callframe.errors import UsageError

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "INITIAL_RETRY_DELAY",
    "JITTER",
    "LIST_PAGE_SIZE",
    "LOOK_BACKOFF",
    "LOOK_FIRST_DELAY",
    "LOOK_MAX_DELAY",
    "LOST_ANSWER_WINDOW",
    "MAX_IN_FLIGHT",
    "MAX_POLL_INTERVAL",
    "MAX_RETRY_AFTER",
    "MAX_RETRY_DELAY",
    "POLL_BACKOFF",
    "POLL_INTERVAL",
    "WAIT_TIMEOUT",
    "LookPolicy",
    "PollPolicy",
    "RetryPolicy",
    "check_base_url",
    "is_loopback_host",
    "parse_retry_after",
    "retryable_status",
]

DEFAULT_BASE_URL = "https://api-metrika.yandex.net"
DEFAULT_TIMEOUT = 300.0
"""Seconds to wait for each read/write (Metrica may take long to accept a 1 GB file)."""
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_MAX_RETRIES = 3
"""Retries after the first attempt, so at most four attempts per request."""
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
JITTER = 0.25
MAX_RETRY_AFTER = 60.0
MAX_IN_FLIGHT = 3
"""Metrica's quota: at most three parallel requests per user."""
POLL_INTERVAL = 5.0
POLL_BACKOFF = 1.5
MAX_POLL_INTERVAL = 60.0
WAIT_TIMEOUT = 3 * 3600.0
"""Metrica documents up to two hours of processing; ``wait()`` gives it three."""
LIST_PAGE_SIZE = 1000
LOST_ANSWER_WINDOW = 180.0
"""Seconds an upload whose answer was lost (timeout, dropped connection, 5xx) is looked for
among the listed uploads before it is sent again: a large file may be listed only once the
server has parsed it, so one look right after the failure is not enough."""
LOOK_FIRST_DELAY = 2.0
LOOK_BACKOFF = 2.0
LOOK_MAX_DELAY = 30.0


def retryable_status(status: int) -> bool:
    """429 and 5xx are worth another attempt; every other status is final."""
    return status == 429 or status >= 500


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to retry one request."""

    max_retries: int = DEFAULT_MAX_RETRIES
    initial_delay: float = INITIAL_RETRY_DELAY
    max_delay: float = MAX_RETRY_DELAY
    jitter: float = JITTER
    max_retry_after: float = MAX_RETRY_AFTER

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise UsageError(f"max_retries must be 0 or more, not {self.max_retries}")

    def backoff(self, retry: int, rand: float) -> float:
        """Delay before retry number ``retry`` (0-based), for ``rand`` in ``[0, 1)``."""
        base = min(self.initial_delay * math.pow(2.0, min(retry, 1000)), self.max_delay)
        return base * (1.0 - self.jitter * rand)

    def delay(self, retry: int, rand: float, retry_after: float | None) -> float | None:
        """Seconds to sleep before retry ``retry``; ``None`` when the server asks for longer
        than ``max_retry_after`` (then retrying within this call is pointless)."""
        if retry_after is not None:
            if retry_after > self.max_retry_after:
                return None
            return max(retry_after, 0.0)
        return self.backoff(retry, rand)


def parse_retry_after(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds the server asks to wait, from ``retry-after-ms`` or ``retry-after``.

    ``headers`` has lower-case names; ``now`` is the wall clock (Unix seconds) for HTTP dates.
    Unparseable or negative values give ``None`` (fall back to backoff).
    """
    ms = headers.get("retry-after-ms")
    if ms is not None:
        try:
            value = float(ms) / 1000.0
        except ValueError:
            value = -1.0
        if math.isfinite(value) and value >= 0:
            return value
    raw = headers.get("retry-after")
    if raw is None:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        try:
            when = parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = when.timestamp() - now
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return seconds


@dataclass(frozen=True, slots=True)
class PollPolicy:
    """How ``wait()`` polls: start at ``interval``, grow by ``backoff`` up to ``max_interval``."""

    interval: float = POLL_INTERVAL
    backoff: float = POLL_BACKOFF
    max_interval: float = MAX_POLL_INTERVAL

    def intervals(self) -> Iterator[float]:
        current = max(self.interval, 0.0)
        while True:
            yield current
            current = min(current * self.backoff, max(self.max_interval, self.interval))


@dataclass(frozen=True, slots=True)
class LookPolicy:
    """When to look again for an upload whose answer was lost: right away, then after
    ``first_delay`` seconds growing by ``backoff`` up to ``max_delay``, until the delays add
    up to ``window`` (the last one cut to fit). ``window=0``: one look only."""

    window: float = LOST_ANSWER_WINDOW
    first_delay: float = LOOK_FIRST_DELAY
    backoff: float = LOOK_BACKOFF
    max_delay: float = LOOK_MAX_DELAY

    def __post_init__(self) -> None:
        if not (math.isfinite(self.window) and self.window >= 0):
            raise UsageError(f"the lost-answer window must be 0 or more seconds, not {self.window}")

    def delays(self) -> Iterator[float]:
        """The sleeps between looks (after the first look); their sum is ``window``."""
        left = self.window
        current = max(self.first_delay, 0.001)
        while left > 1e-9:
            step = min(current, left)
            yield step
            left -= step
            current = min(current * self.backoff, max(self.max_delay, self.first_delay))


def is_loopback_host(host: str) -> bool:
    """``localhost``, ``127.0.0.0/8`` and ``::1``.

    Not ``*.localhost``: RFC 6761 asks resolvers to keep those on loopback, but glibc and most
    others send them to DNS, where anyone may answer — and the token would follow in clear text.
    """
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_base_url(url: str) -> str:
    """Return ``url`` without a trailing ``/``; refuse anything but https (http on loopback)."""
    try:
        parts = urlsplit(url.strip())
        has_credentials = bool(parts.username or parts.password)
        hostname = parts.hostname
    except ValueError:
        raise UsageError("base_url is not a valid URL") from None
    if has_credentials or "@" in parts.netloc:
        raise UsageError("base_url must not contain credentials; pass token= instead")
    if parts.scheme not in ("https", "http") or not hostname:
        raise UsageError(f"base_url must be an https:// URL, not {url!r}")
    if parts.query or parts.fragment:
        raise UsageError("base_url must not have a query string or fragment")
    if parts.scheme == "http" and not is_loopback_host(hostname):
        raise UsageError(
            f"base_url {url!r} is plain http to a non-loopback host: the token would travel in "
            "clear text. Use https://, or http:// only for 127.0.0.1/localhost (the sandbox)"
        )
    return url.strip().rstrip("/")
