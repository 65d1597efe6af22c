"""``callframe sandbox`` needs the ``sandbox`` extra; without it the command says how to get it."""

from __future__ import annotations

import sys

import pytest
from typer.testing import CliRunner

from callframe.cli import app

runner = CliRunner()


@pytest.mark.parametrize("missing", ["starlette", "uvicorn"])
def test_sandbox_without_the_extra_exits_2_naming_the_install_command(
    missing: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, missing, None)  # `import <missing>` now fails
    result = runner.invoke(app, ["sandbox", "--port", "0"])
    assert result.exit_code == 2
    assert "pip install 'callframe[sandbox]'" in result.stderr
    assert missing in result.stderr
