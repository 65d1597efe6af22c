"""Chats (``upload?type=CHATS``) through the sync and the async client, in-process and over a
socket: validated first, sent once without ``client_id_type``, listed with ``type=CHATS``, found
again instead of sent twice, recovered after a lost answer."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from callframe import ContractError, UsageError
from callframe.metrica import OfflineConversionUploading, UploadOutcome, UploadStatus
from callframe.metrica.sandbox import Fault, Sandbox
from callframe.testing import sample_chats

from ..conftest import FIXTURES, NOW
from .conftest import Api, MakeApi

CHATS = FIXTURES / "metrica" / "chats.csv"
"""Six chats, each with an ID but one (``Yclid`` or a ClientID …): see the fixture."""


def test_upload_chats_sends_once_to_upload_type_chats(api: Api, sandbox: Sandbox) -> None:
    result = api.upload_chats(CHATS, comment="chats nightly", now=NOW)
    upload = result.upload
    assert result.outcome is UploadOutcome.SENT and not result.partial
    assert isinstance(upload, OfflineConversionUploading) and upload.type == "CHATS"
    assert upload.source_quantity == upload.line_quantity == 6
    assert upload.comment == f"chats nightly cf{result.parts[0].content_hash}"
    assert result.parts[0].client_id_type is None
    [stored] = sandbox.stored()
    assert stored["kind"] == "conversions" and stored["type"] == "CHATS"
    assert stored["client_id_type"] is None  # the chat docs name no client_id_type: not sent
    assert stored["size"] == CHATS.stat().st_size  # byte for byte
    assert "ClientID" in stored["columns"].split(",")

    again = api.upload_chats(CHATS, comment="chats nightly", now=NOW)
    assert again.outcome is UploadOutcome.FOUND and again.upload.id == upload.id
    assert len(sandbox.stored()) == 1 and sandbox.requests["upload"] == 1


def test_chat_uploads_are_listed_with_their_type(api: Api, sandbox: Sandbox) -> None:
    sent = api.upload_chats(CHATS, now=NOW).upload
    assert [u.id for u in api.chat_uploads()] == [sent.id]
    assert [u.id for u in api.iter_chat_uploads()] == [sent.id]
    assert api.conversion_uploads() == []  # BASIC, the list's default type
    assert [u.id for u in api.conversion_uploads(type="CHATS")] == [sent.id]
    done = api.wait(sent.id, kind="chats", timeout=5)
    assert done.status is UploadStatus.PROCESSED and done.linked_quantity == 6
    assert api.conversion_upload(sent.id).type == "CHATS"


def test_upload_conversions_with_type_chats_is_the_same(api: Api, sandbox: Sandbox) -> None:
    first = api.upload_conversions(CHATS, type="chats", now=NOW)
    assert first.upload.type == "CHATS"
    assert api.upload_chats(CHATS, now=NOW).outcome is UploadOutcome.FOUND
    with pytest.raises(UsageError, match="client_id_type does not apply to chats"):
        api.upload_conversions(CHATS, type="CHATS", client_id_type="CLIENT_ID", now=NOW)


def test_a_frame_goes_whole_with_the_chat_spelling(api: Api, sandbox: Sandbox) -> None:
    frame = sample_chats(40, seed=3, now=NOW).frame.rename({"ClientID": "ClientId"})
    result = api.upload_chats(frame, now=NOW)
    assert len(result.parts) == 1  # several ID columns, one upload: chats are not split
    [stored] = sandbox.stored()
    assert stored["line_quantity"] == 40
    assert stored["columns"].split(",")[:2] == ["DateTime", "ChatPlatform"]
    assert "ClientID" in stored["columns"].split(",")


def test_invalid_or_empty_chats_are_never_sent(api: Api, sandbox: Sandbox, tmp_path: Path) -> None:
    bad = pl.DataFrame(
        {"DateTime": [str(NOW - 60)], "ChatPlatform": ["Telegram"], "ChatUsername": ["someone"]}
    )
    with pytest.raises(ContractError) as caught:
        api.upload_chats(bad, now=NOW)
    assert "ChatPlatform|allowed" in set(caught.value.report.errors["rule"])
    empty = tmp_path / "empty.csv"
    empty.write_text("DateTime,ChatPlatform,ChatUsername\n", encoding="utf-8")
    with pytest.raises(ContractError):
        api.upload_chats(empty, now=NOW)
    assert sandbox.stored() == [] and sandbox.requests["upload"] == 0


@pytest.mark.parametrize("route", ["socket"])  # a dropped connection needs a real socket
def test_a_lost_answer_is_recovered_not_sent_again(
    make_api: MakeApi, sandbox: Sandbox, sleeps: list[float]
) -> None:
    sandbox.inject(Fault("drop"))  # stored, then the connection is closed mid-answer
    result = make_api().upload_chats(CHATS, now=NOW)
    assert result.outcome is UploadOutcome.RECOVERED
    assert sandbox.requests["upload"] == 1 and len(sandbox.stored()) == 1
    assert result.upload.id == sandbox.stored()[0]["id"]
