"""Binding a group: what happens to its earlier messages, and staff groups recognised by their titles."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from handlers.directory import create_compound
from models import Case, ChatGroup, ChatKind, MessageOutcome
from tests.helpers import later, make_services, message, send

WORK_GROUP = "阳光花园工作群"


def group_line(text: str, *, chat_id: str, title: str, sender: str = "wang", minutes: int = 0):  # noqa: ANN201
    return replace(message(text, chat_id=chat_id, sender=sender, at=later(minutes)), chat_title=title)


async def setup(db_url: str):  # noqa: ANN201 - services and console
    services, console = await make_services(db_url)
    async with services.sessionmaker() as session, session.begin():
        await create_compound(session, "阳光花园", "XQ0001")
    return services, console


async def chat_kind(services, chat_id: str) -> ChatKind:
    async with services.sessionmaker() as session:
        return await session.scalar(select(ChatGroup.kind).where(ChatGroup.chat_id == chat_id))


async def cases(services) -> list[Case]:
    async with services.sessionmaker() as session:
        return list(await session.scalars(select(Case).order_by(Case.seq)))


async def test_work_title_binds_staff_group(db_url):
    services, console = await setup(db_url)

    await send(services, group_line("3栋电梯明天上午维保", chat_id="work-1", title=WORK_GROUP))
    bound = await send(services, group_line("绑定 XQ0001", chat_id="work-1", title=WORK_GROUP, minutes=1))
    later_talk = await send(
        services, group_line("今天3栋电梯维保，停运两小时", chat_id="work-1", title=WORK_GROUP, minutes=2)
    )

    [reply] = bound.replies
    assert reply.text.startswith("本群已作为“阳光花园”（XQ0001）的工作群绑定")
    assert "绑定 XQ0001 居民群" in reply.text
    assert later_talk.outcome == MessageOutcome.IGNORED
    assert await chat_kind(services, "work-1") == ChatKind.STAFF_GROUP
    assert await cases(services) == []
    assert len(console.sent) == 2
    await services.close()


async def test_resident_word_overrides_work_title(db_url):
    services, _console = await setup(db_url)

    bound = await send(services, group_line("绑定 XQ0001 居民群", chat_id="work-1", title=WORK_GROUP))
    report = await send(services, group_line("3栋电梯坏了", chat_id="work-1", title=WORK_GROUP, minutes=1))

    assert bound.replies[0].text.startswith("本群已绑定到“阳光花园”（XQ0001）")
    assert report.outcome == MessageOutcome.OPENED
    assert await chat_kind(services, "work-1") == ChatKind.RESIDENT_GROUP
    await services.close()


async def test_staff_bind_registers_no_earlier_talk(db_url):
    services, _console = await setup(db_url)

    await send(services, group_line("3栋电梯坏了，明天修", chat_id="staff-1", title="物业群"))
    bound = await send(services, group_line("绑定 XQ0001 工作群", chat_id="staff-1", title="物业群", minutes=1))

    assert len(bound.replies) == 1
    assert "工作群绑定" in bound.replies[0].text
    assert await cases(services) == []
    await services.close()


async def test_bind_reply_carries_earlier_reports(db_url):
    services, console = await setup(db_url)

    await send(services, group_line("楼下垃圾没人清", chat_id="owners-1", title="阳光花园业主群", sender="zhang"))
    bound = await send(services, group_line("绑定 XQ0001", chat_id="owners-1", title="阳光花园业主群", minutes=1))

    assert bound.opened == 1
    in_group = [text for target, text in console.sent if getattr(target, "chat_id", None) == "owners-1"]
    assert len(in_group) == 2
    hint, reply = in_group
    assert "尚未绑定小区" in hint
    first, note_title, case_line = reply.split("\n")
    assert first.startswith("本群已绑定到“阳光花园”（XQ0001）")
    assert note_title == "本群绑定小区前反映的问题已转为工单："
    assert "工单 0001" in case_line
    assert "楼下垃圾没人清" in case_line
    await services.close()
