"""One command implementation behind the Chinese verb and the Telegram slash form."""

from __future__ import annotations

import re

from handlers.commands import build_registry
from tests.workflow.desk import open_desk

TELEGRAM_NAMES = {
    "help",
    "bind",
    "case",
    "cases",
    "assign",
    "ack",
    "resolve",
    "reopen",
    "escalate",
    "rate",
    "stats",
}


def test_slash_and_chinese_forms_share_a_command():
    registry = build_registry("OurBot")
    pairs = [
        ("查询 0034", "/case 0034"),
        ("受理 0034", "/ack@OurBot 0034"),
        ("办结 0034 已更换控制板", "/resolve 0034 已更换控制板"),
        ("转派 0034 业委会", "/assign 0034 业委会"),
        ("升级 0034 物业三天未响应", "/escalate 0034 物业三天未响应"),
        ("合并 0035 0034", "/merge 0035 0034"),
        ("分类 0035 设施报修", "/triage 0035 设施报修"),
        ("统计 本月", "/stats 本月"),
        ("评价 0034 满意", "/rate 0034 满意"),
        ("帮助", "/help"),
    ]
    for chinese, slash in pairs:
        by_verb, by_slash = registry.parse(chinese), registry.parse(slash)
        assert by_verb is not None and by_slash is not None, chinese
        assert by_verb.spec is by_slash.spec, chinese
        assert by_verb.args == by_slash.args, chinese


def test_registry_has_telegram_names():
    registry = build_registry()
    names = {spec.name for spec in registry.specs}
    assert TELEGRAM_NAMES <= names
    for spec in registry.specs:
        assert re.fullmatch(r"[a-z0-9_]{1,32}", spec.name), spec.name
        assert 0 < len(spec.help) <= 30, spec.name
        assert spec.example, spec.name


def test_other_bot_and_plain_text_ignored():
    registry = build_registry("OurBot")
    assert registry.parse("/case@OtherBot 0034") is None
    assert registry.parse("3栋电梯坏了") is None
    assert registry.parse("查询0034").args == ["0034"]
    assert registry.parse("查询\u30000034").args == ["0034"]


async def test_slash_form_runs_same_command(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1")

        acknowledged = await desk.say("/ack@OurBot 0001", sender="wang")
        unknown = await desk.say("/fix 0001", sender="wang")

        assert (await desk.case(1)).status == "acknowledged"
        assert any("已响应，正在处理" in r for r in acknowledged)
        assert unknown == ["没有“/fix”这个指令。发送“帮助”或 /help 查看可用指令。"]


def test_slash_glued_argument_like_verb():
    registry = build_registry("OurBot")
    pairs = [
        ("统计本月", "/stats本月"),
        ("统计近7天", "/stats近7天"),
        ("查询0034", "/case0034"),
        ("查询：0034", "/case：0034"),
        ("查询工单0034", "/case工单0034"),
        ("工单列表超时", "/cases@OurBot超时"),
    ]
    for chinese, slash in pairs:
        by_verb, by_slash = registry.parse(chinese), registry.parse(slash)
        assert by_verb is not None, chinese
        assert by_slash is not None, slash
        assert by_verb.spec is by_slash.spec, slash
        assert by_verb.args == by_slash.args, slash


def test_slash_glued_talk_not_command():
    registry = build_registry("OurBot")
    for text in ("/home/wang", "/stats一下", "/cases里有什么", "/case@OtherBot0034"):
        assert registry.parse(text) is None, text
