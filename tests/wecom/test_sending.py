"""Sending through the real clients to the fake platform: tokens, retries, limits and failures."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from handlers.directory import create_compound
from handlers.errors import PlatformError
from handlers.messages import ChatTarget, PartyTarget, Reply, UserTarget
from models import Case, CaseEvent, Delivery, Identity, Member, PartyKind, Role, RoleKind
from tests.wecom.conftest import WeChatBot

CHINESE_4000_BYTES = "物业请尽快维修三号楼电梯" * 111 + "😀"


async def test_one_token_refresh_under_50_sends(wechat: WeChatBot):
    sends = [
        wechat.app.outbound.send(UserTarget("wecom", f"resident-{i}"), f"您好，第{i}条通知")
        for i in range(50)
    ]

    await asyncio.gather(*sends)

    assert wechat.fake.tokens_issued == 1
    assert len(wechat.fake.sent("message/send")) == 50


async def test_expired_token_refreshed_once_and_retried(wechat: WeChatBot):
    await wechat.app.outbound.send(UserTarget("wecom", "zhangwei"), "您好")
    wechat.fake.expire_tokens()

    await asyncio.gather(
        *(wechat.app.outbound.send(UserTarget("wecom", f"u{i}"), "已受理") for i in range(50))
    )

    assert wechat.fake.tokens_issued == 2
    rejected = [r for r in wechat.fake.calls("message/send") if r.errcode == 42001]
    assert len(rejected) == 50
    assert len(wechat.fake.sent("message/send")) == 51


async def test_long_reply_split_on_utf8_bytes(wechat: WeChatBot):
    assert len(CHINESE_4000_BYTES.encode()) == 4000

    await wechat.app.outbound.send(UserTarget("wecom", "zhangwei"), CHINESE_4000_BYTES)

    parts = [p["text"]["content"] for p in wechat.fake.sent("message/send")]
    assert len(parts) == 2
    assert all(len(p.encode()) <= 2048 for p in parts)
    assert "".join(parts) == CHINESE_4000_BYTES
    assert "\ufffd" not in "".join(parts)


async def test_rate_limited_send_backs_off_and_arrives(wechat: WeChatBot):
    wechat.fake.fail("message/send", 45009, times=2, errmsg="api freq out of limit")

    await wechat.app.outbound.send(UserTarget("wecom", "zhangwei"), "您好，维修师傅下午两点上门")

    assert wechat.time.sleeps[:2] == [pytest.approx(2.0, rel=0.25), pytest.approx(10.0, rel=0.25)]
    assert [p["text"]["content"] for p in wechat.fake.sent("message/send")] == [
        "您好，维修师傅下午两点上门"
    ]


async def test_webhook_over_20_a_minute_waits(wechat: WeChatBot):
    robot = ChatTarget("wecom_webhook", "物业工作群")
    wechat.fake.fail("webhook/send", 130101, errmsg="send too often")

    for i in range(21):
        await wechat.webhook.outbound.send(robot, f"【催办】工单 {i:04d} 请尽快处理")

    sent = wechat.fake.sent("webhook/send")
    assert len(sent) == 21
    assert all(r.query["key"] == "robot-key-1" for r in wechat.fake.calls("webhook/send"))
    # One backoff after 130101, then the 21st waits for the minute to pass.
    assert len(wechat.time.sleeps) == 2
    assert sum(wechat.time.sleeps) == pytest.approx(60)


async def test_webhook_markdown_split_at_4096_bytes(wechat: WeChatBot):
    text = "\n".join(["3栋2单元电梯故障，已通知维保单位。"] * 300)

    await wechat.webhook.outbound.send(ChatTarget("wecom_webhook", "物业工作群"), text)

    parts = [p["markdown"]["content"] for p in wechat.fake.sent("webhook/send")]
    assert all(len(p.encode()) <= 4096 for p in parts)
    assert "".join(parts) == text
    assert all(p.endswith("\n") for p in parts[:-1])


async def test_appchat_used_for_registered_group(wechat: WeChatBot):
    from handlers.directory import chat_for
    from models import ChatKind

    async with wechat.services.sessionmaker() as session, session.begin():
        chat = await chat_for(session, "wecom", "wrOgQhDgAAmX-staff", title="物业工作群")
        chat.kind = ChatKind.STAFF_GROUP

    await wechat.app.outbound.send(ChatTarget("wecom", "wrOgQhDgAAmX-staff"), "今日新增工单 3 件")

    assert wechat.fake.sent("appchat/send") == [
        {
            "chatid": "wrOgQhDgAAmX-staff",
            "msgtype": "text",
            "text": {"content": "今日新增工单 3 件"},
        }
    ]


async def test_mp_reply_outside_48_hours_raises(wechat: WeChatBot):
    wechat.fake.fail("message/custom/send", 45015, errmsg="response out of time limit")

    with pytest.raises(PlatformError, match="45015"):
        await wechat.mp.outbound.send(UserTarget("wechat_mp", "oResident-openid-1"), "您好")

    assert wechat.time.sleeps == []


async def test_final_failure_recorded_and_officer_told(wechat: WeChatBot):
    async with wechat.services.sessionmaker() as session, session.begin():
        compound = await create_compound(session, "阳光花园", "XQ0001")
        officer = Member(display_name="李专员")
        officer.identities.append(Identity(platform="wecom", platform_user_id="officer-li"))
        session.add(officer)
        await session.flush()
        session.add(
            Role(member_id=officer.id, role=RoleKind.LIAISON_OFFICER, compound_id=compound.id)
        )
        case = Case(
            compound_id=compound.id,
            seq=1,
            category="repair",
            route="property",
            summary="3栋电梯坏了",
        )
        session.add(case)
        await session.flush()
        case_id = case.id
        property_party = compound.party(PartyKind.PROPERTY)
    # 60111: the user id is unknown, which no retry fixes.
    wechat.fake.fail("message/send", 60111, touser="zhangwei")

    reply = Reply(UserTarget("wecom", "zhangwei"), "您好，工单 0001 已受理", case_id, "reporter")
    await wechat.services.outbox.deliver([reply])

    deliveries = await wechat.rows(select(Delivery).order_by(Delivery.id))
    assert [(d.target_id, d.status) for d in deliveries] == [
        ("zhangwei", "failed"),
        ("officer-li", "sent"),
    ]
    assert "60111" in deliveries[0].last_error
    events = await wechat.rows(select(CaseEvent).where(CaseEvent.kind == "delivery_failed"))
    assert len(events) == 1
    to_officer = [
        p["text"]["content"]
        for p in wechat.fake.sent("message/send")
        if p["touser"] == "officer-li"
    ]
    assert to_officer == [
        "【发送失败】阳光花园 工单 0001 发给一位反映人的消息未能通过企业微信送达：“您好，工单 0001 已受理”。"
        "请人工联系该反映人，发送“查询 0001”可在办理记录中查看未送达的消息。"
    ]
    assert property_party is not None


async def test_aibot_without_response_url_fails_clearly(wechat: WeChatBot):
    # Without the app and a group robot, nothing else reaches an AI-bot group.
    wechat.aibot.outbound.app = None

    with pytest.raises(PlatformError, match="response_url"):
        await wechat.aibot.outbound.send(ChatTarget("wecom_aibot", "wrk-group-9"), "您好")


async def test_aibot_reaches_person_through_app(wechat: WeChatBot):
    await wechat.aibot.outbound.send(
        UserTarget("wecom_aibot", "officer-li"), "【新工单】阳光花园 工单 0002"
    )

    assert [p["touser"] for p in wechat.fake.sent("message/send")] == ["officer-li"]


async def test_party_target_resolved_by_outbox(wechat: WeChatBot):
    async with wechat.services.sessionmaker() as session, session.begin():
        compound = await create_compound(session, "阳光花园", "XQ0001")
        manager = Member(display_name="王经理")
        manager.identities.append(Identity(platform="wecom", platform_user_id="manager-wang"))
        session.add(manager)
        await session.flush()
        session.add(
            Role(member_id=manager.id, role=RoleKind.PROPERTY_MANAGER, compound_id=compound.id)
        )
        party = compound.party(PartyKind.PROPERTY)
        assert party is not None

    await wechat.services.outbox.deliver(
        [Reply(PartyTarget(party.id, party.name), "【新工单】请处理", None, "party")]
    )

    assert [p["touser"] for p in wechat.fake.sent("message/send")] == ["manager-wang"]


async def test_chart_uploaded_then_sent(wechat: WeChatBot, tmp_path):
    chart = tmp_path / "weekly.png"
    chart.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    wechat.fake.expire_tokens()

    await wechat.app.outbound.send_image(UserTarget("wecom", "secretary"), chart)

    assert len(wechat.fake.uploads) == 1
    assert wechat.fake.uploads[0] == chart.read_bytes()
    (sent,) = [p for p in wechat.fake.sent("message/send") if p.get("msgtype") == "image"]
    assert sent["touser"] == "secretary"
    assert sent["image"] == {"media_id": "media-1"}


async def test_chart_follows_digest_text(wechat: WeChatBot, tmp_path):
    chart = tmp_path / "weekly.png"
    chart.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)

    await wechat.services.outbox.deliver(
        [Reply(UserTarget("wecom", "secretary"), "【每周简报】阳光花园", image_path=str(chart))]
    )

    kinds = [p.get("msgtype") for p in wechat.fake.sent("message/send")]
    assert kinds == ["text", "image"]


async def test_unreadable_chart_recorded_as_failure(wechat: WeChatBot, tmp_path):
    with pytest.raises(PlatformError, match="cannot read"):
        await wechat.app.outbound.send_image(UserTarget("wecom", "secretary"), tmp_path / "missing.png")
