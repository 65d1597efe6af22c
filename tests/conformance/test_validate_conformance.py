"""The validator predicts the real Metrica server, case by case (``tests/conformance/cases.py``).

Every case the server answers from the file's content alone (``file_level``) is run through the
CLI (``callframe validate --format json``) and through :func:`callframe.validate`; the prediction
must match what Yandex's own API tests assert (``metrica-server.md``, quoted in each case's
``cites``, shown in the test's parameters):

* the server refuses the upload (400 ``invalid_uploading``) ⇒ the validator says ``refused``;
* the server accepts it (200) ⇒ the predicted ``line_quantity`` is the server's, and there is an
  error exactly when the server dropped a row (a ``drop_row`` finding) or counted one with a wrong
  value (a ``keep_wrong_value`` finding); rows the server accepts as valid give warnings at most,
  each with effect ``accept``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import callframe
from callframe.cli import app

from .cases import _WRONG, CASES, NOW, Case

FILE_CASES = [c for c in CASES if c.file_level]
runner = CliRunner()


def _kind(case: Case) -> str:
    return "calls" if case.kind == "calls" else "conversions"


def _write(case: Case, tmp_path: Path) -> Path:
    path = tmp_path / "data.csv"
    path.write_bytes(case.csv.encode("utf-8"))
    return path


def _expectation(case: Case) -> tuple[bool, int, str | None]:
    """(refused, line_quantity, the effect the errors must show or ``None`` for no error)."""
    if case.status == 400:
        assert case.error_type == "invalid_uploading", case.id  # file-level refusals only
        return True, 0, "refuse_file"
    assert case.line_quantity is not None and case.source_quantity is not None
    if case.line_quantity < case.source_quantity:
        return False, case.line_quantity, "drop_row"
    if case.cites.startswith(_WRONG):
        return False, case.line_quantity, "keep_wrong_value"
    return False, case.line_quantity, None


def _check(case: Case, document: dict[str, object]) -> None:
    refused, line_quantity, effect = _expectation(case)
    errors = document["errors"]
    warnings = document["warnings"]
    assert isinstance(errors, list) and isinstance(warnings, list)
    error_effects = {e["effect"] for e in errors}
    shown = json.dumps(document, ensure_ascii=False, indent=1)
    assert document["refused"] is refused, shown
    assert document["predicted_line_quantity"] == line_quantity, shown
    if effect is None:
        assert errors == [], shown
    else:
        assert effect in error_effects, shown
    if not refused:
        assert "refuse_file" not in error_effects, shown
    assert {w["effect"] for w in warnings} <= {"accept"}, shown


def test_every_file_level_case_is_here() -> None:
    """The table covers each kind of answer a file can get."""
    assert len(FILE_CASES) >= 60
    assert {_expectation(c)[2] for c in FILE_CASES} == {
        "refuse_file",
        "drop_row",
        "keep_wrong_value",
        None,
    }


@pytest.mark.parametrize(
    ("case", "cites"), [(c, c.cites) for c in FILE_CASES], ids=[c.id for c in FILE_CASES]
)
def test_cli_predicts_the_server(case: Case, cites: str, tmp_path: Path) -> None:
    path = _write(case, tmp_path)
    args = ["validate", str(path), "--format", "json", "--now", str(NOW), "--kind", _kind(case)]
    if case.client_id_type:
        args += ["--client-id-type", case.client_id_type]
    result = runner.invoke(app, args)
    (document,) = json.loads(result.stdout)["files"]
    assert "error" not in document, document  # every file is read, none is "unreadable"
    _check(case, document)
    _, _, effect = _expectation(case)
    assert result.exit_code == (0 if effect is None else 1), result.stdout


@pytest.mark.parametrize(
    ("case", "cites"), [(c, c.cites) for c in FILE_CASES], ids=[c.id for c in FILE_CASES]
)
def test_api_predicts_the_server(case: Case, cites: str, tmp_path: Path) -> None:
    report = callframe.validate(
        _write(case, tmp_path), _kind(case), now=NOW, client_id_type=case.client_id_type
    )
    _check(case, report.to_dict())
    assert report.ok is (_expectation(case)[2] is None)
