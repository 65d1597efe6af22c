"""The contract as a document (JSON-ready dict or Markdown), for ``callframe schema`` and docs."""

from __future__ import annotations

from typing import Any

from callframe.contract.columns import Kind, columns
from callframe.contract.rules import rules_for

__all__ = ["schema_document", "schema_markdown"]


def schema_document(kind: Kind) -> dict[str, Any]:
    """Columns (name, dtype, required, description) and rules (id, title, severity, effect,
    scope, hint); ``effect`` is what Metrica does with a failure (``EFFECTS`` in the rules)."""
    return {
        "kind": kind,
        "columns": [
            {
                "name": c.name,
                "dtype": str(c.dtype),
                "required": c.required,
                "description": c.description,
                "aliases": list(c.aliases),
            }
            for c in columns(kind)
        ],
        "rules": [
            {
                "id": r.id,
                "title": r.title,
                "severity": r.severity,
                "effect": r.effect,
                "scope": r.scope,
                "hint": r.hint,
            }
            for r in rules_for(kind)
        ],
    }


def schema_markdown(kind: Kind) -> str:
    """The columns of ``kind`` as a Markdown table (for the docs)."""
    doc = schema_document(kind)
    lines = [
        f"#### `{kind}` columns",
        "",
        "| column | type | required | meaning |",
        "|---|---|---|---|",
    ]
    for c in doc["columns"]:
        req = "yes" if c["required"] else ""
        also = "".join(f" Also read as `{a}`." for a in c["aliases"])
        lines.append(f"| `{c['name']}` | {c['dtype']} | {req} | {c['description']}{also} |")
    lines += [
        "",
        f"#### `{kind}` rules",
        "",
        "Metrica: what the server does with a failure — `refuse_file` (the whole upload",
        "refused), `drop_row` (the row not counted), `keep_wrong_value` (counted with a wrong",
        "value), `accept`.",
        "",
        "| rule | severity | Metrica | what it means |",
        "|---|---|---|---|",
    ]
    for r in doc["rules"]:
        rule_id, title = (r[key].replace("|", "\\|") for key in ("id", "title"))
        lines.append(f"| `{rule_id}` | {r['severity']} | {r['effect']} | {title} |")
    return "\n".join(lines)
