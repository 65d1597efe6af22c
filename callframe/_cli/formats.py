"""Machine-readable renderings of validation reports for CI systems.

* :func:`github_annotations` — GitHub Actions workflow commands (``::error file=…,line=…::…``),
  one per failure, so failures show up on the pull request's diff;
* :func:`junit_xml` — JUnit XML with one ``testsuite`` per file and one ``testcase`` per rule,
  failed cases carrying the count and the first rows, for GitLab, Jenkins, Azure and friends.

Both say what Metrica would do: each annotation and failure names its rule's effect ("Metrica
drops the row"); each file gets a notice (GitHub) or properties and ``system-out`` (JUnit) with
the prediction ("Metrica would refuse this file", ``predicted_line_quantity``, ``refused``).

Values are already masked by the report; nothing here sees a raw phone number.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator

import polars as pl

from callframe.contract.rules import effect_of, rules_for
from callframe.report import EFFECT_WORDS, ValidationReport

__all__ = ["JUNIT_EXAMPLES", "csv_lines", "github_annotations", "junit_xml"]

JUNIT_EXAMPLES = 10
"""How many failing rows a JUnit failure lists."""


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def csv_lines(report: ValidationReport) -> pl.Series:
    """The file line of each data row (header = line 1), exact even with quoted newlines.

    A row starts one line after the previous row ends; a cell with ``k`` embedded newlines makes
    its row ``k`` lines longer; blank lines the reader skipped (``report.skipped_lines``) are
    counted back in. Computed with polars over all columns, no Python per row.
    """
    data = report.data
    strings = [c for c, t in data.schema.items() if t == pl.String]
    extra = (
        data.select(
            pl.sum_horizontal(
                pl.col(c).str.count_matches("\n", literal=True).fill_null(0) for c in strings
            )
        ).to_series()
        if strings and data.height
        else pl.repeat(0, data.height, dtype=pl.UInt32, eager=True)
    )
    before = extra.cum_sum().shift(1, fill_value=0)
    lines = pl.int_range(2, data.height + 2, eager=True) + before
    if report.skipped_lines and data.height:
        # blank lines the reader left out: the n-th line counted without them is the n-th line
        # of the file that is not one of them
        skipped = pl.Series(sorted(report.skipped_lines), dtype=pl.Int64)
        total = int(lines.max()) + skipped.len()  # type: ignore[arg-type]
        kept = pl.int_range(1, total + 1, dtype=pl.Int64, eager=True)
        kept = kept.filter(~kept.is_in(skipped.implode()))
        lines = kept.gather(lines.cast(pl.Int64) - 1)
    return lines.alias("line")


def github_annotations(reports: Iterable[ValidationReport]) -> Iterator[str]:
    """GitHub Actions workflow commands for every error and warning of every report."""
    for report in reports:
        path = report.source or "<frame>"
        lines = csv_lines(report)
        for severity, frame in (("error", report.errors), ("warning", report.warnings)):
            for failure in frame.iter_rows(named=True):
                row = failure["row"]
                line = 1 if row is None else int(lines[row - 1])
                where = f"row {row}, " if row is not None else ""
                message = f"{failure['title']} ({where}column {failure['column']}"
                if failure["value"] is not None:
                    message += f", value {failure['value']!r}"
                message += ")"
                if failure["hint"]:
                    message += f". {failure['hint']}"
                effect = EFFECT_WORDS.get(effect_of(failure["rule"]) or "")
                if effect:
                    message += f" [{effect}]"
                title = _escape_property(failure["rule"])
                props = f"file={_escape_property(path)},line={line},title={title}"
                yield f"::{severity} {props}::{_escape_data(message)}"
        if report.errors.height or report.warnings.height:  # after the file's annotations
            props = f"file={_escape_property(path)},line=1,title=Metrica"
            yield f"::notice {props}::{_escape_data(report.prediction())}"


def junit_xml(reports: Iterable[ValidationReport]) -> str:
    """JUnit XML: a testsuite per file, a testcase per rule of its kind (failed or passed)."""
    root = ET.Element("testsuites", name="callframe validate")
    total_tests = total_failures = 0
    for report in reports:
        counts = {c.rule: c for c in report.rule_counts()}
        rules = rules_for(report.kind)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=report.source or "<frame>",
            tests=str(len(rules)),
            failures=str(
                sum(1 for r in rules if r.id in counts and counts[r.id].severity == "error")
            ),
            errors="0",
            skipped="0",
        )
        properties = ET.SubElement(suite, "properties")
        for name, value in (
            ("rows", report.n_rows),
            ("refused", str(report.refused).lower()),
            ("predicted_line_quantity", report.predicted_line_quantity),
        ):
            ET.SubElement(properties, "property", name=name, value=str(value))
        for r in rules:
            case = ET.SubElement(suite, "testcase", classname=f"callframe.{report.kind}", name=r.id)
            count = counts.get(r.id)
            if count is None:
                continue
            frame = report.errors if count.severity == "error" else report.warnings
            examples = frame.filter(pl.col("rule") == r.id).head(JUNIT_EXAMPLES)
            body = "\n".join(
                ("header" if e["row"] is None else f"row {e['row']}")
                + f", column {e['column']}"
                + (f": {e['value']!r}" if e["value"] is not None else "")
                for e in examples.iter_rows(named=True)
            )
            effect = EFFECT_WORDS.get(r.effect or "")
            message = f"{count.rows} rows: {r.title}" + (f" [{effect}]" if effect else "")
            if count.severity == "error":
                failure = ET.SubElement(case, "failure", message=message, type=r.id)
                failure.text = body
            else:
                out = ET.SubElement(case, "system-out")
                out.text = f"warning: {message}\n{body}"
        ET.SubElement(suite, "system-out").text = report.prediction()
        total_tests += len(rules)
        total_failures += int(suite.get("failures", "0"))
    root.set("tests", str(total_tests))
    root.set("failures", str(total_failures))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
