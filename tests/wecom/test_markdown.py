"""Resident text in markdown replies stays text: no links, bold, headings or mentions."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bot.adapters.wecom.markdown import escape_markdown, markdown_parts
from handlers.messages import ChatTarget
from models import Compound, Identity, Member, Role, RoleKind
from tests.wecom.conftest import WeChatBot
from tests.wecom.test_callbacks import AIBOT, add_compound

ATTACK = "**7栋**水管爆了[点我报修](http://e.x/a)"
# What a markdown renderer acts on: emphasis, links, images, code, tags,
# mentions, and the line-start markers of headings, quotes and lists.
MARKUP = re.compile(r"[*_`\[\]<>#~|&]|^\s*([-+=]|\d+[.)])(\s|$)", re.MULTILINE)


@pytest.mark.parametrize(
    "text",
    [
        ATTACK,
        "# 标题\n## 二级",
        "- 一项\n+ 一项\n1. 有序\n2) 有序",
        "> 引用\n>> 二级引用",
        "    缩进四格会成代码块",
        "`代码` ~~删除~~ _斜体_ a|b",
        '<font color="warning">红字</font> <@all> &lt;b&gt;',
        "![图](http://e.x/p.png)",
        "上一行\n---\n===",
    ],
)
def test_escape_leaves_no_markup(text: str):
    escaped = escape_markdown(text)

    assert MARKUP.search(escaped) is None, escaped


def test_escape_keeps_the_words():
    escaped = escape_markdown(ATTACK)

    assert escaped == "＊＊7栋＊＊水管爆了［点我报修］(http://e.x/a)"


def test_escape_leaves_plain_chinese_alone():
    text = "3号楼2单元1.5米高的水管漏水，2024-05-01起，电话138-0000-0000。"

    assert escape_markdown(text) == text


def test_parts_fit_after_escaping():
    # Every "*" triples in size, so a split on the raw text would overflow.
    text = "*" * 5000 + "\n" + "漏水" * 1000

    parts = markdown_parts(text, 4096)

    assert len(parts) > 1
    assert all(len(part.encode("utf-8")) <= 4096 for part in parts)
    assert "".join(parts).count("＊") == 5000
    assert "".join(parts).count("漏水") == 1000


def test_part_starting_mid_line_escaped_as_line_start():
    text = "甲" * 10 + " - 乙"

    parts = markdown_parts(text, 33)

    assert all(not part.lstrip().startswith("-") for part in parts)


async def test_aibot_reply_shows_resident_markup_as_text(wechat: WeChatBot):
    await add_compound(wechat)
    async with wechat.services.sessionmaker() as session, session.begin():
        compound = (await session.scalars(select(Compound))).one()
        officer = Member(display_name="李专员")
        officer.identities.append(Identity(platform="wecom_aibot", platform_user_id="officer-li"))
        session.add(officer)
        await session.flush()
        session.add(Role(member_id=officer.id, role=RoleKind.LIAISON_OFFICER, compound_id=compound.id))

    def group_message(msgid: str, sender: str, text: str) -> dict:
        return {
            "msgid": msgid,
            "aibotid": "aib-1",
            "chatid": "wrk-group-md",
            "chattype": "group",
            "from": {"userid": sender},
            "response_url": wechat.fake.response_url(),
            "msgtype": "text",
            "text": {"content": f"@小区助手 {text}"},
        }

    await wechat.post(AIBOT, wechat.aibot_signer.encrypted_json(group_message("md-1", "officer-li", "绑定 XQ0001")))
    await wechat.settle()
    await wechat.post(AIBOT, wechat.aibot_signer.encrypted_json(group_message("md-2", "wangfang", ATTACK)))
    await wechat.settle()

    receipt = wechat.fake.sent("aibot/response")[-1]["markdown"]["content"]
    assert "已登记：工单 0001" in receipt
    assert "＊＊7栋＊＊" in receipt
    assert "**" not in receipt
    assert "[" not in receipt
    assert "](" not in receipt


async def test_robot_markdown_escaped(wechat: WeChatBot):
    await wechat.webhook.outbound.send(ChatTarget("wecom_webhook", "物业工作群"), f"内容：{ATTACK}")

    content = wechat.fake.sent("webhook/send")[0]["markdown"]["content"]
    assert content == "内容：＊＊7栋＊＊水管爆了［点我报修］(http://e.x/a)"


async def test_aibot_help_has_no_slash_forms(wechat: WeChatBot):
    await add_compound(wechat)
    async with wechat.services.sessionmaker() as session, session.begin():
        compound = (await session.scalars(select(Compound))).one()
        officer = Member(display_name="李专员")
        officer.identities.append(Identity(platform="wecom_aibot", platform_user_id="officer-li"))
        session.add(officer)
        await session.flush()
        session.add(Role(member_id=officer.id, role=RoleKind.LIAISON_OFFICER, compound_id=compound.id))
    request = {
        "msgid": "help-1",
        "aibotid": "aib-1",
        "chatid": "officer-li",
        "chattype": "single",
        "from": {"userid": "officer-li"},
        "response_url": wechat.fake.response_url(),
        "msgtype": "text",
        "text": {"content": "帮助"},
    }

    await wechat.post(AIBOT, wechat.aibot_signer.encrypted_json(request))
    await wechat.settle()

    content = wechat.fake.sent("aibot/response")[-1]["markdown"]["content"]
    assert "可用指令如下：" in content
    assert "我的信息" in content
    assert "＿" not in content
    assert "my_info" not in content
    assert "（/" not in content
    assert "Telegram" not in content
