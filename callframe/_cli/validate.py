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
    app,
    err_console,
    guarded,
    out_console,
)
from callframe._cli.formats import github_annotations, junit_xml
from callframe.contract.columns import parse_kind
from callframe.errors import CallframeError
from callframe.report import ValidationReport
from callframe.schema_doc import schema_document, schema_markdown

__all__ = ["schema_command", "validate_command"]


class KindOption(StrEnum):
    calls = "calls"
    conversions = "conversions"


class ValidateFormat(StrEnum):
    text = "text"
    json = "json"
    github = "github"
    junit = "junit"


class SchemaFormat(StrEnum):
    json = "json"
    markdown = "markdown"


@app.command("validate")
@guarded
def validate_command(
    paths: list[Path] = typer.Argument(..., help="Metrica CSV files to check."),
    kind: KindOption = typer.Option(KindOption.calls, "--kind", help="Which upload format."),
    fmt: ValidateFormat = typer.Option(
        ValidateFormat.text,
        "--format",
        help="text (people), json (programs), github (Actions annotations), junit (XML).",
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write the json/junit document to this file instead of stdout."
    ),
    strict: bool = typer.Option(
        False,
        "--strict",
        help="Treat warnings as errors: exit 1 also when there are only warnings "
        "(values Metrica accepts but callframe would write differently).",
    ),
    now: int | None = typer.Option(
        None, "--now", help="Unix seconds to use as 'now' (default: the clock)."
    ),
    client_id_type: str | None = typer.Option(
        None,
        "--client-id-type",
        help="The upload's client_id_type (CLIENT_ID, USER_ID, YCLID; PURCHASE_ID for "
        "conversions): its ID column must be in the file and is each row's ID.",
    ),
) -> None:
    """Check Metrica upload CSVs and predict what Metrica would do with each.

    Every finding says what Metrica does with it: refuse the file, drop the row, keep the row
    with a wrong value (errors), or accept it (warnings); each file gets the number of rows
    Metrica would count. Exit codes: 0 no errors (warnings allowed, unless --strict); 1 errors
    found (or warnings with --strict); 2 a file unreadable, or bad usage.
    """
    documents: list[dict[str, object]] = []
    reports: list[ValidationReport] = []
    code = EXIT_OK
    console = out_console()
    for path in paths:
        try:
            report = validate(path, parse_kind(kind.value), now=now, client_id_type=client_id_type)
        except CallframeError as exc:
            code = EXIT_USAGE
            documents.append({"path": str(path), "kind": kind.value, "error": str(exc)})
            if fmt is ValidateFormat.github:
                typer.echo(f"::error file={path},line=1::{exc}")
            elif fmt is ValidateFormat.text:
                err_console().print(f"error: {exc}", markup=False)
            continue
        failed = not report.ok or (strict and report.warnings.height > 0)
        if failed and code == EXIT_OK:
            code = EXIT_DATA
        documents.append(report.to_dict())
        reports.append(report)
        if fmt is ValidateFormat.text:
            # a terminal gets the rich table; logs and pipes get plain, greppable lines
            if console.is_terminal:
                console.print(report)
            else:
                typer.echo(report.to_text())
    if fmt is ValidateFormat.github:
        for line in github_annotations(reports):
            typer.echo(line)
    elif fmt in (ValidateFormat.json, ValidateFormat.junit):
        if fmt is ValidateFormat.json:
            document = json.dumps({"files": documents}, ensure_ascii=False, indent=2) + "\n"
        else:
            document = junit_xml(reports)
        if output is None:
            typer.echo(document, nl=False)
        else:
            output.write_text(document, encoding="utf-8")
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
