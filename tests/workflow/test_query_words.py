"""查询 as residents write it: a word after the number, a bare question, two numbers."""

from __future__ import annotations

from dataclasses import replace

from models import MessageOutcome
from tests.helpers import later, message
from tests.workflow.desk import open_desk

LEAK = "3栋2单元1002室厨房天花板漏水了"
LAMP = "5栋楼道灯坏了好几天了"


async def test_two_numbers_refused(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        await desk.say(LAMP, sender="r1", at=later(1))

        replies = await desk.say("查询 1 2", sender="r1", at=later(5))

        assert replies == ["一条指令只能查询一个工单，请分开发送：“查询 1”和“查询 2”。"]


async def test_progress_word_after_number(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        glued = await desk.say("查询0001进度", sender="r1", at=later(5))
        spaced = await desk.say("查询 1 进展怎么样了？", sender="r1", at=later(6))

        assert glued[0].startswith("工单 0001")
        assert spaced[0].startswith("工单 0001")


async def test_bare_question_answered_in_private(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        replies = await desk.say("0001进度怎么样了", sender="r1", chat_id="private-chat", private=True, at=later(5))

        assert replies[0].startswith("工单 0001")
        assert "办理记录" in replies[0]


async def test_bare_question_answered_with_mention(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        addressed = replace(message("@物业机器人 0001的情况怎么样了", sender="r1", at=later(5)), mentions_bot=True)
        replies = await desk.send(addressed)

        assert replies[0].startswith("工单 0001")


async def test_bare_question_hides_others_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        await desk.say(LAMP, sender="r2", at=later(1))

        stranger = await desk.say("0001进度怎么样了", sender="r2", chat_id="private-chat", private=True, at=later(5))

        assert stranger == [
            "您反映过的工单中没有工单 0001，请核对工单号。发送“我的工单”可查看您反映过的工单。"
        ]
        assert desk.results[-1].outcome == MessageOutcome.COMMAND


async def test_bare_question_unknown_number(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        missing = await desk.say("0007进度怎么样了", sender="r1", chat_id="private-chat", private=True, at=later(5))
        queried = await desk.say("查询 0007", sender="r1", chat_id="private-chat", private=True, at=later(6))

        assert missing == ["没有找到工单 0007，请核对工单号。"]
        assert missing == queried
        assert await desk.case(2) is None


async def test_bare_question_without_home(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        unknown = await desk.say("0001进度怎么样了", sender="r9", chat_id="private-r9", private=True, at=later(5))
        queried = await desk.say("查询 0001", sender="r9", chat_id="private-r9", private=True, at=later(6))

        assert len(unknown) == 1
        assert unknown[0].startswith("您好，我们还不知道您住在哪个小区。")
        assert unknown == queried


async def test_bare_question_silent_for_flat_in_group(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        addressed = replace(message("@物业机器人 1002的情况怎么样了", sender="r2", at=later(5)), mentions_bot=True)
        replies = await desk.send(addressed)

        assert replies == []


async def test_bare_question_silent_in_group(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        replies = await desk.say("0001进度怎么样了", sender="r1", at=later(5))

        assert replies == []
        assert desk.results[-1].outcome == MessageOutcome.COMMAND
        assert await desk.case(2) is None


async def test_chasing_question_answered_with_mention(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        for minute, line in enumerate(["0001有人管吗？？", "0001修好了没", "工单0001处理了吗"], start=5):
            addressed = replace(message(f"@物业机器人 {line}", sender="r1", at=later(minute)), mentions_bot=True)
            replies = await desk.send(addressed)

            assert len(replies) == 1, line
            assert replies[0].startswith("工单 0001"), line


async def test_chasing_question_silent_unaddressed(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        replies = await desk.say("0001有人管吗", sender="r1", at=later(5))

        assert replies == []
        assert desk.results[-1].outcome == MessageOutcome.COMMAND
