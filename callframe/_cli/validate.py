"""``callframe validate`` and ``callframe schema``."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import typer

from callframe._api import validate
from callframe._cli.common import (
    EXIT_DATA,
    EXIT_OK,
    EXIT_USAGE,
    OutputFormat,
    app,
    err_console,
    guarded,
    out_console,
)
from callframe.contract.columns import parse_kind
from callframe.errors import CallframeError
from callframe.schema_doc import schema_document, schema_markdown

__all__ = ["schema_command", "validate_command"]


class KindOption(StrEnum):
    calls = "calls"
    conversions = "conversions"


class SchemaFormat(StrEnum):
    json = "json"
    markdown = "markdown"


@app.command("validate")
@guarded
def validate_command(
    paths: list[Path] = typer.Argument(..., help="Metrica CSV files to check."),
    kind: KindOption = typer.Option(KindOption.calls, "--kind", help="Which upload format."),
    fmt: OutputFormat = typer.Option(OutputFormat.text, "--format", help="text or json."),
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors."),
    now: int | None = typer.Option(
        None, "--now", help="Unix seconds to use as 'now' (default: the clock)."
    ),
) -> None:
    """Check Metrica upload CSVs. Exit 0: valid; 1: errors found; 2: unreadable or bad usage."""
    documents: list[dict[str, object]] = []
    code = EXIT_OK
    console = out_console()
    for path in paths:
        try:
            report = validate(path, parse_kind(kind.value), now=now)
        except CallframeError as exc:
            code = EXIT_USAGE
            documents.append({"path": str(path), "kind": kind.value, "error": str(exc)})
            if fmt is OutputFormat.text:
                err_console().print(f"error: {exc}", markup=False)
            continue
        failed = not report.ok or (strict and report.warnings.height > 0)
        if failed and code == EXIT_OK:
            code = EXIT_DATA
        documents.append(report.to_dict())
        if fmt is OutputFormat.text:
            # a terminal gets the rich table; logs and pipes get plain, greppable lines
            if console.is_terminal:
                console.print(report)
            else:
                typer.echo(report.to_text())
    if fmt is OutputFormat.json:
        typer.echo(json.dumps({"files": documents}, ensure_ascii=False, indent=2))
    raise typer.Exit(code)


@app.command("schema")
@guarded
def schema_command(
    kind: KindOption = typer.Option(KindOption.calls, "--kind", help="Which upload format."),
    fmt: SchemaFormat = typer.Option(SchemaFormat.markdown, "--format", help="json or markdown."),
) -> None:
    """Print the contract: columns, types, rules and their titles."""
    k = parse_kind(kind.value)
    if fmt is SchemaFormat.json:
        typer.echo(json.dumps(schema_document(k), ensure_ascii=False, indent=2))
    else:
        typer.echo(schema_markdown(k))
