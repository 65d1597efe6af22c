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
