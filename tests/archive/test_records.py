"""Decoding decrypted archive records into messages, one record type at a time."""

from __future__ import annotations

import json

import pytest

from bot.adapters.wecom_archive.records import RecordFormatError, decode_record
from tests.archive.fake_sdk import CORP, ROOM, record, text


def decode(data: dict, *, include_private: bool = False):  # noqa: ANN201
    return decode_record(7, json.dumps(data, ensure_ascii=False), corp_id=CORP, include_private=include_private)


def test_text_becomes_group_message() -> None:
    decoded = decode(text("m1", "wmResidentA", "3号楼电梯坏了", msgtime=1772415000000))

    assert decoded.action == "message"
    assert decoded.message.platform == "wecom_archive"
    assert decoded.message.account == CORP
    assert decoded.message.chat_id == ROOM
    assert decoded.message.sender_id == "wmResidentA"
    assert decoded.message.text == "3号楼电梯坏了"
    assert decoded.message.sent_at.timestamp() == 1772415000
    assert decoded.message.is_private is False


@pytest.mark.parametrize(
    ("kind", "body", "extension"),
    [
        ("image", {"md5sum": "a", "filesize": 10, "sdkfileid": "S1"}, "jpg"),
        ("voice", {"md5sum": "a", "voice_size": 10, "play_length": 3, "sdkfileid": "S1"}, "amr"),
        ("video", {"md5sum": "a", "filesize": 10, "play_length": 3, "sdkfileid": "S1"}, "mp4"),
        ("file", {"md5sum": "a", "filename": "报修单.PDF", "fileext": "PDF", "filesize": 10, "sdkfileid": "S1"}, "pdf"),
    ],
)
def test_media_record_names_file_to_fetch(kind: str, body: dict, extension: str) -> None:
    decoded = decode(record("m1", "wmResidentA", kind, body))

    assert decoded.action == "message"
    assert len(decoded.media) == 1
    assert decoded.media[0].kind == kind
    assert decoded.media[0].sdk_file_id == "S1"
    assert decoded.media[0].extension == extension


def test_file_extension_cannot_leave_folder() -> None:
    body = {"md5sum": "a", "filename": "x", "fileext": "../../etc", "filesize": 1, "sdkfileid": "S1"}

    decoded = decode(record("m1", "wmResidentA", "file", body))

    assert decoded.media[0].extension == "etc"


def test_location_and_link_become_attachments() -> None:
    location = decode(
        record(
            "m1",
            "wmResidentA",
            "location",
            {"longitude": 116.3, "latitude": 39.9, "address": "阳光花园3号楼", "title": "3号楼", "zoom": 15},
        )
    )
    link = decode(
        record(
            "m2",
            "wmResidentA",
            "link",
            {"title": "停水通知", "description": "明日停水", "link_url": "https://example.org/n", "image_url": ""},
        )
    )

    assert location.message.attachments[0].kind == "location"
    assert location.message.attachments[0].meta["address"] == "阳光花园3号楼"
    assert link.message.attachments[0].kind == "link"
    assert link.message.attachments[0].url == "https://example.org/n"


def test_mixed_joins_text_and_lists_images() -> None:
    body = {
        "item": [
            {"type": "text", "content": json.dumps({"content": "楼道灯坏了"}, ensure_ascii=False)},
            {"type": "image", "content": json.dumps({"md5sum": "b", "filesize": 5, "sdkfileid": "IMG"})},
            {"type": "text", "content": json.dumps({"content": "在5栋"}, ensure_ascii=False)},
        ]
    }

    decoded = decode(record("m1", "wmResidentA", "mixed", body))

    assert decoded.message.text == "楼道灯坏了\n在5栋"
    assert [m.sdk_file_id for m in decoded.media] == ["IMG"]


def test_recall_names_withdrawn_message() -> None:
    decoded = decode(record("m9", "wmResidentA", "revoke", {"pre_msgid": "m1"}, action="recall"))

    assert decoded.action == "recall"
    assert decoded.recalled_id == "m1"


def test_private_chat_dropped_unless_enabled() -> None:
    data = text("m1", "wmResidentA", "你好", room="", tolist=["zhangsan"])

    assert decode(data).action == "drop"
    enabled = decode(data, include_private=True)
    assert enabled.action == "message"
    assert enabled.message.is_private is True


def test_not_json_rejected() -> None:
    with pytest.raises(RecordFormatError, match="seq=7"):
        decode_record(7, "{not json", corp_id=CORP, include_private=False)
