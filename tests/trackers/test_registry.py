"""Adapters are found by name, registered by one file each, and detected by their columns."""

from __future__ import annotations

import polars as pl
import pytest

import callframe
from callframe.engine.nodes import IsoTime, Phone
from callframe.trackers import Adapter, adapters, get_adapter, register
from callframe.trackers import registry as reg

from ..conftest import FIXTURES

BUILT_IN = {
    "calltouch",
    "comagic",
    "mango",
    "roistat",
    "ringostat",
    "calltracking_ru",
    "callibri",
    "generic",
}


def test_every_tracker_module_is_registered_by_its_name() -> None:
    assert {a.name for a in adapters()} >= BUILT_IN
    assert get_adapter("Calltouch").name == "calltouch"


def test_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(
        callframe.UsageError, match=r"unknown tracker 'alloka': use one of .*calltouch"
    ):
        get_adapter("alloka")


def test_a_random_csv_is_refused_with_the_two_closest_and_a_pointer_to_generic() -> None:
    random_csv = b"when;who;how_long;status\n2026-11-23 10:00;Ivan;95;ok\n"
    with pytest.raises(callframe.ExportError) as caught:
        callframe.detect(random_csv)
    message = str(caught.value)
    assert "matches no known tracker" in message
    assert message.count("(score") == 2
    assert "generic" in message and "--map" in message


def test_detection_needs_the_required_columns_not_only_a_high_score() -> None:
    calltouch = get_adapter("calltouch")
    columns = [c for c in calltouch.signature if c != "callerNumber"]
    ranked = reg.rank(columns)
    best = next(d for d in ranked if d.name == "calltouch")
    assert best.score >= 0.8 and not best.fits and best.missing == ("callerNumber",)


def test_detection_works_on_frames_paths_bytes_and_exports() -> None:
    path = FIXTURES / "roistat" / "calls.json"
    export = callframe.read_export(path)
    for data in (path, str(path), path.read_bytes(), export, export.frame, export.frame.lazy()):
        assert callframe.detect(data).name == "roistat"


def test_a_new_adapter_is_one_registration_and_is_then_detected() -> None:
    adapter = Adapter(
        name="test_tracker_xyz",
        title="Test tracker",
        time=IsoTime("when_xyz"),
        signature=("when_xyz", "caller_xyz", "secret_column_xyz"),
        requires=("when_xyz",),
        phone=Phone("caller_xyz"),
    )
    try:
        register(adapter)
        frame = pl.DataFrame({"when_xyz": ["2026-11-23T10:00:00Z"], "caller_xyz": ["79161234567"]})
        found = callframe.detect(frame)
        assert found.name == "test_tracker_xyz" and found.score == pytest.approx(2 / 3)
        with pytest.raises(callframe.UsageError, match="registered already"):
            register(adapter)
    finally:
        reg._REGISTRY.pop("test_tracker_xyz", None)


def test_generic_is_never_detected() -> None:
    assert all(d.name != "generic" for d in reg.rank(["date", "caller_phone", "status"]))


def test_adapters_document_their_inferred_defaults() -> None:
    for adapter in adapters():
        if adapter.name == "generic":
            continue
        module = __import__(f"callframe.trackers.{adapter.name}", fromlist=["ADAPTER"])
        assert module.__doc__ and "INFERRED" in module.__doc__, adapter.name
        assert adapter.notes, adapter.name
        assert adapter.describe()["DateTime"]
