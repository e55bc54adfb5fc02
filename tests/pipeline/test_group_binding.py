"""Binding a group: what happens to the messages it sent before."""

from __future__ import annotations

from dataclasses import replace

from handlers.directory import create_compound
from tests.helpers import later, make_services, message, send


def group_line(text: str, *, chat_id: str, title: str, sender: str = "wang", minutes: int = 0):  # noqa: ANN201
    return replace(message(text, chat_id=chat_id, sender=sender, at=later(minutes)), chat_title=title)


async def setup(db_url: str):  # noqa: ANN201 - services and console
    services, console = await make_services(db_url)
    async with services.sessionmaker() as session, session.begin():
        await create_compound(session, "阳光花园", "XQ0001")
    return services, console


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
