"""Every command and Python example in README.md runs (against the sandbox): no stale docs.

Shell lines run in a folder holding the files the README names (``calls.csv`` is the Metrica
fixture, ``export.json`` a Calltouch export, ``journal.xlsx`` + ``mapping.toml`` a generic
mapping, ``chats.csv`` the chats fixture, ``dialogs.xlsx`` + ``chats.toml`` a chats mapping);
``METRICA_BASE_URL``/``METRICA_TOKEN`` point at a sandbox on 127.0.0.1. A line may exit 1 only
for data findings (``validate``, ``convert``), never 2 (a stale option or file) or with a
traceback. Not run: ``make`` (that is CI itself), ``export``, ``pip`` and ``callframe sandbox``
(a server that never returns).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from callframe.metrica import Sandbox
from callframe.metrica.sandbox import serve

from .conftest import FIXTURES, ROOT

TOKEN = "readme-token"
SKIP = ("make ", "export ", "pip ", "callframe sandbox")
BLOCK = re.compile(r"```(sh|python)\n(.*?)```", re.S)


def blocks() -> list[tuple[str, str]]:
    return BLOCK.findall((ROOT / "README.md").read_text(encoding="utf-8"))


def shell_lines() -> list[str]:
    lines = []
    for lang, body in blocks():
        if lang != "sh":
            continue
        for line in body.splitlines():
            command = re.split(r"\s{2,}#", line)[0].strip()
            if command and not command.startswith("#") and not command.startswith(SKIP):
                lines.append(command)
    return lines


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("readme")
    (folder / "fixtures").symlink_to(FIXTURES)
    (folder / "out").mkdir()
    shutil.copy(FIXTURES / "metrica" / "calls.csv", folder / "calls.csv")
    shutil.copy(FIXTURES / "metrica" / "conversions.csv", folder / "conversions.csv")
    shutil.copy(FIXTURES / "calltouch" / "calls.json", folder / "export.json")
    shutil.copy(FIXTURES / "generic" / "journal_ui.xlsx", folder / "journal.xlsx")
    shutil.copy(FIXTURES / "generic" / "journal_ui.toml", folder / "mapping.toml")
    shutil.copy(FIXTURES / "metrica" / "chats.csv", folder / "chats.csv")
    shutil.copy(FIXTURES / "generic" / "messenger_crm.xlsx", folder / "dialogs.xlsx")
    shutil.copy(FIXTURES / "generic" / "messenger_crm.toml", folder / "chats.toml")
    with serve(Sandbox(token=TOKEN, processing_seconds=0)) as url:
        env = {
            **os.environ,
            "METRICA_BASE_URL": url,
            "METRICA_TOKEN": TOKEN,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        yield folder, env


def test_readme_has_commands_and_examples() -> None:
    assert len(shell_lines()) >= 10
    assert sum(1 for lang, _ in blocks() if lang == "python") >= 4


@pytest.mark.parametrize("command", shell_lines())
def test_shell_line_runs(command: str, workdir: tuple[Path, dict[str, str]]) -> None:
    folder, env = workdir
    proc = subprocess.run(
        ["bash", "-c", command], cwd=folder, env=env, capture_output=True, text=True, timeout=120
    )
    output = proc.stdout + proc.stderr
    # validate/convert report data findings with exit 1; everything else must succeed
    allowed = (0, 1) if command.startswith(("callframe validate", "callframe convert")) else (0,)
    assert proc.returncode in allowed, f"{command!r} exited {proc.returncode}:\n{output}"
    assert "Traceback" not in output and "No such option" not in output, output


PRELUDE = """
import functools
import callframe
import callframe.metrica.client as _client
import os
# the README's clients talk to the sandbox instead of api-metrika.yandex.net
for _name in ("MetricaClient", "AsyncMetricaClient"):
    _cls = getattr(_client, _name)
    setattr(callframe, _name, functools.partial(_cls, base_url=os.environ["METRICA_BASE_URL"]))

def my_pipeline(frame):
    return callframe.validate(frame).valid
"""


@pytest.mark.parametrize("index", range(len([b for b in blocks() if b[0] == "python"])))
def test_python_example_runs(index: int, workdir: tuple[Path, dict[str, str]]) -> None:
    folder, env = workdir
    code = [body for lang, body in blocks() if lang == "python"][index]
    script = PRELUDE + "\n" + textwrap.dedent(code)
    proc = subprocess.run(
        [sys.executable, "-c", script],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, (
        f"README python block {index} failed:\n{code}\n{proc.stderr[-2000:]}"
    )
