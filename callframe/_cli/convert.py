"""``callframe detect`` and ``callframe convert``: tracker exports in, the Metrica calls CSV out."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import NamedTuple

import typer

from callframe._api import write_csv
from callframe._cli.common import EXIT_DATA, EXIT_OK, OutputFormat, app, err_console, guarded
from callframe.conversion import Conversion, convert, convert_file, enrich
from callframe.io.exports import read_export
from callframe.io.metrica_csv import atomic_target
from callframe.trackers.registry import detect, envelopes, rank

__all__ = ["convert_command", "detect_command"]


class _Options(NamedTuple):
    """The conversion settings of ``callframe convert``, for either way of running it."""

    tracker: str | None
    mapping: Path | None
    tz: str | None
    static: bool | None
    region: str | None
    now: float | None
    keep_outbound: bool


@app.command("detect")
@guarded
def detect_command(
    path: Path = typer.Argument(..., help="A tracker export: JSON, CSV/TXT, XLSX/XLS."),
    fmt: OutputFormat = typer.Option(OutputFormat.text, "--format", help="text or json."),
) -> None:
    """Say which tracker an export comes from. Exit 0: detected; 2: unreadable or unknown."""
    export = read_export(path, envelopes=envelopes())
    found = detect(export)
    others = [d for d in rank(export.frame.columns, export.frame) if d.name != found.name][:2]
    if fmt is OutputFormat.json:
        document = {
            **export.describe(),
            "tracker": found.name,
            "title": found.adapter.title,
            "score": round(found.score, 3),
            "needs_tz": found.adapter.needs_tz(),
            "candidates": [found.to_dict(), *(d.to_dict() for d in others)],
        }
        typer.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    sep = export.delimiter
    shown_sep = None if sep is None else ("tab" if sep == "\t" else repr(sep))
    facts = [
        f"format {export.format}",
        *([f"encoding {export.encoding}"] if export.encoding else []),
        *([f"delimiter {shown_sep}"] if shown_sep else []),
        *([f"envelope {export.envelope}"] if export.envelope else []),
        *([f"sheet {export.sheet!r}"] if export.sheet else []),
        f"{export.rows} rows",
    ]
    typer.echo(f"{path}: {found.name} ({found.adapter.title}), score {found.score:.2f}")
    typer.echo(f"  {', '.join(facts)}")
    if found.adapter.needs_tz():
        typer.echo("  times may lack a UTC offset: convert with --tz ZONE (e.g. Europe/Moscow)")
    for d in others:
        typer.echo(f"  also considered: {d.name} (score {d.score:.2f})")


@app.command("convert")
@guarded
def convert_command(
    path: Path = typer.Argument(..., help="A tracker export: JSON, CSV/TXT, XLSX/XLS."),
    output: Path = typer.Option(..., "-o", "--output", help="The Metrica calls CSV to write."),
    tracker: str | None = typer.Option(
        None,
        "--tracker",
        help="Adapter name (default: detected); see `callframe detect`. Options after a colon, "
        "';' between them: asterisk:layout=cdr_custom, asterisk:trunk_channels=SIP/mtt,SIP/b.",
    ),
    tz: str | None = typer.Option(
        None, "--tz", help="IANA time zone of times written without an offset (Europe/Moscow)."
    ),
    static: bool = typer.Option(False, "--static", help="Mark every call static (StaticCall=1)."),
    region: str | None = typer.Option(
        None, "--region", help="Country of national phone numbers (default RU)."
    ),
    mapping: Path | None = typer.Option(
        None, "--map", help="TOML column mapping for the generic adapter."
    ),
    rejected: Path | None = typer.Option(
        None, "--rejected", help="Also write the rejected rows (original columns, rule, title)."
    ),
    keep_outbound: bool = typer.Option(
        False, "--keep-outbound", help="Keep outbound calls instead of rejecting them."
    ),
    ids: Path | None = typer.Option(
        None,
        "--ids",
        help="Fill IDs of calls without one from this file (PhoneNumber, DateTime, "
        "ClientId/UserId/Yclid) by phone and time.",
    ),
    within: str = typer.Option(
        "30m", "--within", help="With --ids: how long before the call an ids row counts (30m)."
    ),
    ids_tz: str | None = typer.Option(
        None, "--ids-tz", help="With --ids: zone of its times without an offset (default --tz)."
    ),
    fmt: OutputFormat = typer.Option(OutputFormat.text, "--format", help="text or json."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing on success."),
    now: int | None = typer.Option(
        None, "--now", help="Unix seconds to use as 'now' (default: the clock)."
    ),
) -> None:
    """Convert a tracker export to the Metrica calls CSV.

    Exit 0: every row converted; 1: some rows rejected (see --rejected); 2: the export cannot be
    read or detected, or the command was used wrongly.
    """
    console = err_console()
    # a live indicator for large files, on a terminal only: logs and pipes stay clean
    show = console.is_terminal and not quiet
    options = _Options(tracker, mapping, tz, True if static else None, region, now, keep_outbound)
    enrichment = None
    conversion: Conversion
    if ids is None:  # file to file: the calls are written, not held
        with console.status(f"converting {path.name} …") if show else contextlib.nullcontext():
            conversion = convert_file(path, output, rejected=rejected, **options._asdict())
        written = conversion.outputs
    else:  # enrich joins across all calls: in memory
        with console.status(f"converting {path.name} …") if show else contextlib.nullcontext():
            in_memory = convert(path, **options._asdict())
        enrichment = enrich(
            in_memory.valid, ids, within=within, tz=ids_tz or in_memory.tz, region=in_memory.region
        )
        written = write_csv(enrichment.data, output, now=in_memory.report.now)
        if rejected is not None:
            with atomic_target(rejected) as tmp:  # interrupted: the old file or the new one
                in_memory.rejected.write_csv(tmp)
        conversion = in_memory
    if not quiet:
        if fmt is OutputFormat.json:
            document = {
                **conversion.to_dict(),
                "output": [str(p) for p in written],
                "rejected_path": None if rejected is None else str(rejected),
                "enrich": None if enrichment is None else enrichment.to_dict(),
            }
            typer.echo(json.dumps(document, ensure_ascii=False, indent=2))
        else:
            typer.echo(conversion.to_text())
            if enrichment is not None:
                typer.echo(enrichment.to_text())
            files = ", ".join(str(p) for p in written)
            typer.echo(f"  wrote {files} ({conversion.kind}: {conversion.n_valid})")
            if rejected is not None:
                typer.echo(f"  wrote {rejected} (rejected rows: {conversion.n_rejected})")
    raise typer.Exit(EXIT_DATA if conversion.n_rejected else EXIT_OK)
