"""How a report looks to a person: a rich renderable for terminals, HTML for notebooks.

Both show the summary, what Metrica would do with the data ("Metrica would refuse this file",
"Metrica would drop 3 rows"), the counts per rule with each rule's effect, and the first failures
of each rule, with values already masked by the report. rich is imported here only, and only
when a report is printed.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import RenderableType

    from callframe.report import ValidationReport

from callframe.report import EFFECT_WORDS

__all__ = ["html_report", "rich_report"]

_EXAMPLES = 3


def rich_report(report: ValidationReport) -> RenderableType:
    from rich.console import Group
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    status = "[bold green]valid[/]" if report.ok else "[bold red]invalid[/]"
    head = Text.from_markup(
        f"[bold]{escape(report.source or '<frame>')}[/] ({report.kind}): {status} — "
        f"{report.n_rows} rows, {report.n_valid} valid, {report.n_rejected} rejected; "
        f"{report.errors.height} errors, {report.warnings.height} warnings"
    )
    said = "bold red" if report.refused else ("yellow" if report.dropped_rows else "green")
    prediction = Text(report.prediction(), style=said)
    if report.errors.height == 0 and report.warnings.height == 0:
        return Group(head, prediction)
    table = Table(show_header=True, header_style="bold", expand=False, pad_edge=False)
    for name in ("", "rule", "rows", "what is wrong", "Metrica", "first rows (value)"):
        table.add_column(name, overflow="fold")
    for severity, style in (("error", "red"), ("warning", "yellow")):
        for count, examples in report.iter_examples(severity, _EXAMPLES):
            shown = ", ".join(
                ("header" if r["row"] is None else str(r["row"]))
                + (f" ({r['value']})" if r["value"] is not None else "")
                for r in examples.iter_rows(named=True)
            )
            hint = examples["hint"].drop_nulls().head(1).to_list()
            what = escape(count.title) + (f"\n[dim]{escape(hint[0])}[/]" if hint else "")
            effect = escape(EFFECT_WORDS.get(count.effect or "", ""))
            table.add_row(
                f"[{style}]{severity}[/]",
                escape(count.rule),
                str(count.rows),
                what,
                effect,
                escape(shown),
            )
    return Group(head, prediction, table)


_CSS = """
<style>
.cf-report{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;font-size:13px;
  color:#1f2328;max-width:1100px}
.cf-report h4{margin:4px 0 8px;font-size:15px}
.cf-report .cf-ok{color:#1a7f37}.cf-report .cf-bad{color:#cf222e}
.cf-report table{border-collapse:collapse;margin:6px 0 12px}
.cf-report th,.cf-report td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;
  vertical-align:top}
.cf-report th{background:#f6f8fa}
.cf-report td.num{text-align:right;font-variant-numeric:tabular-nums}
.cf-report code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}
.cf-report td.rule{white-space:nowrap}
.cf-report td.what{min-width:320px;max-width:520px}
.cf-report td.examples{min-width:220px;max-width:420px}
.cf-report code.value{white-space:pre;background:#f6f8fa;border-radius:3px;padding:0 3px;
  word-break:break-all}
.cf-report .sev-error{color:#cf222e;font-weight:600}.cf-report .sev-warning{color:#9a6700;
  font-weight:600}
.cf-report .hint{color:#57606a}
.cf-report .cf-prediction{margin:0 0 8px;font-weight:600}
</style>
"""


def html_report(report: ValidationReport) -> str:
    """Self-contained HTML (inline CSS) for Jupyter's rich display."""
    e = html.escape
    verdict = (
        '<span class="cf-ok">valid</span>' if report.ok else '<span class="cf-bad">invalid</span>'
    )
    parts = [
        _CSS,
        '<div class="cf-report">',
        f"<h4>{e(report.source or 'frame')} ({e(report.kind)}): {verdict}</h4>",
        f'<p class="cf-prediction{" cf-bad" if report.refused else ""}">'
        f"{e(report.prediction())}</p>",
        "<table><tr><th>rows</th><th>valid</th><th>rejected</th><th>errors</th>"
        "<th>warnings</th></tr>"
        f'<tr><td class="num">{report.n_rows}</td><td class="num">{report.n_valid}</td>'
        f'<td class="num">{report.n_rejected}</td><td class="num">{report.errors.height}</td>'
        f'<td class="num">{report.warnings.height}</td></tr></table>',
    ]
    if report.errors.height or report.warnings.height:
        parts.append(
            "<table><tr><th>severity</th><th>rule</th><th>rows</th><th>what is wrong</th>"
            "<th>Metrica</th><th>first failures</th></tr>"
        )
        for severity in ("error", "warning"):
            for count, examples in report.iter_examples(severity, _EXAMPLES):
                shown = "<br>".join(
                    ("header" if r["row"] is None else f"row {r['row']}")
                    + (
                        f': <code class="value">"{e(str(r["value"]))}"</code>'
                        if r["value"] is not None
                        else ""
                    )
                    for r in examples.iter_rows(named=True)
                )
                hint = examples["hint"].drop_nulls().head(1).to_list()
                what = e(count.title) + (
                    f'<br><span class="hint">{e(hint[0])}</span>' if hint else ""
                )
                parts.append(
                    f'<tr><td class="sev-{severity}">{severity}</td>'
                    f'<td class="rule"><code>{e(count.rule)}</code></td>'
                    f'<td class="num">{count.rows}</td><td class="what">{what}</td>'
                    f'<td class="effect">{e(EFFECT_WORDS.get(count.effect or "", ""))}</td>'
                    f'<td class="examples">{shown}</td></tr>'
                )
        parts.append("</table>")
    parts.append("</div>")
    return "".join(parts)
