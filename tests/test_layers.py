"""The layers of ../shared/reference/architecture.md, checked on the source: a module imports only
modules of its own layer or below, plus the explicit "never" rules (the sandbox apart from the
contract and the client; HTTP only in ``metrica/_http.py``; rich/typer only in the faces and the
report's renderers).

Imports under ``if TYPE_CHECKING:`` are annotations, not dependencies, and are not counted;
imports inside functions are (a deferred import is still a dependency).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "callframe"

# (module prefix, layer), the longest prefix wins; from the ground up
LAYERS: tuple[tuple[str, int], ...] = (
    ("callframe.errors", 0),
    ("callframe.contract", 1),
    ("callframe.report", 2),
    ("callframe._render", 2),
    ("callframe._checks", 2),
    ("callframe.validation", 2),
    ("callframe.schema_doc", 2),
    ("callframe.io", 3),
    ("callframe.engine", 4),
    ("callframe.trackers", 5),
    ("callframe.conversion", 6),
    ("callframe.metrica", 7),
    ("callframe.metrica.sandbox", 8),
    ("callframe._api", 9),
    ("callframe._cli", 9),
    ("callframe.cli", 9),
    ("callframe.__main__", 9),
    ("callframe.testing", 9),
    ("callframe", 9),  # the package's __init__: a face
)

# module prefix → prefixes it must never import, whatever the layers allow
NEVER: dict[str, tuple[str, ...]] = {
    "callframe.engine": ("callframe.io",),
    "callframe.metrica": ("callframe.trackers", "callframe.engine", "callframe.conversion"),
    "callframe.metrica.sandbox": (
        "callframe.contract",
        "callframe.validation",
        "callframe._checks",
        "callframe.report",
        "callframe.io",
        "callframe.metrica.client",
        "callframe.metrica._core",
        "callframe.metrica._http",
        "callframe.metrica._files",
    ),
}

# third-party packages only some modules may import
ONLY_IN: dict[str, tuple[str, ...]] = {
    "httpx": ("callframe.metrica._http",),
    "rich": ("callframe._cli", "callframe._render", "callframe.report"),
    "typer": ("callframe._cli", "callframe.cli"),
    "starlette": ("callframe.metrica.sandbox", "callframe._cli.upload"),
    "uvicorn": ("callframe.metrica.sandbox", "callframe._cli.upload"),
}

# known exceptions, each with its reason; a new one needs a reason here
ALLOWED: dict[tuple[str, str], str] = {
    ("callframe.contract.schemas", "callframe.validation"): (
        "the pandera checks call validate's own code so that they agree exactly (deferred "
        "import); to move up a layer"
    ),
    ("callframe.contract.schemas", "callframe.report"): (
        "masking of failure cases, deferred import; moves with the above"
    ),
}


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> int:
    best = max((p for p, _ in LAYERS if module == p or module.startswith(p + ".")), key=len)
    return dict(LAYERS)[best]


def _under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, module: str) -> Iterator[str]:
    """The modules ``tree`` imports (absolute names), outside ``if TYPE_CHECKING:``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _type_checking(node):
            yield from (x for child in node.orelse for x in _imports(child, module))
            continue
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")[: -node.level or None]
                yield ".".join([*base, *([node.module] if node.module else [])])
            elif node.module:
                yield node.module
        yield from _imports(node, module)


def _edges() -> list[tuple[str, str, str]]:
    """(module, imported module, file) for every import in the package."""
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module(path)
        for imported in _imports(ast.parse(path.read_text(encoding="utf-8")), module):
            out.append((module, imported, str(path.relative_to(PACKAGE.parent))))
    return out


def violations(edges: list[tuple[str, str, str]]) -> list[str]:
    """Every import the layers forbid, as readable lines."""
    out = []
    for module, imported, where in edges:
        if (module, imported) in ALLOWED:
            continue
        if _under(imported, "callframe"):
            if _layer(imported) > _layer(module):
                out.append(
                    f"{where}: {module} (layer {_layer(module)}) imports {imported} "
                    f"(layer {_layer(imported)}, above it)"
                )
            for prefix, banned in NEVER.items():
                if _under(module, prefix) and any(_under(imported, b) for b in banned):
                    out.append(f"{where}: {module} must never import {imported}")
        else:
            top = imported.split(".")[0]
            if top in ONLY_IN and not any(_under(module, p) for p in ONLY_IN[top]):
                out.append(f"{where}: {module} imports {top}, allowed only in {ONLY_IN[top]}")
    return sorted(set(out))


def test_every_module_respects_the_layers() -> None:
    found = violations(_edges())
    assert not found, "imports against the layers:\n" + "\n".join(found)


def test_every_module_has_a_layer() -> None:
    modules = {_module(p) for p in PACKAGE.rglob("*.py")}
    assert "callframe.engine.plan" in modules and "callframe.conversion.pipeline" in modules
    for module in modules:
        assert _layer(module) >= 0


@pytest.mark.parametrize(
    ("module", "imported", "why"),
    [
        ("callframe.engine.plan", "callframe.io.exports", "above it and never"),
        ("callframe.contract.rules", "callframe.trackers.registry", "above it"),
        ("callframe.metrica.client", "callframe.conversion.pipeline", "never"),
        ("callframe.metrica.sandbox._app", "callframe.validation", "never"),
        ("callframe.io._csv", "httpx", "HTTP only in _http"),
        ("callframe.engine.nodes", "rich", "rich only in faces"),
    ],
)
def test_the_check_catches(module: str, imported: str, why: str) -> None:
    assert violations([(module, imported, "x.py")]), why


def test_type_checking_imports_are_not_dependencies() -> None:
    tree = ast.parse(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from callframe.report import R\n"
    )
    assert list(_imports(tree, "callframe.errors")) == ["typing"]
