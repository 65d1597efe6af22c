"""Yandex Metrica: the upload client (sync and async), its models and errors, and a sandbox.

Errors and models are plain Python and imported at once. The clients (httpx) and the sandbox
(starlette) are imported on first use, so ``import callframe`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from callframe.metrica.errors import (
    ApiErrorDetail,
    MetricaAuthError,
    MetricaBadRequestError,
    MetricaError,
    MetricaInvalidCommentError,
    MetricaInvalidParameterError,
    MetricaInvalidUploadError,
    MetricaNotFoundError,
    MetricaQuotaError,
    MetricaResponseError,
    MetricaServerError,
    MetricaThresholdUnmetError,
    MetricaTimeoutError,
    MetricaTransportError,
    MetricaWaitTimeoutError,
)
from callframe.metrica.models import (
    OfflineCallsUploading,
    OfflineConversionUploading,
    Uploading,
    UploadOutcome,
    UploadPart,
    UploadResult,
    UploadStatus,
    VisitJoinThreshold,
)

if TYPE_CHECKING:
    from callframe.metrica.client import AsyncMetricaClient, MetricaClient
    from callframe.metrica.sandbox import Fault, Sandbox

__all__ = [
    "ApiErrorDetail",
    "AsyncMetricaClient",
    "Fault",
    "MetricaAuthError",
    "MetricaBadRequestError",
    "MetricaClient",
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
    "OfflineCallsUploading",
    "OfflineConversionUploading",
    "Sandbox",
    "UploadOutcome",
    "UploadPart",
    "UploadResult",
    "UploadStatus",
    "Uploading",
    "VisitJoinThreshold",
]

_LAZY = {
    "AsyncMetricaClient": "callframe.metrica.client",
    "MetricaClient": "callframe.metrica.client",
    "Fault": "callframe.metrica.sandbox",
    "Sandbox": "callframe.metrica.sandbox",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is not None:
        return getattr(importlib.import_module(module), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
