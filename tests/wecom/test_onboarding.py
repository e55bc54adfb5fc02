"""A resident's first private chat: asked once where they live, then reports open cases."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import select

from handlers.directory import create_compound
from handlers.messages import InboundMessage
from handlers.onboarding import parse_home
from models import Case, CaseEvent, ChatGroup, Compound, MessageOutcome, PrivateChatHome, RawMessage
from tests.helpers import T0, make_services, send
from tests.wecom.conftest import WeChatBot
from tests.wecom.platform import now_ts, xml_of
from tests.wecom.test_callbacks import MP, add_compound, app_says, texts_to

_ids = itertools.count(1)


def private(text: str, *, sender: str = "o-resident-1", minutes: float = 0, platform: str = "test") -> InboundMessage:
    return InboundMessage(
        platform=platform,
        chat_id=sender,
        sender_id=sender,
        message_id=f"p{next(_ids)}",
        sent_at=T0 + timedelta(minutes=minutes),
        text=text,
        is_private=True,
    )


async def test_asked_once_then_remembered(db_url):
    services, console = await make_services(db_url)
    async with services.sessionmaker() as session, session.begin():
        await create_compound(session, "阳光花园", "XQ0001")

    hello = await services.pipeline.handle(private("你好，请问怎么报修"))
    again = await services.pipeline.handle(private("有人吗"))
    wrong = await services.pipeline.handle(private("XQ9999"))
    answer = await services.pipeline.handle(private("我住XQ0001小区 12号楼"))
    report = await services.pipeline.handle(private("电梯坏了，困在5楼"))

    assert hello.outcome == MessageOutcome.IGNORED
    assert "直接描述遇到的问题" in hello.replies[0].text
    assert again.replies == []
    assert "XQ9999" in wrong.replies[0].text
    assert "阳光花园12栋" in answer.replies[0].text
    assert report.outcome == MessageOutcome.OPENED
    texts = [text for _target, text in console.sent]
    assert sum("欢迎使用" in t for t in texts) == 1
    async with services.sessionmaker() as session:
        home = await session.scalar(select(PrivateChatHome))
        chat = await session.scalar(select(ChatGroup).where(ChatGroup.chat_id == "o-resident-1"))
        cases = list(await session.scalars(select(Case)))
    assert home is not None
    assert home.building == "12"
    assert home.answered_at is not None
    assert chat is not None
    assert chat.compound_id == home.compound_id
    assert len(cases) == 1
    assert cases[0].building == "12"
    await services.close()


async def test_report_before_answer_opens_no_case(db_url):
    services, _console = await make_services(db_url)
    async with services.sessionmaker() as session, session.begin():
        await create_compound(session, "阳光花园", "XQ0001")

    result = await services.pipeline.handle(private("3栋电梯坏了，有人被困"))

    assert result.outcome == MessageOutcome.UNBOUND
    assert "小区编码" in result.replies[0].text
    async with services.sessionmaker() as session:
        assert list(await session.scalars(select(Case))) == []
    await services.close()


async def test_free_text_answers_bind_the_chat(db_url):
    services, _console = await make_services(db_url)
    async with services.sessionmaker() as session, session.begin():
        await create_compound(session, "翠竹园", "XQ0001")
        await create_compound(session, "阳光花园", "XQ0002")

    answers = {
        "o-a": ("翠竹园 5栋", "5"),
        "o-b": ("我住翠竹园3栋", "3"),
        "o-c": ("ＸＱ0001 ３栋", "3"),
        "o-d": ("翠竹园小区十二号楼", "12"),
    }
    for sender, (text, _building) in answers.items():
        await services.pipeline.handle(private("你好", sender=sender))
        reply = await services.pipeline.handle(private(text, sender=sender, minutes=1))
        assert "已记录您住在翠竹园" in reply.replies[0].text, text

    async with services.sessionmaker() as session:
        homes = {h.chat_id: h for h in await session.scalars(select(PrivateChatHome))}
    for sender, (text, building) in answers.items():
        assert homes[sender].compound_id is not None, text
        assert homes[sender].building == building, text
    await services.close()


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("阳光花园 0栋", "0"),
        ("阳光花园 99999栋", "99999"),
        ("阳光花园 1000号楼", "1000"),
        ("XQ0001-0", "0"),
        ("阳光花园 零栋", "零"),
        ("阳光花园 〇栋", "〇"),
        ("阳光花园 一〇〇〇栋", "一〇〇〇"),
    ],
)
async def test_out_of_range_building_rejected(db_url, text, number):
    services, _console = await make_services(db_url)
    async with services.sessionmaker() as session, session.begin():
        await create_compound(session, "阳光花园", "XQ0001")

    await services.pipeline.handle(private("你好"))
    reply = await services.pipeline.handle(private(text, minutes=1))

    assert reply.replies[0].text == (
        f"楼栋号“{number}”无效，应为 1 到 999 之间的数字。请重新发送，例如“阳光花园 3栋”或“XQ0001 3栋”。"
    )
    async with services.sessionmaker() as session:
        home = await session.scalar(select(PrivateChatHome))
    assert home.compound_id is None
    assert home.building is None
    await services.close()


async def test_out_of_range_building_after_name_rejected(db_url):
    services, _console = await make_services(db_url)
    async with services.sessionmaker() as session, session.begin():
        await create_compound(session, "阳光花园", "XQ0001")

    await services.pipeline.handle(private("阳光花园"))
    reply = await services.pipeline.handle(private("0栋", minutes=1))

    assert "楼栋号“0”无效" in reply.replies[0].text
    async with services.sessionmaker() as session:
        home = await session.scalar(select(PrivateChatHome))
    assert home.compound_id is not None
    assert home.building is None
    await services.close()


async def test_unclear_answer_gets_a_reply(db_url):
    services, _console = await make_services(db_url)
    async with services.sessionmaker() as session, session.begin():
        await create_compound(session, "阳光花园", "XQ0001")
        await create_compound(session, "阳光花园二期", "XQ0002")
        await create_compound(session, "翠竹园", "XQ0003")
        await create_compound(session, "翠竹园东区", "XQ0004")
        await create_compound(session, "东区花苑", "XQ0005")

    await services.pipeline.handle(private("你好"))
    unknown = await services.pipeline.handle(private("我住幸福里5栋", minutes=1))
    report = await services.pipeline.handle(private("5栋电梯坏了", minutes=2))
    ambiguous = await services.pipeline.handle(private("翠竹园东区花苑", minutes=3))
    nested = await services.pipeline.handle(private("阳光花园二期 3栋", minutes=4))

    assert "没有找到该小区" in unknown.replies[0].text
    assert "小区编码可向小区专员或物业服务中心询问" in unknown.replies[0].text
    assert "已记下" not in unknown.replies[0].text
    assert "已记下" in report.replies[0].text
    assert "XQ0004" in ambiguous.replies[0].text
    assert "XQ0005" in ambiguous.replies[0].text
    assert "阳光花园二期3栋" in nested.replies[0].text
    await services.close()


async def test_report_before_answer_opens_on_binding(db_url):
    services, console = await make_services(db_url)
    async with services.sessionmaker() as session, session.begin():
        await create_compound(session, "翠竹园", "XQ0001")

    first = await send(services, private("楼道灯坏了好几天了，晚上看不见路"))
    second = await send(services, private("5栋电梯坏了，有人被困", minutes=2))
    answer = await send(services, private("我住翠竹园5栋", minutes=5))

    assert first.outcome == MessageOutcome.UNBOUND
    assert second.outcome == MessageOutcome.UNBOUND
    assert answer.opened == 2
    assert len(answer.case_ids) == 2
    told = "\n".join(text for _target, text in console.sent)
    assert "您登记住址前反映的问题已转为工单" in told
    assert "工单 0001" in told
    assert "工单 0002" in told
    async with services.sessionmaker() as session:
        cases = list(await session.scalars(select(Case).order_by(Case.seq)))
        outcomes = [
            raw.outcome for raw in await session.scalars(select(RawMessage).order_by(RawMessage.id))
        ]
    assert [c.building for c in cases] == ["5", "5"]
    assert cases[0].category != cases[1].category or cases[0].summary != cases[1].summary
    assert outcomes[:2] == [MessageOutcome.OPENED, MessageOutcome.OPENED]
    await services.close()


async def test_failed_address_tries_open_no_case(db_url):
    services, _console = await make_services(db_url)
    async with services.sessionmaker() as session, session.begin():
        await create_compound(session, "金桂园", "XQ0001")

    await send(services, private("你好"))
    unknown = await send(services, private("XQ9999 3栋", minutes=1))
    misspelt = await send(services, private("金桂 3栋", minutes=2))
    report = await send(services, private("4栋楼道灯坏了好几天了", minutes=3))
    answer = await send(services, private("金桂园 3栋", minutes=4))

    assert "已记下" not in unknown.replies[0].text
    assert "已记下" not in misspelt.replies[0].text
    assert "已记下" in report.replies[0].text
    assert answer.opened == 1
    async with services.sessionmaker() as session:
        summaries = list(await session.scalars(select(Case.summary)))
    assert summaries == ["4栋楼道灯坏了好几天了"]
    await services.close()


async def test_command_before_address_asks_for_it(db_url):
    services, _console = await make_services(db_url)
    async with services.sessionmaker() as session, session.begin():
        await create_compound(session, "金桂园", "XQ0001")

    result = await send(services, private("查询 0002"))

    assert "还不知道您住在哪个小区" in result.replies[0].text
    assert "XQ0001 3栋" in result.replies[0].text
    await services.close()


async def test_unknown_scene_says_code_not_found(db_url):
    services, _console = await make_services(db_url)

    result = await send(services, private("qrscene_XQ0077-1"))

    assert result.replies[0].text.startswith("您好，欢迎使用小区服务。没有找到编码为“XQ0077”的小区。")
    assert result.replies[0].text.count("您好") == 1
    assert "住在哪个小区" in result.replies[0].text
    await services.close()


async def test_scanning_another_compound_moves_chat(db_url):
    services, _console = await make_services(db_url)
    async with services.sessionmaker() as session, session.begin():
        await create_compound(session, "金桂园", "XQ0001")
        await create_compound(session, "银杏苑", "XQ0002")

    await send(services, private("XQ0001-3"))
    moved = await send(services, private("XQ0002-2", minutes=1))
    unknown = await send(services, private("XQ0099", minutes=2))
    await send(services, private("楼道灯坏了好几天了", minutes=3))

    assert "已把您的住址改为银杏苑2栋" in moved.replies[0].text
    assert "没有找到编码为“XQ0099”的小区" in unknown.replies[0].text
    assert "仍是银杏苑" in unknown.replies[0].text
    async with services.sessionmaker() as session:
        case = await session.scalar(select(Case))
        compound = await session.get(Compound, case.compound_id)
    assert compound.code == "XQ0002"
    assert case.building == "2"
    await services.close()


def test_home_parsed_from_code_and_scene():
    assert parse_home("XQ0001 3栋") == ("XQ0001", "3")
    assert parse_home("ＸＱ0001 ３栋") == ("XQ0001", "3")
    assert parse_home("qrscene_xq0002-15") == ("XQ0002", "15")
    assert parse_home("XQ0003") == ("XQ0003", None)
    assert parse_home("3号楼漏水") is None


async def test_scanned_building_fills_named_place(db_url):
    services, _console = await make_services(db_url)
    async with services.sessionmaker() as session, session.begin():
        await create_compound(session, "阳光花园", "XQ0001")

    await send(services, private("qrscene_XQ0001-3"))
    stairwell = await send(services, private("楼道灯坏了，晚上看不见路", minutes=1))
    gate = await send(services, private("东门的道闸坏了，车出不去", minutes=2))

    assert stairwell.outcome == MessageOutcome.OPENED
    assert gate.outcome == MessageOutcome.OPENED
    async with services.sessionmaker() as session:
        cases = list(await session.scalars(select(Case).order_by(Case.seq)))
    assert cases[0].building == "3"
    assert cases[0].place == "楼道"
    assert cases[1].building is None
    await services.close()


async def test_misspelt_name_gets_closest(db_url):
    services, _console = await make_services(db_url)
    async with services.sessionmaker() as session, session.begin():
        await create_compound(session, "阳光花园", "XQ0001")
        await create_compound(session, "阳光花园二期", "XQ0002")
        await create_compound(session, "金桂园", "XQ0003")

    first = await send(services, private("阳光花苑 3栋"))
    later = await send(services, private("我住阳光花苑5栋", minutes=1))
    short = await send(services, private("金桂 3栋", minutes=2))

    assert first.replies[0].text == (
        "您好，欢迎使用小区服务。没有找到该小区。您是不是住在阳光花园？如果是，请发送“XQ0001 3栋”。"
    )
    assert later.replies[0].text == "没有找到该小区。您是不是住在阳光花园？如果是，请发送“XQ0001 5栋”。"
    assert "您是不是住在金桂园" in short.replies[0].text
    async with services.sessionmaker() as session:
        home = await session.scalar(select(PrivateChatHome))
    assert home.compound_id is None
    await services.close()


async def test_close_names_listed_on_tie(db_url):
    services, _console = await make_services(db_url)
    async with services.sessionmaker() as session, session.begin():
        await create_compound(session, "阳光花园", "XQ0001")
        await create_compound(session, "阳光家园", "XQ0002")

    result = await send(services, private("阳光园 3栋"))

    assert result.replies[0].text == (
        "您好，欢迎使用小区服务。没有找到该小区。相近的小区有：阳光花园（XQ0001）、阳光家园（XQ0002）。"
        "请发送您所住小区的编码和楼栋，例如“XQ0001 3栋”。"
    )
    await services.close()


async def test_traditional_name_binds_chat(db_url):
    services, _console = await make_services(db_url)
    async with services.sessionmaker() as session, session.begin():
        await create_compound(session, "阳光花园", "XQ0001")

    result = await send(services, private("陽光花園 3棟"))

    assert "已记录您住在阳光花园3栋" in result.replies[0].text
    async with services.sessionmaker() as session:
        home = await session.scalar(select(PrivateChatHome))
    assert home.compound_id is not None
    assert home.building == "3"
    await services.close()


async def test_unknown_name_first_says_not_found(db_url):
    services, _console = await make_services(db_url)
    async with services.sessionmaker() as session, session.begin():
        await create_compound(session, "阳光花园", "XQ0001")

    result = await send(services, private("幸福里 5栋"))
    building_only = await send(services, private("5栋", minutes=1))

    assert result.replies[0].text == (
        "您好，欢迎使用小区服务。没有找到该小区，请核对小区名称，或改发小区编码和楼栋，例如“XQ0001 3栋”。"
        "小区编码可向小区专员或物业服务中心询问。"
    )
    assert building_only.replies[0].text.startswith("我们还不知道您住在哪个小区")
    await services.close()


@pytest.mark.parametrize("platform", ["wecom", "wecom_aibot", "telegram", "wechat_mp"])
async def test_first_report_noted_on_every_platform(db_url, platform):
    services, console = await make_services(db_url, console_platform=platform)
    async with services.sessionmaker() as session, session.begin():
        await create_compound(session, "阳光花园", "XQ0001")

    hello = await send(services, private("你好", sender="o-hello", platform=platform))
    report = await send(services, private("3栋电梯坏了，有人被困", platform=platform))
    again = await send(services, private("楼道灯坏了好几天了，晚上看不见路", platform=platform, minutes=1))

    first = report.replies[0].text
    assert first.startswith("您好，欢迎使用小区服务。您反映的问题已记下，登记住址后会自动转为工单。")
    assert again.replies[0].text.startswith("您反映的问题已记下")
    assert "已记下" not in hello.replies[0].text
    shortcut = {"wechat_mp": "也可以直接扫描小区二维码", "telegram": "也可以打开小区专员发的小区链接"}.get(platform)
    for text in (hello.replies[0].text, first, again.replies[0].text):
        assert "小区编码可向小区专员或物业服务中心询问" in text
        if shortcut is None:
            assert "二维码" not in text
            assert "链接" not in text
        else:
            assert shortcut in text
    assert [text for _target, text in console.sent][1] == first
    await services.close()


async def test_wecom_app_first_report_noted(wechat: WeChatBot):
    await add_compound(wechat)

    await app_says(wechat, "zhangsan", "3栋电梯坏了，有人被困", "app-first-1")

    [reply] = texts_to(wechat, "zhangsan")
    assert reply.startswith("您好，欢迎使用小区服务。您反映的问题已记下，登记住址后会自动转为工单。")
    assert "二维码" not in reply


async def test_official_account_follow_mentions_qr(wechat: WeChatBot):
    follow = xml_of(
        {
            "ToUserName": "gh_0a1b2c3d4e5f",
            "FromUserName": "oResident-openid-9",
            "CreateTime": now_ts(),
            "MsgType": "event",
            "Event": "subscribe",
            "EventKey": "",
        }
    )

    await wechat.post(MP, wechat.mp_signer.encrypted_xml(follow))
    await wechat.settle()

    [reply] = [p["text"]["content"] for p in wechat.fake.sent("message/custom/send")]
    assert reply.startswith("您好，欢迎使用小区服务。")
    assert "也可以直接扫描小区二维码" in reply


async def test_part_of_one_name_offered(db_url):
    services, _console = await make_services(db_url)
    async with services.sessionmaker() as session, session.begin():
        await create_compound(session, "阳光花园", "XQ0001")
        await create_compound(session, "金桂园", "XQ0002")

    short = await send(services, private("阳光 3栋"))

    assert short.replies[0].text == (
        "您好，欢迎使用小区服务。没有找到该小区。您是不是住在阳光花园？如果是，请发送“XQ0001 3栋”。"
    )
    async with services.sessionmaker() as session:
        home = await session.scalar(select(PrivateChatHome))
    assert home.compound_id is None
    await services.close()


async def test_similar_names_never_guessed(db_url):
    services, _console = await make_services(db_url)
    async with services.sessionmaker() as session, session.begin():
        await create_compound(session, "阳光花园", "XQ0001")
        await create_compound(session, "阳光花园二期", "XQ0002")
        await create_compound(session, "阳光小区", "XQ0003")

    misspelt = await send(services, private("阳光花苑 3栋"))
    short = await send(services, private("阳光", minutes=1))

    assert misspelt.replies[0].text == (
        "您好，欢迎使用小区服务。没有找到该小区。您是不是住在阳光花园？如果是，请发送“XQ0001 3栋”。"
    )
    assert short.replies[0].text == (
        "有多个小区与您发送的名称相符：阳光花园（XQ0001）、阳光花园二期（XQ0002）、阳光小区（XQ0003）。"
        "请发送小区编码和楼栋，例如“XQ0001 3栋”。"
    )
    async with services.sessionmaker() as session:
        home = await session.scalar(select(PrivateChatHome))
    assert home.compound_id is None
    await services.close()


async def test_exact_name_and_unique_alias_bind(db_url):
    services, _console = await make_services(db_url)
    async with services.sessionmaker() as session, session.begin():
        await create_compound(session, "阳光花园", "XQ0001")
        await create_compound(session, "翠竹小区", "XQ0002")

    exact = await send(services, private("阳光花园 3栋"))
    alias = await send(services, private("我住翠竹5栋", sender="o-resident-2"))

    assert "已记录您住在阳光花园3栋" in exact.replies[0].text
    assert "已记录您住在翠竹小区5栋" in alias.replies[0].text
    await services.close()


async def test_official_account_name_then_building(wechat: WeChatBot):
    await add_compound(wechat)
    openid = "oResident-openid-7"

    for number, text in enumerate(("阳光花园", "3栋", "楼道灯不亮好几天了"), start=1):
        message = xml_of(
            {
                "ToUserName": "gh_0a1b2c3d4e5f",
                "FromUserName": openid,
                "CreateTime": now_ts(),
                "MsgType": "text",
                "Content": text,
                "MsgId": str(880000 + number),
            }
        )
        await wechat.post(MP, wechat.mp_signer.encrypted_xml(message))
        await wechat.settle()

    welcome, building, receipt = [p["text"]["content"] for p in wechat.fake.sent("message/custom/send")]
    assert "已记录您住在阳光花园。" in welcome
    assert "已记录您住在阳光花园3栋" in building
    assert receipt.startswith("已登记：工单 0001")
    [home] = await wechat.rows(select(PrivateChatHome))
    assert home.building == "3"
    [case] = await wechat.rows(select(Case))
    assert case.building == "3"


async def test_litter_report_registered_after_answer(db_url):
    services, _console = await make_services(db_url)
    async with services.sessionmaker() as session, session.begin():
        await create_compound(session, "阳光花园", "XQ0001")

    report = await send(services, private("楼下垃圾没人清"))
    answer = await send(services, private("XQ0001 3栋", minutes=1))

    assert "已记下" in report.replies[0].text
    assert any("您登记住址前反映的问题已转为工单" in r.text for r in answer.replies)
    async with services.sessionmaker() as session:
        assert len(list(await session.scalars(select(Case)))) == 1
    await services.close()


async def test_questions_and_name_tries_open_no_case(db_url):
    services, console = await make_services(db_url)
    async with services.sessionmaker() as session, session.begin():
        await create_compound(session, "阳光花园", "XQ0001")

    hello = await send(services, private("你好"))
    question = await send(services, private("怎么用", minutes=1))
    unknown_code = await send(services, private("XQ0099 3栋", minutes=2))
    unknown_name = await send(services, private("月亮小区 2栋", minutes=3))
    report = await send(services, private("楼道灯坏了好几天了", minutes=4))
    answer = await send(services, private("阳光花园 2栋", minutes=5))

    assert "住在哪个小区" in hello.replies[0].text
    assert question.replies[0].text.startswith("在这里直接描述遇到的问题即可")
    assert "住在哪个小区" in question.replies[0].text
    assert "没有找到编码为“XQ0099”的小区" in unknown_code.replies[0].text
    assert unknown_name.replies[0].text.startswith("没有找到该小区")
    for result in (question, unknown_code, unknown_name):
        assert "已记下" not in result.replies[0].text
        assert result.outcome == MessageOutcome.IGNORED
    assert "已记下" in report.replies[0].text
    assert report.outcome == MessageOutcome.UNBOUND
    assert answer.opened == 1
    sent = "\n".join(text for _target, text in console.sent)
    assert "「楼道灯坏了好几天了」" in sent
    assert "「怎么用」" not in sent
    assert "「月亮小区 2栋」" not in sent
    async with services.sessionmaker() as session:
        summaries = list(await session.scalars(select(Case.summary)))
    assert summaries == ["楼道灯坏了好几天了"]
    await services.close()


@pytest.mark.parametrize(
    "text",
    ["怎么用", "这个怎么用", "请问怎么报修", "你们能做什么", "这是干什么的", "我要投诉", "我想反映个问题"],
)
async def test_usage_question_gets_help(db_url, text):
    services, _console = await make_services(db_url)
    async with services.sessionmaker() as session, session.begin():
        await create_compound(session, "阳光花园", "XQ0001")

    result = await send(services, private(text))
    answer = await send(services, private("XQ0001 3栋", minutes=1))

    assert result.replies[0].text.startswith("您好，欢迎使用小区服务。在这里直接描述遇到的问题即可")
    assert result.outcome == MessageOutcome.IGNORED
    assert answer.opened == 0
    async with services.sessionmaker() as session:
        assert list(await session.scalars(select(Case))) == []
    await services.close()


async def test_report_with_question_still_kept(db_url):
    services, _console = await make_services(db_url)
    async with services.sessionmaker() as session, session.begin():
        await create_compound(session, "阳光花园", "XQ0001")

    report = await send(services, private("电梯坏了怎么报修"))
    answer = await send(services, private("XQ0001 3栋", minutes=1))

    assert "已记下" in report.replies[0].text
    assert answer.opened == 1
    async with services.sessionmaker() as session:
        case = await session.scalar(select(Case))
    assert case.summary == "电梯坏了怎么报修"
    assert case.building == "3"
    await services.close()


async def test_small_talk_not_asked_again(db_url):
    services, console = await make_services(db_url)
    async with services.sessionmaker() as session, session.begin():
        await create_compound(session, "阳光花园", "XQ0001")

    hello = await send(services, private("你好"))
    anyone = await send(services, private("在吗", minutes=1))
    thanks = await send(services, private("好的", minutes=60))
    next_day = await send(services, private("你好", minutes=60 * 25))
    again = await send(services, private("在吗", minutes=60 * 25 + 1))
    report = await send(services, private("楼道灯坏了好几天了", minutes=60 * 25 + 2))

    assert hello.replies[0].text.startswith("您好，欢迎使用小区服务。")
    assert anyone.replies == []
    assert thanks.replies == []
    assert next_day.replies[0].text.startswith("我们还不知道您住在哪个小区")
    assert again.replies == []
    assert report.replies[0].text.startswith("您反映的问题已记下")
    assert len(console.sent) == 3
    await services.close()


async def test_wecom_app_newcomer_questions_open_nothing(wechat: WeChatBot):
    await add_compound(wechat)

    for number, text in enumerate(("你好", "在吗", "怎么用", "月亮小区 2栋", "阳光花园 2栋"), start=1):
        await app_says(wechat, "newbie1", text, f"newbie-{number}")

    replies = texts_to(wechat, "newbie1")
    assert len(replies) == 4
    assert replies[0].startswith("您好，欢迎使用小区服务。")
    assert replies[1].startswith("在这里直接描述遇到的问题即可")
    assert replies[2].startswith("没有找到该小区")
    assert "已记录您住在阳光花园2栋" in replies[3]
    assert not any("已记下" in text or "转为工单" in text for text in replies)
    assert await wechat.rows(select(Case)) == []


async def test_problem_in_address_line_registered(db_url):
    services, console = await make_services(db_url)
    async with services.sessionmaker() as session, session.begin():
        await create_compound(session, "阳光花园", "XQ0001")

    await send(services, private("楼下垃圾没人清"))
    answer = await send(services, private("我住阳光花园3栋，电梯坏了", minutes=1))

    assert answer.opened == 2
    assert answer.outcome == MessageOutcome.OPENED
    to_resident = [text for target, text in console.sent if getattr(target, "chat_id", None) == "o-resident-1"]
    assert len(to_resident) == 2
    welcome, own, note, earlier = to_resident[1].split("\n")
    assert welcome.startswith("您好，已记录您住在阳光花园3栋。")
    assert own.startswith("已登记：工单 0001（设施报修）「我住阳光花园3栋，电梯坏了」")
    assert note == "您登记住址前反映的问题已转为工单："
    assert "工单 0002" in earlier
    assert "楼下垃圾没人清" in earlier
    async with services.sessionmaker() as session:
        cases = list(await session.scalars(select(Case).order_by(Case.seq)))
        raw = await session.scalar(select(RawMessage).where(RawMessage.text == "我住阳光花园3栋，电梯坏了"))
    assert [(c.category, c.building, c.place) for c in cases] == [("repair", "3", None), ("sanitation", "3", "楼下")]
    assert raw.case_id == cases[0].id
    await services.close()


@pytest.mark.parametrize("text", ["怎么报修", "请问怎么用", "我想反映个问题"])
async def test_usage_question_after_home_opens_nothing(db_url, text):
    # The classifier reads 怎么报修 as a repair, so once the home is known
    # the question would otherwise open a case and reach the property firm.
    services, _console = await make_services(db_url)
    async with services.sessionmaker() as session, session.begin():
        await create_compound(session, "阳光花园", "XQ0001")
    await send(services, private("XQ0001 3栋"))
    await send(services, private("楼道灯坏了好几天了", minutes=1))

    result = await send(services, private(text, minutes=2))

    assert result.outcome == MessageOutcome.IGNORED
    assert result.case_ids == []
    assert len(result.replies) == 1
    assert result.replies[0].text.startswith("在这里直接描述遇到的问题即可")
    assert "住在哪个小区" not in result.replies[0].text
    async with services.sessionmaker() as session:
        assert list(await session.scalars(select(Case.summary))) == ["楼道灯坏了好几天了"]
        events = list(await session.scalars(select(CaseEvent.kind)))
    assert "info_added" not in events
    await services.close()

