"""The public surface is exactly ``callframe.__all__`` (the httpx habit)."""

from __future__ import annotations

import importlib
import pkgutil

import callframe


def test_all_is_sorted_and_equals_public_names() -> None:
    public = sorted(
        name for name in dir(callframe) if not name.startswith("_") or name == "__version__"
    )
    modules = {m.name for m in pkgutil.iter_modules(callframe.__path__)}
    public = [n for n in public if n not in modules and n != "annotations"]
    assert callframe.__all__ == sorted(callframe.__all__)
    assert sorted(callframe.__all__) == public


def test_every_name_in_all_resolves() -> None:
    for name in callframe.__all__:
        assert getattr(callframe, name) is not None, name


def test_every_module_declares_all() -> None:
    missing = []
    for info in pkgutil.walk_packages(callframe.__path__, prefix="callframe."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        if not hasattr(module, "__all__"):
            missing.append(info.name)
    assert missing == []


def test_import_does_not_pull_heavy_optional_modules() -> None:
    import subprocess
    import sys

    code = (
        "import sys, callframe; "
        "heavy = [m for m in ('pandera', 'httpx', 'rich', 'typer', 'starlette', 'uvicorn') "
        "if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def _public_modules() -> list[object]:
    """Every module a user may import: no underscored part in its dotted name."""
    out = []
    for info in pkgutil.walk_packages(callframe.__path__, prefix="callframe."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        out.append(importlib.import_module(info.name))
    return [callframe, *out]


def _private_types(hint: object) -> list[str]:
    """Names of underscored types in ``hint`` (a type, a union or a generic, recursively)."""
    import typing

    name = getattr(hint, "__name__", None) if isinstance(hint, type) else None
    own = [name] if name and name.startswith("_") else []
    return own + [n for arg in typing.get_args(hint) for n in _private_types(arg)]


def _private_names_in(obj: object) -> list[str]:
    """Parameters of ``obj``'s signature (for a class: its constructor and public methods)
    that are underscored or annotated with an underscored type."""
    import inspect
    import re
    import typing

    found: list[str] = []
    targets: list[tuple[str, object]] = [("", obj)]
    if inspect.isclass(obj):
        targets = [("", obj.__init__)]
        targets += [
            (f".{n}", m)
            for n, m in vars(obj).items()
            if not n.startswith("_") and (inspect.isfunction(m) or isinstance(m, property))
        ]
    for where, target in targets:
        func = target.fget if isinstance(target, property) else target
        try:
            sig = inspect.signature(func)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        for p in sig.parameters.values():
            if p.name.startswith("_") and p.kind is not p.VAR_KEYWORD:
                found.append(f"{where} parameter {p.name}")
        try:
            hints = typing.get_type_hints(func)
        except NameError:  # a name only TYPE_CHECKING imports: check the text instead
            hints = {k: v for k, v in func.__annotations__.items() if isinstance(v, str)}
            found += [
                f"{where} {k}: {m}"
                for k, v in hints.items()
                for m in re.findall(r"(?<![\w.])_[A-Za-z]\w*", v)
            ]
            continue
        for name, hint in hints.items():
            found += [f"{where} {name}: {t}" for t in _private_types(hint)]
    return found


def test_every_public_module_documents_its_all_and_hides_private_names() -> None:
    import inspect

    problems = []
    for module in _public_modules():
        for name in getattr(module, "__all__", ()):
            if not hasattr(module, name):
                problems.append(f"{module.__name__}.{name}: in __all__ but missing")  # type: ignore[attr-defined]
                continue
            obj = getattr(module, name)
            if (inspect.isclass(obj) or inspect.isfunction(obj)) and not inspect.getdoc(obj):
                problems.append(f"{module.__name__}.{name}: no docstring")  # type: ignore[attr-defined]
            if inspect.isclass(obj) or inspect.isfunction(obj):
                problems += [
                    f"{module.__name__}.{name}{p}"  # type: ignore[attr-defined]
                    for p in _private_names_in(obj)
                ]
    assert problems == []


def test_the_surface_check_catches_a_private_name() -> None:
    from collections.abc import Iterator
    from dataclasses import dataclass

    @dataclass
    class _Count:
        n: int

    @dataclass
    class Result:
        """A result."""

        rows: int
        _rejected: int = 0

        def examples(self) -> Iterator[tuple[_Count, int]]:
            """Examples."""
            yield _Count(1), 1

    assert sorted(_private_names_in(Result)) == [
        " parameter _rejected",
        ".examples return: _Count",
    ]
