"""A local model of Metrica's offline-conversion server, for tests, demos and trying things out.

:class:`Sandbox` is an ASGI app (starlette) that answers as the real server does, as Yandex's own
API tests record it (``metrica-server.md``; decisions.md "The sandbox"):

* the same paths, parameters, JSON shapes and error bodies
  (``{"errors": [{"error_type", "message", "location"}], "code", "message"}``):
  ``POST …/offline_conversions/upload_calls`` and ``…/upload`` (``type`` BASIC, CALLS, CHATS);
  ``GET …/calls_uploadings``, ``…/calls_uploading/{id}``, ``…/uploadings``, ``…/uploading/{id}``;
  the threshold endpoints ``GET …/calls_visit_join_threshold`` and ``…/visit_join_threshold``
  (``{"date": "YYYY-MM-DD HH:MM:SS"}``, UTC: the key is what clients read, the value's format
  is not confirmed), ``POST``/``DELETE …/calls_extended_threshold`` and ``…/extended_threshold``
  (``{"success": true}``);
* ``Authorization: OAuth <token>`` checked (401 ``unauthorized`` when missing, 403
  ``invalid_token`` when wrong);
* the file read from the multipart part ``file`` (streamed to disk; not multipart: 400
  ``invalid_multipart_request``; no ``file`` part: 400 ``missing_request_part``; over
  ``max_file_bytes``, 10^9 bytes (1 GB) by default: 400 ``invalid_uploading``) and parsed by
  the sandbox's OWN code (:mod:`._csv`, :mod:`._rules`), written from the server's observed
  behaviour — it imports nothing of callframe's contract, validation, report, io or client, so
  a misunderstanding shared with the client cannot hide (a test checks the import graph):
  header names matched with non-word characters removed, ignoring case, in any order; blank
  lines skipped; values trimmed; the whole file refused (400 ``invalid_uploading``, «Неверный
  формат данных, ошибка в строке номер N») when it is empty, has bad quoting, has no data
  rows, or lacks ``DateTime`` or the column of ``client_id_type``; a bad row (ID or
  ``DateTime`` empty or wrong) dropped from ``line_quantity`` while the file is accepted; wrong
  optional values (durations, flags, price) counted; an unknown ``client_id_type`` refused (400
  ``wrong_parameter_value``); without ``client_id_type`` the type comes from the one ID column
  of the header (Yandex's tests always send it: what the server does without it is unknown);
* comments checked (400 ``not_allowed_symbols_in_comment``): digits, Latin and Cyrillic letters
  (documented), spaces and ``. , : - _`` (callframe's set; unconfirmed); returned as sent;
* fresh counters (``fresh_counters=``, :meth:`Sandbox.set_fresh`, ``POST
  /_sandbox/counters/{counter}`` with ``{"fresh": true}``, ``callframe sandbox
  --fresh-counter``): an upload without ``ignore_calls_visit_join_threshold=1`` (calls) /
  ``ignore_visit_join_threshold=1`` (BASIC, CHATS) gets 400 ``visit_join_threshold_unmet``;
* ids, ``source_quantity`` (data rows), ``line_quantity`` (rows that passed), static/dynamic
  call counts; statuses ``PREPARED`` (for ``prepared_seconds``, default 0: the upload is
  ``UPLOADED`` at once) → ``UPLOADED`` → ``EXPORTED`` → ``MATCHED`` → ``PROCESSED`` over
  ``processing_seconds`` (``LINKAGE_FAILURE`` when no row was counted), computed from the
  upload's age, so no background task is needed;
* state in SQLite: a file when ``db`` is given (it survives restarts), else in memory;
* faults on request (:class:`Fault`): delays, 5xx, 429 with ``Retry-After``, dropped
  connections, before or after storing the upload, and uploads listed only ``list_after``
  seconds after they were stored. Set them with :meth:`Sandbox.inject`, or over HTTP with
  ``POST /_sandbox/faults`` (same token) when the sandbox runs in another process; each one used
  is listed in :attr:`Sandbox.faults_applied`;
* a client that goes away before its file was read in full (a timeout, a killed process) gets
  nothing stored: an upload exists only once its whole body arrived.

``type=CHATS`` files are only counted (lines after the header): the chats contract is another
issue's. Serve it with uvicorn (``callframe sandbox``, or :func:`serve` for a background thread
in tests).
"""

from callframe.metrica.sandbox._app import DEFAULT_TOKEN, Fault, Sandbox
from callframe.metrica.sandbox._serve import run, serve

__all__ = ["DEFAULT_TOKEN", "Fault", "Sandbox", "run", "serve"]
