"""The note on reports from before binding, when an AI bot has one reply of 20480 bytes to carry it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.adapters.wecom.limits import RESPONSE_URL_MAX_BYTES
from bot.adapters.wecom.markdown import escape_markdown
from handlers.pending_note import ONE_REPLY_MAX_BYTES, markdown_size, pending_note
from models import Case, Delivery
from tests.wecom.aibot_group import aibot_answers, aibot_says, bound_aibot_group
from tests.wecom.conftest import WeChatBot

REPORTS = 40
# Far more lines than REPORTS fill a reply of RESPONSE_URL_MAX_BYTES.
SMALL_REPLY_BYTES = 4096


def case_lines(count: int, text: str = "楼道的灯坏了好几天了，晚上回家看不见路") -> list[str]:
    template = "已登记：工单 {n:04d}（设施报修）「{n}栋{text}」，发送“查询 {n:04d}”可看进度。"
    return [template.format(n=n, text=text) for n in range(1, count + 1)]


def test_one_reply_limit_is_response_url_limit():
    assert ONE_REPLY_MAX_BYTES["wecom_aibot"] == RESPONSE_URL_MAX_BYTES


async def test_bind_reply_lists_what_fits(wechat: WeChatBot, monkeypatch: pytest.MonkeyPatch):
    # A smaller reply keeps the test to REPORTS messages through the pipeline.
    monkeypatch.setitem(ONE_REPLY_MAX_BYTES, "wecom_aibot", SMALL_REPLY_BYTES)
    for n in range(1, REPORTS + 1):
        await aibot_says(wechat, f"a-{n}", f"resident-{n}", f"{n}栋楼道的灯坏了好几天了，晚上回家看不见路")

    await bound_aibot_group(wechat)

    _hint, bound = aibot_answers(wechat)
    assert len(bound.encode("utf-8")) <= SMALL_REPLY_BYTES
    first, heading, *listed, tail = bound.split("\n")
    assert first.startswith("本群已绑定到“阳光花园”")
    assert heading == "本群绑定小区前反映的问题已转为工单："
    assert 0 < len(listed) < REPORTS
    for number, line in enumerate(listed, start=1):
        assert line.startswith(f"已登记：工单 {number:04d}")
        assert line.endswith(f"发送“查询 {number:04d}”可看进度。")
    assert tail == f"另有{REPORTS - len(listed)}条未列出，小区专员可发送“工单列表”查看。"
    assert len(await wechat.rows(select(Case))) == REPORTS
    assert set(await wechat.rows(select(Delivery.status))) == {"sent"}


def test_note_without_limit_lists_every_line():
    lines = case_lines(60)

    note = pending_note(lines, private=False, platform="wecom")

    assert note.split("\n")[1:] == lines


@pytest.mark.parametrize("private", [False, True])
def test_note_fits_aibot_reply(private: bool):
    lines = case_lines(200)
    before = "本群已绑定到“阳光花园”（XQ0001），居民在群里反映的问题将自动登记为工单。\n"

    note = pending_note(lines, private=private, platform="wecom_aibot", before=before)

    escaped = escape_markdown(before + note)
    assert len(escaped.encode("utf-8")) <= RESPONSE_URL_MAX_BYTES
    _heading, *listed, tail = note.split("\n")
    assert listed == lines[: len(listed)]
    command = "我的工单" if private else "工单列表"
    assert 0 < len(listed) < len(lines)
    assert tail.startswith(f"另有{200 - len(listed)}条未列出，")
    assert f"“{command}”" in tail


def test_note_short_enough_kept_whole():
    lines = case_lines(3)

    note = pending_note(lines, private=False, platform="wecom_aibot", before="绑定成功\n")

    assert note.split("\n")[1:] == lines


def test_note_line_too_long_left_out():
    long_line = "已登记：" + "电梯" * 3500
    lines = [long_line, *case_lines(2)]

    note = pending_note(lines, private=False, platform="wecom_aibot")

    assert note == "本群绑定小区前反映的问题已转为工单：\n另有3条未列出，小区专员可发送“工单列表”查看。"


def test_markdown_size_bounds_escaping():
    text = "#1. **7栋** [点我](http://a.b) <@all> & ~~ |表| 😀"

    assert markdown_size(text) >= len(escape_markdown(text).encode("utf-8"))
