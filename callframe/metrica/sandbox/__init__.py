"""A local stand-in for Metrica's upload endpoints, for tests, demos and trying things out.

:class:`Sandbox` is an ASGI app (starlette) that behaves like the documented API
(decisions.md "The sandbox"):

* the same paths, parameters, JSON shapes and error bodies
  (``{"errors": [{"error_type", "message", "location"}], "code", "message"}``):
  ``POST …/offline_conversions/upload_calls`` and ``…/upload``; ``GET …/calls_uploadings``,
  ``…/calls_uploading/{id}``, ``…/uploadings``, ``…/uploading/{id}``;
* ``Authorization: OAuth <token>`` checked (401 ``unauthorized`` when missing, 403
  ``invalid_token`` when wrong);
* the uploaded file read from the multipart part ``file`` (streamed to disk) and validated with
  callframe's contract: a file that breaks it is answered 400 ``invalid_uploading`` with the
  rule ids and counts (never values), and nothing is stored;
* ids, ``source_quantity``, ``line_quantity``, static/dynamic call counts; statuses move
  ``UPLOADED → MATCHED → PROCESSED`` over ``processing_seconds`` (``LINKAGE_FAILURE`` when no row
  has an ID), computed from the upload's age, so no background task is needed;
* state in SQLite: a file when ``db`` is given (it survives restarts), else in memory;
* faults on request (:class:`Fault`): delays, 5xx, 429 with ``Retry-After``, dropped connections,
  before or after storing the upload. Set them with :meth:`Sandbox.inject`, or over HTTP with
  ``POST /_sandbox/faults`` (same token) when the sandbox runs in another process; each one used
  is listed in :attr:`Sandbox.faults_applied`;
* a client that goes away before its file was read in full (a timeout, a killed process) gets
  nothing stored: an upload exists only once its whole body arrived.

It imports the contract to validate, never the client. Serve it with uvicorn (``callframe
sandbox``, or :func:`serve` for a background thread in tests).
"""

from callframe.metrica.sandbox._app import DEFAULT_TOKEN, Fault, Sandbox
from callframe.metrica.sandbox._serve import run, serve

__all__ = ["DEFAULT_TOKEN", "Fault", "Sandbox", "run", "serve"]
