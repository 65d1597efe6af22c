"""``callframe upload``, ``uploads``, ``status``, ``threshold`` and ``sandbox``.

The token comes from ``METRICA_TOKEN`` only (never a command-line option: those end up in shell
history and process lists) and is never printed. Exit codes: 0 success; 1 the file was rejected
(by the contract or by Metrica) or the API call failed; 2 the command was used wrongly or the
file cannot be read. The HTTP client is imported only when one of these commands runs.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import typer

from callframe._cli.common import (
    EXIT_DATA,
    EXIT_OK,
    OutputFormat,
    app,
    err_console,
    guarded,
    out_console,
)
from callframe.errors import ContractError, UsageError
from callframe.metrica._policy import DEFAULT_BASE_URL, POLL_INTERVAL, WAIT_TIMEOUT
from callframe.metrica.errors import MetricaError
from callframe.metrica.models import (
    Uploading,
    UploadOutcome,
    UploadPart,
    UploadResult,
    UploadStatus,
)

if TYPE_CHECKING:
    from callframe.metrica.client import MetricaClient

__all__ = [
    "sandbox_command",
    "status_command",
    "threshold_command",
    "upload_command",
    "uploads_command",
]

BASE_URL_ENV = "METRICA_BASE_URL"


class UploadKind(StrEnum):
    calls = "calls"
    conversions = "conversions"
    chats = "chats"


_COUNTER = typer.Option(..., "--counter", help="Metrica counter (tag) id.", min=1)
_KIND = typer.Option(
    UploadKind.calls,
    "--kind",
    help="calls (upload_calls), conversions (upload, BASIC) or chats (upload?type=CHATS).",
)
_BASE_URL = typer.Option(
    DEFAULT_BASE_URL,
    "--base-url",
    envvar=BASE_URL_ENV,
    help="API base URL (a proxy or `callframe sandbox`); env METRICA_BASE_URL.",
)
_FORMAT = typer.Option(OutputFormat.text, "--format", help="text or json.")


def _client(counter: int, base_url: str) -> MetricaClient:
    from callframe.metrica.client import MetricaClient

    return MetricaClient(counter, base_url=base_url)


@contextmanager
def _api_errors() -> Iterator[None]:
    """A failed API call or a rejected file: one clear line on stderr and exit 1."""
    try:
        yield
    except MetricaError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_DATA) from None


def _status_text(upload: Uploading) -> str:
    return upload.status.value if upload.status is not None else "no status"


def _describe(upload: Uploading) -> str:
    bits = [f"upload {upload.id} ({_status_text(upload)})"]
    counts = []
    if upload.source_quantity is not None:
        counts.append(f"{upload.source_quantity} rows in file")
    if upload.line_quantity is not None:
        counts.append(f"{upload.line_quantity} accepted")
    static = getattr(upload, "static_calls_quantity", None)
    dynamic = getattr(upload, "dynamic_calls_quantity", None)
    if static is not None and dynamic is not None:
        counts.append(f"{static} static, {dynamic} dynamic")
    if upload.linked_quantity is not None and upload.is_final:
        counts.append(f"{upload.linked_quantity} linked")
    if counts:
        bits.append(": " + ", ".join(counts))
    return "".join(bits)


def _print_result(path: Path, result: UploadResult) -> None:
    """One line per part (type, rows, what happened, upload id and status), then its comment
    and anything Metrica did not take."""
    many = len(result.parts) > 1
    if many:
        types = sorted({p.client_id_type or "" for p in result.parts})
        why = (
            f"the rows use {len(types)} ID types: one upload per client_id_type"
            if len(types) > 1
            else "over the size limit: split"
        )
        typer.echo(f"{path}: {len(result.parts)} uploads ({why})")
    for part in result.parts:
        if part.outcome is UploadOutcome.SENT:
            verb = "sent as"
        elif part.outcome is UploadOutcome.FOUND:
            verb = "already uploaded (same content) as"
        else:
            verb = "stored (answer was lost, found by its content hash) as"
        head = f"  {part.filename}" if many else str(path)
        typed = f"{part.client_id_type}, " if part.client_id_type else ""
        typer.echo(f"{head}: {typed}{part.n_rows} rows: {verb} {_describe(part.upload)}")
        details = f"    comment: {part.upload.comment or ''}"
        if part.warnings:
            details += f"; {part.warnings} warnings (run `callframe validate` to see them)"
        typer.echo(details)
        if part.outcome is UploadOutcome.FOUND:
            typer.echo("    not sent again; use --force to send it anyway")
        for shortfall in part.shortfalls:
            typer.echo(f"    warning: {shortfall}")


def _print_final(part: UploadPart) -> None:
    upload = part.upload
    typer.echo(f"final: {_describe(upload)}")
    for shortfall in part.shortfalls:
        typer.echo(f"  warning: {shortfall}")
    if upload.status is UploadStatus.LINKAGE_FAILURE:
        typer.echo(
            "  LINKAGE_FAILURE: no call could be linked to a visit (static calls still "
            "appear in call reports)"
        )


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    if not enabled:
        yield None
        return
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err_console(),
        transient=True,
    ) as bar:
        task = bar.add_task("uploading", total=None)

        def update(sent: int, total: int) -> None:
            bar.update(task, completed=sent, total=total)

        yield update


@app.command("upload")
@guarded
def upload_command(
    path: Path = typer.Argument(..., help="The Metrica CSV to upload (validated first)."),
    counter: int = _COUNTER,
    kind: UploadKind = _KIND,
    comment: str | None = typer.Option(
        None,
        "--comment",
        help="Upload comment: letters, digits, spaces and . , : - _ only; callframe appends "
        "cf<content hash>.",
    ),
    goal_name: str | None = typer.Option(
        None, "--goal-name", help="calls: create a calls goal with this name if none exists."
    ),
    wait: bool = typer.Option(False, "--wait", help="Wait until PROCESSED or LINKAGE_FAILURE."),
    base_url: str = _BASE_URL,
    force: bool = typer.Option(
        False, "--force", help="Send even if an upload with the same content exists."
    ),
    fmt: OutputFormat = _FORMAT,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    wait_timeout: float = typer.Option(WAIT_TIMEOUT, "--wait-timeout", help="Seconds."),
    poll_interval: float = typer.Option(POLL_INTERVAL, "--poll-interval", help="Seconds."),
    now: int | None = typer.Option(
        None, "--now", help="Unix seconds to use as 'now' when validating (default: the clock)."
    ),
    ignore_threshold: bool = typer.Option(
        False,
        "--ignore-visit-join-threshold",
        help="Upload even if the counter has not collected enough visits yet "
        "(Metrica refuses with VISIT_JOIN_THRESHOLD_UNMET otherwise).",
    ),
    strict: bool = typer.Option(
        False, "--strict", help="Exit 1 when Metrica did not take every row (a warning otherwise)."
    ),
) -> None:
    """Validate a Metrica CSV and upload it exactly once (token from METRICA_TOKEN).

    Calls and conversions using several ID columns go as one upload per client_id_type (chats
    go whole, without client_id_type). Exit 0: uploaded (or
    found uploaded before); 1: the file or the upload was rejected, the API failed, or (with
    --strict) Metrica did not take every row; 2: bad usage or an unreadable file.
    """
    if goal_name is not None and kind is not UploadKind.calls:
        raise UsageError("--goal-name applies to --kind calls only")
    show_bar = fmt is OutputFormat.text and not quiet and err_console().is_terminal
    with _client(counter, base_url) as client, _api_errors():
        try:
            with _progress(show_bar) as progress:
                if kind is UploadKind.calls:
                    result = client.upload_calls(
                        path,
                        comment=comment,
                        new_goal_name=goal_name,
                        force=force,
                        now=now,
                        progress=progress,
                        ignore_visit_join_threshold=ignore_threshold,
                    )
                elif kind is UploadKind.chats:
                    result = client.upload_chats(
                        path,
                        comment=comment,
                        force=force,
                        now=now,
                        progress=progress,
                        ignore_visit_join_threshold=ignore_threshold,
                    )
                else:
                    result = client.upload_conversions(
                        path,
                        comment=comment,
                        force=force,
                        now=now,
                        progress=progress,
                        ignore_visit_join_threshold=ignore_threshold,
                    )
        except ContractError as exc:
            if fmt is OutputFormat.json:
                typer.echo(
                    json.dumps(
                        {"path": str(path), "rejected": exc.report.to_dict()},
                        ensure_ascii=False,
                        indent=2,
                    )
                )
            else:
                out_console().print(exc.report)
                typer.echo(f"error: not uploaded: {exc}", err=True)
            raise typer.Exit(EXIT_DATA) from None
        if fmt is OutputFormat.text:
            _print_result(path, result)
        if wait:
            result = client.wait(result, timeout=wait_timeout, poll_interval=poll_interval)
            if fmt is OutputFormat.text:
                for part in result.parts:
                    _print_final(part)
        if fmt is OutputFormat.json:
            doc = {
                "path": str(path),
                "kind": kind.value,
                "partial": result.partial,
                **result.to_dict(),
            }
            typer.echo(json.dumps(doc, ensure_ascii=False, indent=2))
    if strict and result.partial:
        typer.echo(
            "error: Metrica did not take every row (--strict): " + "; ".join(result.shortfalls),
            err=True,
        )
        raise typer.Exit(EXIT_DATA)
    raise typer.Exit(EXIT_OK)


def _uploads_table(uploads: list[Uploading], kind: UploadKind) -> Any:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(show_header=True, header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False)
    columns = ["id", "created (UTC)", "status", "rows", "valid"]
    if kind is UploadKind.calls:
        columns += ["static", "dynamic"]
    columns += ["linked", "comment"]
    for name in columns:
        table.add_column(name, overflow="fold")
    for u in uploads:
        created = u.create_time.strftime("%Y-%m-%d %H:%M") if u.create_time else ""
        row = [str(u.id), created, _status_text(u), _num(u.source_quantity), _num(u.line_quantity)]
        if kind is UploadKind.calls:
            row += [
                _num(getattr(u, "static_calls_quantity", None)),
                _num(getattr(u, "dynamic_calls_quantity", None)),
            ]
        row += [_num(u.linked_quantity), u.comment or ""]
        table.add_row(*(Text(cell) for cell in row))  # text, not markup: a comment is no style
    return table


def _num(value: int | None) -> str:
    return "" if value is None else str(value)


@app.command("uploads")
@guarded
def uploads_command(
    counter: int = _COUNTER,
    kind: UploadKind = _KIND,
    base_url: str = _BASE_URL,
    fmt: OutputFormat = _FORMAT,
) -> None:
    """List the uploads of a counter (all pages)."""
    with _client(counter, base_url) as client, _api_errors():
        uploads: list[Uploading] = list(
            client.iter_call_uploads()
            if kind is UploadKind.calls
            else client.iter_chat_uploads()
            if kind is UploadKind.chats
            else client.iter_conversion_uploads()
        )
    if fmt is OutputFormat.json:
        typer.echo(
            json.dumps({"uploads": [u.to_dict() for u in uploads]}, ensure_ascii=False, indent=2)
        )
    elif not uploads:
        typer.echo(f"no {kind.value} uploads for counter {counter}")
    else:
        console = out_console()
        if not console.is_terminal:
            console.width = 200  # a pipe or a log has no width to fit; keep one line per upload
        console.print(_uploads_table(uploads, kind))
    raise typer.Exit(EXIT_OK)


@app.command("status")
@guarded
def status_command(
    upload_id: int = typer.Argument(..., help="The upload id.", min=1),
    counter: int = _COUNTER,
    kind: UploadKind = _KIND,
    base_url: str = _BASE_URL,
    fmt: OutputFormat = _FORMAT,
    wait: bool = typer.Option(False, "--wait", help="Wait until PROCESSED or LINKAGE_FAILURE."),
    wait_timeout: float = typer.Option(WAIT_TIMEOUT, "--wait-timeout", help="Seconds."),
    poll_interval: float = typer.Option(POLL_INTERVAL, "--poll-interval", help="Seconds."),
) -> None:
    """Show one upload's status and counts."""
    with _client(counter, base_url) as client, _api_errors():
        upload: Uploading = (
            client.call_upload(upload_id)
            if kind is UploadKind.calls
            else client.conversion_upload(upload_id)
        )
        if wait:
            upload = client.wait(upload, timeout=wait_timeout, poll_interval=poll_interval)
    if fmt is OutputFormat.json:
        typer.echo(json.dumps(upload.to_dict(), ensure_ascii=False, indent=2))
    else:
        typer.echo(_describe(upload))
        if upload.comment:
            typer.echo(f"  comment: {upload.comment}")
    raise typer.Exit(EXIT_OK)


@app.command("threshold")
@guarded
def threshold_command(
    counter: int = _COUNTER,
    kind: UploadKind = _KIND,
    base_url: str = _BASE_URL,
    fmt: OutputFormat = _FORMAT,
    enable_extended: bool = typer.Option(
        False,
        "--enable-extended",
        help="Turn on the extended conversion window (calls_extended_threshold / "
        "extended_threshold).",
    ),
    disable_extended: bool = typer.Option(
        False, "--disable-extended", help="Turn the extended conversion window off."
    ),
) -> None:
    """Show from when the counter takes uploads (its visit-join threshold); optionally turn
    the extended conversion window on or off."""
    if enable_extended and disable_extended:
        raise UsageError("--enable-extended and --disable-extended exclude each other")
    which: Literal["calls", "conversions"] = "calls" if kind is UploadKind.calls else "conversions"
    extended: str | None = None
    with _client(counter, base_url) as client, _api_errors():
        if enable_extended or disable_extended:
            if enable_extended:
                client.enable_extended_threshold(which)
            else:
                client.disable_extended_threshold(which)
            extended = "enabled" if enable_extended else "disabled"
        threshold = client.visit_join_threshold(which)
    if fmt is OutputFormat.json:
        doc: dict[str, Any] = {"counter": counter, **threshold.to_dict()}
        if extended is not None:
            doc["extended_window"] = extended
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        if extended is not None:
            typer.echo(f"extended {which} window {extended} for counter {counter}")
        if threshold.date is not None:
            when = threshold.date.isoformat(sep=" ")
        else:
            when = repr(threshold.raw) if threshold.raw else "no date given"
        typer.echo(f"{which} uploads to counter {counter} possible from: {when}")
    raise typer.Exit(EXIT_OK)


@app.command("sandbox")
@guarded
def sandbox_command(
    host: str = typer.Option("127.0.0.1", "--host", help="Loopback address to listen on."),
    port: int = typer.Option(0, "--port", help="0 picks a free port.", min=0, max=65535),
    db: Path | None = typer.Option(None, "--db", help="SQLite file for the state."),
    token: str | None = typer.Option(
        None,
        "--token",
        help="The token the sandbox accepts (default: 'sandbox-token'; it is a fake token).",
    ),
    processing_seconds: float = typer.Option(
        2.0, "--processing-seconds", help="Time from upload to PROCESSED.", min=0
    ),
    fresh_counter: list[int] = typer.Option(
        [],
        "--fresh-counter",
        metavar="COUNTER",
        help="A counter that has not collected enough visits yet: uploads without the "
        "ignore-threshold parameter get 400 visit_join_threshold_unmet (repeatable).",
        min=1,
    ),
) -> None:
    """Run a local Metrica stand-in (no network): prints its base URL, then serves until Ctrl-C.

    Point the client at it: METRICA_BASE_URL=<url> METRICA_TOKEN=<token> callframe upload …
    """
    _require_sandbox_extra()
    from callframe.metrica.sandbox import DEFAULT_TOKEN, Sandbox, run

    app_ = Sandbox(
        token or DEFAULT_TOKEN,
        db=db,
        processing_seconds=processing_seconds,
        fresh_counters=fresh_counter,
    )

    def ready(url: str) -> None:
        sys.stdout.write(url + "\n")
        sys.stdout.flush()
        err_console().print(f"Metrica sandbox on {url} — Ctrl-C to stop", markup=False)

    try:
        run(app_, host, port, on_ready=ready)
    finally:
        app_.close()
    raise typer.Exit(EXIT_OK)


def _require_sandbox_extra() -> None:
    """The sandbox's HTTP server is an extra: say which command installs it (exit 2)."""
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise UsageError(
            f"`callframe sandbox` needs the sandbox extra ({exc.name} is not installed): "
            "pip install 'callframe[sandbox]'"
        ) from None
