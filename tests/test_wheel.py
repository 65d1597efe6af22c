"""A lean install: the wheel a user gets works without the sandbox extra.

The wheel is built from this tree (hatchling, no build isolation: offline) and installed, not
editable, into a fresh virtual environment. That environment gets the runtime dependencies
without a download: a ``.pth`` file points at a folder of links to this venv's packages, leaving
out callframe itself and the sandbox extra (starlette, uvicorn), so the test also proves that
neither is needed by the library and its CLI. ``pip install --no-deps --no-index`` then installs
the wheel alone. Whole module: about 10 s.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import FIXTURES, NOW, ROOT

SANDBOX_EXTRA = ("starlette", "uvicorn")
PIP = (sys.executable, "-m", "pip", "--quiet")
OFFLINE = ("--no-index", "--no-deps")
LEFT_OUT = ("callframe", "_editable_impl_callframe", "__editable__", *SANDBOX_EXTRA)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.pop("CALLFRAME_DEBUG", None)
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip(
        "hatchling",
        reason="building the wheel offline needs hatchling in this venv: pip install -e '.[dev]'",
    )
    out = tmp_path_factory.mktemp("dist")
    build = subprocess.run(
        [*PIP, "wheel", *OFFLINE, "--no-build-isolation", "--wheel-dir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=180,
        env=_env(),
    )
    assert build.returncode == 0, build.stderr
    (built,) = out.glob("callframe-*.whl")
    return built


@pytest.fixture(scope="module")
def venv_bin(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("fresh")
    env_dir = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    python = env_dir / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    deps = root / "deps"
    deps.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if entry.name.lower().startswith(LEFT_OUT) or entry.suffix == ".pth":
            continue
        (deps / entry.name).symlink_to(entry)
    (Path(purelib) / "callframe_test_deps.pth").write_text(f"{deps}\n")
    install = subprocess.run(
        [*PIP, "--python", str(python), "install", *OFFLINE, str(wheel)],
        capture_output=True,
        text=True,
        timeout=180,
        env=_env(),
    )
    assert install.returncode == 0, install.stderr
    yield env_dir / "bin"


def run(venv_bin: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # run outside the source tree, so that only the installed wheel can be imported
    return subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=venv_bin.parent.parent,
        env=_env(),
    )


def test_the_wheel_carries_py_typed_and_keeps_the_server_an_extra(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        requires = [
            line.removeprefix("Requires-Dist: ")
            for line in zf.read(metadata).decode().splitlines()
            if line.startswith("Requires-Dist: ")
        ]
    assert "callframe/py.typed" in names
    assert not [n for n in names if n.startswith(("tests/", "fixtures/", "benchmarks/"))]
    for package in SANDBOX_EXTRA:
        lines = [r.replace('"', "'") for r in requires if r.startswith(package)]
        assert lines and all("extra ==" in r for r in lines), lines  # never required
        assert any("extra == 'sandbox'" in r for r in lines), lines
    assert any(r.startswith("pandera") and "extra" not in r for r in requires)


def test_installed_wheel_runs_the_cli_and_imports_without_the_sandbox(venv_bin: Path) -> None:
    helped = run(venv_bin, venv_bin / "callframe", "--help")
    assert helped.returncode == 0, helped.stderr
    assert "validate" in helped.stdout

    checked = run(
        venv_bin,
        venv_bin / "callframe",
        "validate",
        FIXTURES / "metrica" / "calls.csv",
        "--now",
        str(NOW),
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr

    code = (
        "import importlib.util, sys, callframe, callframe.metrica, callframe.contract.schemas; "
        "print(callframe.__file__); "
        "print([m for m in ('starlette', 'uvicorn') if importlib.util.find_spec(m)]); "
        "print([m for m in ('starlette', 'uvicorn') if m in sys.modules])"
    )
    imported = run(venv_bin, venv_bin / "python", "-c", code)
    assert imported.returncode == 0, imported.stderr
    where, findable, loaded = imported.stdout.splitlines()
    assert Path(where).is_relative_to(venv_bin.parent) and "site-packages" in where
    assert findable == loaded == "[]"


def test_sandbox_without_the_extra_says_how_to_install_it(venv_bin: Path) -> None:
    result = run(venv_bin, venv_bin / "callframe", "sandbox")
    assert result.returncode == 2
    assert "pip install 'callframe[sandbox]'" in result.stderr
    assert "Traceback" not in result.stderr


def test_importing_callframe_never_imports_the_sandbox_server() -> None:
    code = (
        "import sys, callframe, callframe.metrica, callframe.contract; "
        "callframe.MetricaClient; callframe.metrica.MetricaClient; "
        "print([m for m in ('starlette', 'uvicorn') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
