"""The intake pipeline on SQLite and PostgreSQL, driven like a group conversation."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from handlers.directory import bind_chat, chat_for
from handlers.messages import ChatTarget, InboundAttachment
from handlers.routing import set_override
from models import (
    Attachment,
    Case,
    CaseEvent,
    CaseReporter,
    CaseStatus,
    Compound,
    Identity,
    Member,
    MessageOutcome,
    RawMessage,
    Role,
    RoleKind,
)
from tests.helpers import later, make_compound, make_services, message, send


async def count(services, model) -> int:
    async with services.sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def all_cases(services) -> list[Case]:
    async with services.sessionmaker() as session:
        return list(await session.scalars(select(Case).order_by(Case.seq)))


async def test_redelivered_message_acted_on_once(db_url):
    services, console = await make_services(db_url)
    await make_compound(services)
    report = message("3栋2单元电梯坏了，卡在7楼不动", message_id="wx-100")

    first = await send(services, report)
    second = await send(services, report)

    assert first.outcome == MessageOutcome.OPENED
    assert second.duplicate
    assert await count(services, RawMessage) == 1
    assert await count(services, Case) == 1
    group_replies = [t for target, t in console.sent if isinstance(target, ChatTarget)]
    assert len(group_replies) == 1
    await services.close()


async def test_concurrent_redeliveries_store_once(db_url):
    services, _console = await make_services(db_url)
    await make_compound(services)
    report = message("5栋楼道灯坏了好几天了", message_id="wx-200")

    results = await asyncio.gather(*(send(services, report) for _ in range(3)))

    assert sum(1 for r in results if not r.duplicate) == 1
    assert await count(services, RawMessage) == 1
    assert await count(services, Case) == 1
    await services.close()


async def test_three_lift_reports_make_one_case(db_url):
    services, console = await make_services(db_url)
    await make_compound(services)

    await send(services, message("3栋电梯又坏了，上不去", sender="chen", at=later(0)))
    await send(services, message("3号楼电梯是不是坏了？老人下不了楼", sender="liu", at=later(3)))
    third = await send(services, message("电梯坏了 3栋的，这个月第三次了", sender="sun", at=later(10)))

    cases = await all_cases(services)
    assert len(cases) == 1
    assert cases[0].category == "repair"
    assert cases[0].reporter_count == 3
    assert await count(services, CaseReporter) == 3
    assert third.outcome == MessageOutcome.ATTACHED
    assert "已有3位居民反映" in console.sent[-1][1] or any("已有3位居民反映" in t for _, t in console.sent)
    await services.close()


async def test_repeat_report_same_resident(db_url):
    services, console = await make_services(db_url)
    await make_compound(services)

    await send(services, message("3栋电梯坏了", sender="chen", at=later(0)))
    await send(services, message("3栋电梯还是坏的", sender="chen", at=later(30)))

    cases = await all_cases(services)
    assert len(cases) == 1
    assert cases[0].reporter_count == 1
    assert "您已反映过该问题" in console.sent[-1][1]
    await services.close()


async def test_other_building_opens_another_case(db_url):
    services, _console = await make_services(db_url)
    await make_compound(services)

    await send(services, message("3栋电梯坏了", sender="a", at=later(0)))
    await send(services, message("8栋电梯坏了", sender="b", at=later(5)))

    assert [c.building for c in await all_cases(services)] == ["3", "8"]
    await services.close()


async def test_me_too_joins_the_quoted_case(db_url):
    services, _console = await make_services(db_url)
    await make_compound(services)

    await send(services, message("7栋楼下垃圾两天没清了，臭死了", sender="a", message_id="g1"))
    await send(services, message("+1", sender="b", reply_to="g1", at=later(2)))
    await send(services, message("我也是", sender="c", at=later(4)))
    await send(services, message("同楼+1", sender="d", at=later(6)))

    cases = await all_cases(services)
    assert len(cases) == 1
    assert cases[0].reporter_count == 4
    await services.close()


async def test_chit_chat_opens_nothing(db_url):
    services, console = await make_services(db_url)
    await make_compound(services)

    for text in ("早上好各位邻居🌞", "谢谢物业的师傅，态度特别好❤️", "今天中午吃啥好呢😂", "哈哈哈"):
        result = await send(services, message(text))
        assert result.outcome == MessageOutcome.IGNORED, text

    assert await count(services, Case) == 0
    assert console.sent == []
    await services.close()


async def test_routing_follows_default_table(db_url):
    services, _console = await make_services(db_url)
    compound = await make_compound(services)

    await send(services, message("物业费从1.8涨到2.5一平，凭什么涨这么多", sender="a"))
    await send(services, message("9栋下水道堵了，污水漫到一楼大厅", sender="b"))
    await send(services, message("5栋楼道里有人推电瓶车进去充电，飞线充电太危险", sender="c"))

    routes = {c.category: c.route for c in await all_cases(services)}
    assert routes == {"fees": "committee", "repair": "property", "safety": "party"}
    async with services.sessionmaker() as session:
        fees_case = await session.scalar(select(Case).where(Case.category == "fees"))
        stored = await session.get_one(Compound, compound.id)
        assert fees_case.party_id == stored.party("committee").id
    await services.close()


async def test_compound_override_changes_route(db_url):
    services, _console = await make_services(db_url)
    compound = await make_compound(services)
    async with services.sessionmaker() as session, session.begin():
        stored = await session.get_one(Compound, compound.id)
        await set_override(session, stored, "repair", "party")

    await send(services, message("9栋下水道堵了，污水漫到一楼大厅"))

    (case,) = await all_cases(services)
    assert case.category == "repair"
    assert case.route == "party"
    await services.close()


async def test_override_is_per_compound(db_url):
    services, _console = await make_services(db_url)
    first = await make_compound(services, "翠湖苑", chat_id="g-a")
    await make_compound(services, "阳光花园", chat_id="g-b")
    async with services.sessionmaker() as session, session.begin():
        stored = await session.get_one(Compound, first.id)
        await set_override(session, stored, "repair", "party")

    await send(services, message("9栋下水道堵了，污水漫到一楼大厅", chat_id="g-a"))
    await send(services, message("9栋下水道堵了，污水漫到一楼大厅", chat_id="g-b"))

    routes = sorted(c.route for c in await all_cases(services))
    assert routes == ["party", "property"]
    await services.close()


async def test_case_numbers_count_per_compound(db_url):
    services, _console = await make_services(db_url)
    await make_compound(services, "翠湖苑", chat_id="g-a")
    await make_compound(services, "阳光花园", chat_id="g-b")

    await send(services, message("3栋电梯坏了", chat_id="g-a"))
    await send(services, message("东门路灯不亮了", chat_id="g-a", sender="x"))
    await send(services, message("3栋电梯坏了", chat_id="g-b"))

    numbers = sorted((c.compound_id, c.number) for c in await all_cases(services))
    assert [n for _, n in numbers] == ["0001", "0002", "0001"]
    await services.close()


async def test_group_reply_names_case_party_and_limit(db_url):
    services, console = await make_services(db_url)
    await make_compound(services)

    await send(services, message("3栋2单元1002室门口的电梯坏了，有人被困在里面！"))

    group_text = next(t for target, t in console.sent if isinstance(target, ChatTarget))
    advice, opened, limit = group_text.split("\n")
    assert advice == "被困人员请按电梯警铃，并拨打电梯内的救援电话或119。"
    assert opened.startswith("已登记：工单 0001（设施报修·紧急）")
    assert "阳光花园物业服务中心" in opened
    assert limit.startswith("紧急工单：2小时内响应")
    assert "查询 0001" in limit
    assert "1002" not in group_text
    await services.close()


async def test_fire_reply_opens_with_call_119(db_url):
    services, console = await make_services(db_url)
    await make_compound(services)

    await send(services, message("救命！8栋3楼着火了！！"))

    group_text = next(t for target, t in console.sent if isinstance(target, ChatTarget))
    advice, opened, limit = group_text.split("\n")
    assert advice.startswith("请立即拨打119")
    assert opened.startswith("已登记：工单 0001（")
    assert "·紧急）" in opened
    assert limit == "紧急工单：2小时内响应，24小时内办结。发送“查询 0001”可看进度。"
    await services.close()


async def test_urgent_reply_without_named_danger_gives_all_numbers(db_url):
    services, console = await make_services(db_url)
    await make_compound(services)

    await send(services, message("8栋救命啊！快来人！"))

    (case,) = await all_cases(services)
    assert case.urgent
    group_text = next(t for target, t in console.sent if isinstance(target, ChatTarget))
    assert group_text.startswith("如有危险，请立即拨打110、119或120。\n")
    await services.close()


async def test_routine_reply_gives_no_emergency_advice(db_url):
    services, console = await make_services(db_url)
    await make_compound(services)

    await send(services, message("5栋楼道灯坏了好几天了"))

    group_text = next(t for target, t in console.sent if isinstance(target, ChatTarget))
    assert "\n" not in group_text
    assert group_text.startswith("已登记：工单 0001（")
    assert "拨打" not in group_text
    assert "紧急工单" not in group_text
    await services.close()


async def test_unbound_group_hint_sent_once(db_url):
    services, console = await make_services(db_url)

    first = await send(services, message("3栋电梯坏了", chat_id="stray"))
    await send(services, message("5栋路灯坏了", chat_id="stray", sender="b"))

    assert first.outcome == MessageOutcome.UNBOUND
    assert await count(services, RawMessage) == 2
    assert await count(services, Case) == 0
    hints = [t for _, t in console.sent if "尚未绑定小区" in t]
    assert len(hints) == 1
    await services.close()


async def test_bind_command_then_report(db_url):
    services, console = await make_services(db_url)
    compound = await make_compound(services, chat_id="other")

    await send(services, message(f"绑定 {compound.code}", chat_id="new-group"))
    result = await send(services, message("3栋电梯坏了", chat_id="new-group", sender="b"))

    assert "已绑定" in console.sent[0][1]
    assert result.outcome == MessageOutcome.OPENED
    await services.close()


async def test_photo_after_report_attaches_to_case(db_url):
    services, _console = await make_services(db_url)
    await make_compound(services)
    photo = (InboundAttachment(kind="image", media_id="media-1"),)

    await send(services, message("10栋门口树枝断了挂在半空", sender="dou"))
    result = await send(services, message("", sender="dou", attachments=photo, at=later(1)))

    assert result.outcome == MessageOutcome.ATTACHED
    async with services.sessionmaker() as session:
        stored = await session.scalar(select(Attachment))
        case = await session.scalar(select(Case))
    assert stored.media_id == "media-1"
    assert stored.case_id == case.id
    await services.close()


async def test_every_case_has_opened_event(db_url):
    services, _console = await make_services(db_url)
    await make_compound(services)

    await send(services, message("3栋电梯坏了"))

    async with services.sessionmaker() as session:
        kinds = list(await session.scalars(select(CaseEvent.kind)))
    assert kinds == ["opened"]
    await services.close()


async def test_query_unknown_case_number(db_url):
    services, console = await make_services(db_url)
    await make_compound(services)

    await send(services, message("查询 0099"))
    await send(services, message("查询 abc", sender="b"))

    assert "没有找到工单 0099" in console.sent[0][1]
    assert "不是有效的工单号" in console.sent[1][1]
    await services.close()


async def test_quick_reply_joins_without_location(db_url):
    services, _console = await make_services(db_url)
    await make_compound(services)

    await send(services, message("5栋楼道里有人推电瓶车进去充电，太危险了", sender="a", at=later(0)))
    await send(services, message("楼道里给电瓶车充电真的吓人", sender="b", at=later(2)))

    cases = await all_cases(services)
    assert len(cases) == 1
    assert cases[0].reporter_count == 2
    await services.close()


async def test_late_reply_from_stranger_opens_new_case(db_url):
    services, _console = await make_services(db_url)
    await make_compound(services)

    await send(services, message("晚上广场舞音响太吵了", sender="a", at=later(0)))
    await send(services, message("广场舞的音响天天吵得孩子没法写作业", sender="b", at=later(600)))

    assert len(await all_cases(services)) == 1
    await send(services, message("楼上半夜拖椅子，吵得睡不着", sender="c", at=later(700)))
    assert len(await all_cases(services)) == 2
    await services.close()


async def test_relative_places_never_match(db_url):
    services, _console = await make_services(db_url)
    await make_compound(services)

    await send(services, message("楼下的狗每天不拴绳到处跑", sender="a", at=later(0)))
    await send(services, message("楼下邻居天天吵架摔东西", sender="b", at=later(120)))

    assert len(await all_cases(services)) == 2
    await services.close()


async def test_me_too_variants(db_url):
    services, _console = await make_services(db_url)
    await make_compound(services)

    await send(services, message("3栋电梯坏了，上不去", sender="a", at=later(0)))
    for sender, text in (("b", "＋１"), ("c", "同样遇到了"), ("d", "我也是！！")):
        result = await send(services, message(text, sender=sender, at=later(5)))
        assert result.outcome == MessageOutcome.ATTACHED, text
    for sender, text in (("e", "我也是，早上好"), ("f", "我也是这么想的")):
        result = await send(services, message(text, sender=sender, at=later(6)))
        assert result.outcome == MessageOutcome.IGNORED, text

    (case,) = await all_cases(services)
    assert case.reporter_count == 4
    await services.close()


async def test_me_too_ignores_sibling_group_case(db_url):
    services, console = await make_services(db_url)
    compound = await make_compound(services, chat_id="owners")
    async with services.sessionmaker() as session, session.begin():
        stored = await session.get_one(Compound, compound.id)
        building_chat = await chat_for(session, "test", "building-3", title="阳光花园3栋楼栋群")
        await bind_chat(session, building_chat, stored, later(0))

    await send(services, message("3栋电梯坏了，上不去", sender="a", chat_id="owners", at=later(0)))
    sent_before = len(console.sent)
    result = await send(services, message("+1", sender="b", chat_id="building-3", at=later(1)))

    assert result.outcome == MessageOutcome.IGNORED
    assert console.sent[sent_before:] == []
    (case,) = await all_cases(services)
    assert case.reporter_count == 1
    await services.close()


async def add_staff(services, compound_id: int, user_id: str, role: RoleKind) -> None:
    async with services.sessionmaker() as session, session.begin():
        member = Member(display_name=user_id)
        member.identities.append(Identity(platform="test", platform_user_id=user_id))
        member.roles.append(Role(role=role, compound_id=compound_id))
        session.add(member)


async def test_urgent_case_copied_to_branch(db_url):
    services, console = await make_services(db_url)
    compound = await make_compound(services)
    await add_staff(services, compound.id, "manager", RoleKind.PROPERTY_MANAGER)
    await add_staff(services, compound.id, "officer", RoleKind.LIAISON_OFFICER)

    await send(services, message("9栋水管爆了，水漫到一楼大厅，快来人！"))

    (case,) = await all_cases(services)
    assert case.urgent
    assert case.route == "property"
    assert case.summary == "9栋水管爆了，水漫到一楼大厅，快来人！"
    to_manager = [text for target, text in console.sent if getattr(target, "user_id", None) == "manager"]
    to_officer = [text for target, text in console.sent if getattr(target, "user_id", None) == "officer"]
    assert len(to_manager) == 1
    assert to_manager[0].startswith("【新工单】")
    assert "回复“受理 0001”确认受理" in to_manager[0]
    assert len(to_officer) == 1
    assert to_officer[0].startswith("【抄送·紧急】")
    assert "受理 0001" not in to_officer[0]
    await services.close()


async def test_other_problem_minutes_later_opens_case(db_url):
    services, console = await make_services(db_url)
    await make_compound(services)

    await send(services, message("5栋楼道灯坏了", sender="a", at=later(0)))
    lift = await send(services, message("电梯坏了", sender="b", at=later(3)))
    placed = await send(services, message("6栋的", sender="b", at=later(4)))

    assert lift.outcome == MessageOutcome.OPENED
    assert placed.outcome == MessageOutcome.ATTACHED
    lamp, second = await all_cases(services)
    assert lamp.reporter_count == 1
    assert "电梯" in second.summary
    assert second.building == "6"
    assert "已补充位置：工单 0002" in console.sent[-1][1]
    await services.close()


async def test_unsure_report_with_own_topic_opens_case(db_url):
    services, _console = await make_services(db_url, triage_threshold=1.0)
    await make_compound(services)

    await send(services, message("2栋101和202都在群租", sender="a", at=later(0)))
    comment = await send(services, message("这个要管管了", sender="b", at=later(2)))
    advert = await send(services, message("我家门口被人贴了小广告，这种能管吗", sender="c", at=later(5)))

    assert comment.outcome == MessageOutcome.ATTACHED
    assert advert.outcome == MessageOutcome.OPENED
    renting, posters = await all_cases(services)
    assert renting.reporter_count == 2
    assert "小广告" in posters.summary
    await services.close()


async def test_co_reporter_withdraws_own_report(db_url):
    services, console = await make_services(db_url)
    await make_compound(services)

    await send(services, message("3栋电梯坏了，上不去", sender="a", at=later(0)))
    await send(services, message("3栋电梯也坏了", sender="b", at=later(2), message_id="b-report"))
    withdrawn = await send(services, message("撤回 0001", sender="b", at=later(5)))
    stranger = await send(services, message("撤回 0001", sender="c", at=later(6)))

    assert withdrawn.outcome == MessageOutcome.COMMAND
    assert "已撤回您在工单 0001 中的反映" in withdrawn.replies[0].text
    assert "只有反映过工单 0001 的居民可以撤回" in stranger.replies[0].text
    (case,) = await all_cases(services)
    assert case.reporter_count == 1
    assert case.status in CaseStatus.open_statuses()
    assert await count(services, CaseReporter) == 1
    async with services.sessionmaker() as session:
        kinds = list(await session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id)))
        report = await session.scalar(select(RawMessage).where(RawMessage.platform_message_id == "b-report"))
    assert "co_reporter_removed" in kinds
    assert report is not None
    assert report.case_id is None
    assert "3栋" in console.sent[0][1]
    await services.close()


async def test_second_withdrawal_says_already_left(db_url):
    services, _console = await make_services(db_url)
    await make_compound(services)
    await send(services, message("3栋电梯坏了，上不去", sender="a", at=later(0)))
    await send(services, message("3栋电梯也坏了", sender="b", at=later(2)))
    await send(services, message("撤回 0001", sender="b", at=later(5)))
    events_before = await count(services, CaseEvent)

    again = await send(services, message("撤回 0001", sender="b", at=later(6)))

    assert "您已撤回在工单 0001 中的反映" in again.replies[0].text
    assert "只有反映过" not in again.replies[0].text
    assert await count(services, CaseEvent) == events_before
    (case,) = await all_cases(services)
    assert case.reporter_count == 1
    await services.close()


async def test_placeless_case_keeps_other_buildings_out(db_url):
    services, _console = await make_services(db_url)
    await make_compound(services)

    await send(services, message("楼道灯坏了，晚上看不见", sender="a", at=later(0)))
    other = await send(services, message("6栋楼道灯坏了", sender="b", at=later(30)))
    own = await send(services, message("是5栋楼道灯坏了", sender="a", at=later(35)))

    assert other.outcome == MessageOutcome.OPENED
    assert own.outcome == MessageOutcome.ATTACHED
    first, second = await all_cases(services)
    assert first.reporter_count == 1
    assert first.building == "5"
    assert second.building == "6"
    await services.close()


async def test_worded_correction_moves_own_case(db_url):
    services, console = await make_services(db_url)
    await make_compound(services)
    corrections = ("不对，是6栋的", "搞错了，是7栋", "应该是8栋的", "不是8栋，是9栋的")

    await send(services, message("5栋电梯又坏了", sender="a", at=later(0)))
    for minute, text in enumerate(corrections, start=1):
        result = await send(services, message(text, sender="a", at=later(minute)))
        assert result.outcome == MessageOutcome.ATTACHED, text
        assert "已更正位置：工单 0001" in console.sent[-1][1], text
    stranger = await send(services, message("不对，是3栋的", sender="b", at=later(6)))

    assert stranger.outcome == MessageOutcome.IGNORED
    (case,) = await all_cases(services)
    assert case.building == "9"
    await services.close()


async def test_rejected_newer_case_leaves_older_match(db_url):
    services, _console = await make_services(db_url)
    await make_compound(services)

    await send(services, message("5栋电梯坏了", sender="a", at=later(0)))
    lamp = await send(services, message("5栋的楼道灯坏了", sender="b", at=later(3)))
    lift = await send(services, message("5栋的电梯坏了", sender="c", at=later(5)))

    assert lamp.outcome == MessageOutcome.OPENED
    assert lift.outcome == MessageOutcome.ATTACHED
    first, second = await all_cases(services)
    assert first.reporter_count == 2
    assert second.reporter_count == 1
    assert "楼道灯" in second.summary
    await services.close()
