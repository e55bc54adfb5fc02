"""Callbacks from WeCom and the Official Account, posted to the running aiohttp app."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.adapters.registry import available_adapters, start_adapters
from bot.adapters.wecom import OfficialAccountAdapter
from bot.server import build_web_app
from handlers.directory import create_compound
from models import (
    Attachment,
    Case,
    ChatGroup,
    Compound,
    Identity,
    Member,
    RawMessage,
    Role,
    RoleKind,
)
from tests.helpers import make_services
from tests.wecom.conftest import AGENT_ID, CORP_ID, WeChatBot
from tests.wecom.platform import app_text_xml, now_ts, sign, xml_of

APP = "/wechat/work/callback"
AIBOT = "/wechat/work/aibot"
MP = "/wechat/mp/callback"


async def add_compound(bot: WeChatBot, name: str = "阳光花园", code: str = "XQ0001") -> None:
    async with bot.services.sessionmaker() as session, session.begin():
        await create_compound(session, name, code)


async def app_says(bot: WeChatBot, sender: str, text: str, msg_id: str):  # noqa: ANN201
    xml = app_text_xml(sender, text, msg_id, corp_id=CORP_ID, agent_id=AGENT_ID)
    response = await bot.post(APP, bot.app_signer.encrypted_xml(xml))
    await bot.settle()
    return response


def texts_to(bot: WeChatBot, user: str) -> list[str]:
    return [p["text"]["content"] for p in bot.fake.sent("message/send") if p["touser"] == user]


async def test_app_url_verification_returns_plaintext(wechat: WeChatBot):
    query = wechat.app_signer.echo("5927782489442352469")

    response = await wechat.client.get(APP, params=query)

    assert response.status == 200
    assert await response.text() == "5927782489442352469"


async def test_aibot_url_verification_uses_empty_receive_id(wechat: WeChatBot):
    query = wechat.aibot_signer.echo("echo-for-aibot")

    response = await wechat.client.get(AIBOT, params=query)

    assert response.status == 200
    assert await response.text() == "echo-for-aibot"


async def test_mp_url_verification_returns_echostr(wechat: WeChatBot):
    timestamp, nonce = now_ts(), "83721"
    query = {
        "signature": sign("MpCallbackToken", timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
        "echostr": "e-1234",
    }

    response = await wechat.client.get(MP, params=query)

    assert response.status == 200
    assert await response.text() == "e-1234"


async def test_resident_reports_through_app(wechat: WeChatBot):
    await add_compound(wechat)

    first = await app_says(wechat, "zhangwei", "你好", "m-1")
    await app_says(wechat, "zhangwei", "XQ0001 3栋", "m-2")
    await app_says(wechat, "zhangwei", "3号楼电梯坏了，有人被困在里面", "m-3")

    assert first.status == 200
    assert await first.text() == ""
    question, welcome, receipt = texts_to(wechat, "zhangwei")
    assert "哪个小区" in question
    assert "阳光花园3栋" in welcome
    assert "已登记：工单 0001" in receipt
    cases = await wechat.rows(select(Case))
    assert len(cases) == 1
    assert cases[0].category == "repair"
    assert wechat.fake.tokens_issued == 1


async def test_three_deliveries_make_one_case(wechat: WeChatBot):
    await add_compound(wechat)
    await app_says(wechat, "lina", "XQ0001", "m-10")
    xml = app_text_xml("lina", "5栋楼道灯不亮好几天了", "m-11", corp_id=CORP_ID, agent_id=AGENT_ID)
    identical = wechat.app_signer.encrypted_xml(xml)

    statuses = [(await wechat.post(APP, identical)).status for _ in range(2)]
    # A retry may also come re-encrypted under a new nonce.
    statuses.append((await wechat.post(APP, wechat.app_signer.encrypted_xml(xml))).status)
    await wechat.settle()

    assert statuses == [200, 200, 200]
    assert await wechat.count(Case) == 1
    assert await wechat.count(RawMessage) == 2
    receipts = [t for t in texts_to(wechat, "lina") if "已登记" in t]
    assert len(receipts) == 1


async def test_aibot_group_bind_then_report(wechat: WeChatBot):
    await add_compound(wechat)
    async with wechat.services.sessionmaker() as session, session.begin():
        compound = (await session.scalars(select(Compound))).one()
        officer = Member(display_name="李专员")
        officer.identities.append(Identity(platform="wecom_aibot", platform_user_id="officer-li"))
        session.add(officer)
        await session.flush()
        session.add(
            Role(member_id=officer.id, role=RoleKind.LIAISON_OFFICER, compound_id=compound.id)
        )

    def group_message(msgid: str, sender: str, text: str) -> dict:
        return {
            "msgid": msgid,
            "aibotid": "aib-1",
            "chatid": "wrkSFfCgAA-group-1",
            "chattype": "group",
            "from": {"userid": sender},
            "response_url": wechat.fake.response_url(),
            "msgtype": "text",
            "text": {"content": f"@物业小助手 {text}"},
        }

    unbound = await wechat.post(
        AIBOT,
        wechat.aibot_signer.encrypted_json(group_message("a-1", "wangfang", "楼下垃圾没人清")),
    )
    await wechat.settle()
    await wechat.post(
        AIBOT, wechat.aibot_signer.encrypted_json(group_message("a-2", "officer-li", "绑定 XQ0001"))
    )
    await wechat.settle()
    await wechat.post(
        AIBOT,
        wechat.aibot_signer.encrypted_json(
            group_message("a-3", "wangfang", "2号楼电梯坏了，困人了")
        ),
    )
    await wechat.settle()

    assert unbound.status == 200
    answers = [p["markdown"]["content"] for p in wechat.fake.sent("aibot/response")]
    assert "尚未绑定小区" in answers[0]
    assert "已绑定到“阳光花园”" in answers[1]
    # The report sent before binding became 0001 when the group was bound.
    assert "已登记：工单 0002" in answers[2]
    chat = (await wechat.rows(select(ChatGroup).where(ChatGroup.platform == "wecom_aibot")))[0]
    assert chat.chat_id == "wrkSFfCgAA-group-1"
    raw = (await wechat.rows(select(RawMessage).where(RawMessage.platform_message_id == "a-3")))[0]
    assert raw.text == "2号楼电梯坏了，困人了"


async def test_mp_scan_then_report_in_safe_mode(wechat: WeChatBot):
    await add_compound(wechat)
    scan = xml_of(
        {
            "ToUserName": "gh_0a1b2c3d4e5f",
            "FromUserName": "oResident-openid-1",
            "CreateTime": now_ts(),
            "MsgType": "event",
            "Event": "subscribe",
            "EventKey": "qrscene_XQ0001-6",
        }
    )
    report = xml_of(
        {
            "ToUserName": "gh_0a1b2c3d4e5f",
            "FromUserName": "oResident-openid-1",
            "CreateTime": now_ts(),
            "MsgType": "text",
            "Content": "6栋门口的路灯坏了，晚上很黑",
            "MsgId": "24681357",
        }
    )

    subscribed = await wechat.post(MP, wechat.mp_signer.encrypted_xml(scan))
    await wechat.settle()
    reported = await wechat.post(MP, wechat.mp_signer.encrypted_xml(report))
    await wechat.settle()

    assert await subscribed.text() == "success"
    assert await reported.text() == "success"
    welcome, receipt = [p["text"]["content"] for p in wechat.fake.sent("message/custom/send")]
    assert "阳光花园6栋" in welcome
    assert "已登记：工单 0001" in receipt


async def test_mp_plain_mode_rejected_when_safe_mode_set(wechat: WeChatBot):
    timestamp, nonce = now_ts(), "5501"
    body = xml_of(
        {
            "ToUserName": "gh_1",
            "FromUserName": "o-1",
            "CreateTime": timestamp,
            "MsgType": "text",
            "Content": "你好",
            "MsgId": "1",
        }
    )
    query = {
        "signature": sign("MpCallbackToken", timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
    }

    response = await wechat.client.post(MP, params=query, data=body.encode())

    assert response.status == 400
    assert await wechat.count(RawMessage) == 0


async def test_unused_events_answered_without_reply(wechat: WeChatBot):
    events = [
        {"Event": "enter_agent", "EventKey": ""},
        {"Event": "LOCATION", "Latitude": "31.2", "Longitude": "121.4", "Precision": "30"},
        {"Event": "template_card_event", "EventKey": "unknown-button", "TaskId": "t-1"},
    ]
    statuses = []
    for fields in events:
        xml = xml_of(
            {
                "ToUserName": CORP_ID,
                "FromUserName": "zhaolei",
                "CreateTime": now_ts(),
                "MsgType": "event",
                "AgentID": AGENT_ID,
                **fields,
            }
        )
        response = await wechat.post(APP, wechat.app_signer.encrypted_xml(xml))
        statuses.append((response.status, await response.text()))
    await wechat.settle()

    assert statuses == [(200, "")] * 3
    assert await wechat.count(RawMessage) == 0
    assert wechat.fake.requests == []


async def test_media_attached_to_reporters_case(wechat: WeChatBot):
    await add_compound(wechat)
    await app_says(wechat, "sunli", "XQ0001", "m-20")
    await app_says(wechat, "sunli", "8栋地下车库漏水很严重", "m-21")
    media = [
        {
            "MsgType": "image",
            "PicUrl": "http://127.0.0.1/p.jpg",
            "MediaId": "media-image-1",
            "MsgId": "m-22",
        },
        {
            "MsgType": "voice",
            "MediaId": "media-voice-1",
            "Format": "amr",
            "Recognition": "车库还在漏水 水已经漫到车位了",
            "MsgId": "m-23",
        },
        {
            "MsgType": "location",
            "Location_X": "31.2304",
            "Location_Y": "121.4737",
            "Scale": "15",
            "Label": "8栋车库入口",
            "MsgId": "m-24",
        },
        {
            "MsgType": "link",
            "Title": "物业公告",
            "Description": "停水通知",
            "Url": "http://127.0.0.1/notice",
            "MsgId": "m-25",
        },
    ]

    for fields in media:
        xml = xml_of(
            {
                "ToUserName": CORP_ID,
                "FromUserName": "sunli",
                "CreateTime": now_ts(),
                "AgentID": AGENT_ID,
                **fields,
            }
        )
        response = await wechat.post(APP, wechat.app_signer.encrypted_xml(xml))
        assert response.status == 200
    await wechat.settle()

    case = (await wechat.rows(select(Case)))[0]
    attachments = {a.kind: a for a in await wechat.rows(select(Attachment))}
    assert set(attachments) == {"image", "voice", "location", "link"}
    assert all(a.case_id == case.id for a in attachments.values())
    assert attachments["image"].media_id == "media-image-1"
    assert attachments["voice"].meta["recognition"] == "车库还在漏水 水已经漫到车位了"
    assert attachments["location"].meta["latitude"] == 31.2304
    assert attachments["link"].url == "http://127.0.0.1/notice"


async def test_mp_voice_note_reported_by_its_transcript(wechat: WeChatBot):
    await add_compound(wechat)
    scan = {"MsgType": "event", "Event": "subscribe", "EventKey": "qrscene_XQ0001-5"}
    silent = {"MsgType": "voice", "MediaId": "media-voice-0", "Format": "amr", "MsgId": "7001"}
    spoken = {
        "MsgType": "voice",
        "MediaId": "media-voice-1",
        "Format": "amr",
        "Recognition": "5栋电梯困人了，快来人",
        "MsgId": "7002",
    }

    for fields in (scan, silent, spoken):
        xml = xml_of(
            {"ToUserName": "gh_0a1b2c3d4e5f", "FromUserName": "oVoice-1", "CreateTime": now_ts(), **fields}
        )
        response = await wechat.post(MP, wechat.mp_signer.encrypted_xml(xml))
        assert response.status == 200
        await wechat.settle()

    cases = await wechat.rows(select(Case))
    assert len(cases) == 1
    assert cases[0].category == "repair"
    assert cases[0].urgent
    assert cases[0].building == "5"
    raws = {r.platform_message_id: r for r in await wechat.rows(select(RawMessage))}
    assert raws["7001"].text == ""
    assert raws["7002"].text == "5栋电梯困人了，快来人"
    voices = await wechat.rows(select(Attachment).where(Attachment.kind == "voice"))
    assert [v.media_id for v in voices if v.case_id == cases[0].id] == ["media-voice-1"]
    receipts = [p["text"]["content"] for p in wechat.fake.sent("message/custom/send")]
    assert "已登记：工单 0001" in receipts[-1]


async def test_routes_start_only_when_configured(db_url):
    services, _console = await make_services(
        db_url,
        wecom_aibot_token="AibotCallbackToken",
        wecom_aibot_aes_key="kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR",
        wechat_mp_app_id="wx2c8d1f0e3b4a5968",
    )
    web_app = build_web_app(services)

    started = await start_adapters(services, web_app)

    names = [adapter.name for adapter in started]
    assert "wecom_aibot" in names
    assert "wecom" not in names
    assert "wechat_mp" not in names
    reasons = {a.name: a.missing_settings(services.settings) for a in available_adapters()}
    assert reasons["wechat_mp"] == "missing WECHAT_MP_SECRET, WECHAT_MP_TOKEN"
    assert "WECOM_CORP_ID" in reasons["wecom"]
    routes = {route.resource.canonical for route in web_app.router.routes()}
    assert AIBOT in routes
    assert APP not in routes
    for adapter in started:
        await adapter.stop()
    await services.close()


async def test_mp_event_redelivered_welcomes_once(wechat: WeChatBot):
    await add_compound(wechat)
    scan = xml_of(
        {
            "ToUserName": "gh_0a1b2c3d4e5f",
            "FromUserName": "oResident-openid-2",
            "CreateTime": now_ts(),
            "MsgType": "event",
            "Event": "SCAN",
            "EventKey": "XQ0001",
        }
    )

    for _ in range(3):
        # Each retry arrives under a fresh nonce, so only the event id can tell.
        response = await wechat.post(MP, wechat.mp_signer.encrypted_xml(scan))
        assert await response.text() == "success"
    await wechat.settle()

    assert await wechat.count(RawMessage) == 1
    welcomes = [p["text"]["content"] for p in wechat.fake.sent("message/custom/send")]
    assert len(welcomes) == 1
    assert "阳光花园" in welcomes[0]


async def test_mp_plain_mode_accepts_signed_xml(db_url, fake_wechat):
    services, _console = await make_services(
        db_url,
        wechat_mp_app_id="wx2c8d1f0e3b4a5968",
        wechat_mp_secret="mp-secret",
        wechat_mp_token="MpCallbackToken",
        wechat_mp_api_base_url=fake_wechat.base_url,
    )
    adapter = OfficialAccountAdapter()
    web_app = build_web_app(services)
    await adapter.start(services, web_app)
    timestamp, nonce = now_ts(), "61234"
    body = xml_of(
        {
            "ToUserName": "gh_0a1b2c3d4e5f",
            "FromUserName": "oResident-openid-3",
            "CreateTime": timestamp,
            "MsgType": "text",
            "Content": "你好，想问下怎么报修",
            "MsgId": "97531",
        }
    )
    signature = sign("MpCallbackToken", timestamp, nonce)
    query = {"signature": signature, "timestamp": timestamp, "nonce": nonce}

    async with TestClient(TestServer(web_app, host="127.0.0.1")) as client:
        response = await client.post(MP, params=query, data=body.encode())
        text = await response.text()
    await adapter.tasks.wait_idle()

    assert text == "success"
    questions = [p["text"]["content"] for p in fake_wechat.sent("message/custom/send")]
    assert len(questions) == 1
    assert "哪个小区" in questions[0]
    await adapter.stop()
    await services.close()
