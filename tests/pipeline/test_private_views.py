"""Phone and ID numbers in the case views of private chats: lists mask them, the case's own staff see the phone."""

from __future__ import annotations

from handlers.masking import mask_for_private_chat
from tests.helpers import later, make_services, message, send
from tests.pipeline.test_area_staff import make_area, private
from tests.workflow.desk import open_desk

PHONE_REPORT = "电话13912345678，3栋2单元1002室厨房漏水了，身份证110101199003071234"


def test_private_mask_keeps_phone_on_request():
    assert mask_for_private_chat(PHONE_REPORT, full_phone=True) == (
        "电话13912345678，3栋2单元1002室厨房漏水了，身份证******************"
    )
    assert mask_for_private_chat(PHONE_REPORT, full_phone=False) == (
        "电话139****5678，3栋2单元1002室厨房漏水了，身份证******************"
    )


async def test_case_list_masks_phone_in_private(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(PHONE_REPORT, sender="r1")

        [listing] = await desk.say("工单列表", sender="officer", chat_id="officer-private", private=True)

        assert "0001" in listing
        assert "13912345678" not in listing
        assert "电话139****5678" in listing


async def test_case_list_masks_phone_for_party(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(PHONE_REPORT, sender="r1")

        [listing] = await desk.say("工单列表", sender="wang", chat_id="wang-private", private=True)

        assert "0001" in listing
        assert "13912345678" not in listing


async def test_handling_party_query_shows_phone(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(PHONE_REPORT, sender="r1")

        [answer] = await desk.say("查询 0001", sender="wang", chat_id="wang-private", private=True)

        assert "电话13912345678" in answer
        assert "110101199003071234" not in answer
        assert "3栋2单元1002室" in answer


async def test_officer_query_shows_phone(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(PHONE_REPORT, sender="r1")

        [answer] = await desk.say("查询 0001", sender="officer", chat_id="officer-private", private=True)

        assert "电话13912345678" in answer
        assert "110101199003071234" not in answer


async def test_community_staff_query_masks_phone(db_url):
    services, _console = await make_services(db_url)
    await make_area(services)
    await send(services, message(PHONE_REPORT, sender="r1", chat_id="group-XQ0001"))

    answer = await send(services, private("查询 0001 XQ0001", "shequ1", 10))

    [reply] = answer.replies
    assert "办理记录：" in reply.text
    assert "13912345678" not in reply.text
    assert "电话139****5678" in reply.text


async def test_co_reporter_query_masks_first_reporters_phone(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(PHONE_REPORT, sender="r1")
        await desk.say("我也是", sender="r2", at=later(5))

        [answer] = await desk.say("查询 0001", sender="r2", chat_id="r2-private", private=True)

        assert "办理记录：" in answer
        assert "13912345678" not in answer
        assert "电话139****5678" in answer


async def test_reporter_query_masks_own_id_number(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(PHONE_REPORT, sender="r1")

        [answer] = await desk.say("查询 0001", sender="r1", chat_id="r1-private", private=True)

        assert "电话13912345678" in answer
        assert "110101199003071234" not in answer


async def test_timeline_note_phone_by_viewer(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1")
        await desk.say("我也是", sender="r2", at=later(5))
        await desk.say("补充 0001 有事打我电话13912345678", sender="r1", at=later(20))

        [party_view] = await desk.say("查询 0001", sender="wang", chat_id="wang-private", private=True)
        [own_view] = await desk.say("查询 0001", sender="r1", chat_id="r1-private", private=True)
        [co_reporter_view] = await desk.say("查询 0001", sender="r2", chat_id="r2-private", private=True)

        assert "有事打我电话13912345678" in party_view
        assert "有事打我电话13912345678" in own_view
        assert "有事打我电话139****5678" in co_reporter_view


async def test_my_cases_masks_first_reporters_phone(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(PHONE_REPORT, sender="r1")
        await desk.say("我也是", sender="r2", at=later(5))

        [answer] = await desk.say("我的工单", sender="r2", chat_id="r2-private", private=True)

        assert "0001" in answer
        assert "13912345678" not in answer
