"""查询: a case's status and recent history."""

from __future__ import annotations

from sqlalchemy import select

from handlers.commands.base import CommandContext, CommandSpec, reply_here
from handlers.errors import BadCommand, NotFound
from handlers.messages import Reply
from handlers.replies import case_title, group_summary, party_name
from models import Case, STATUS_LABELS, CaseStatus


def parse_case_number(text: str) -> int:
    """Read a case number as people type it: 0034, 34, #34 or 工单34.

    Raises:
        BadCommand: The text holds no number.
    """
    digits = text.strip().lstrip("#＃").removeprefix("工单").strip()
    if not digits.isdigit():
        msg = f"“{text}”不是有效的工单号，工单号是4位数字，例如 0034。"
        raise BadCommand(msg)
    return int(digits)


async def case_by_number(ctx: CommandContext, text: str) -> Case:
    """Return the case of the chat's compound with the number the user typed.

    Raises:
        BadCommand: The chat is bound to no compound, or the number is malformed.
        NotFound: The compound has no case with that number.
    """
    if ctx.chat.compound_id is None:
        msg = "本群尚未绑定小区，无法查询工单。"
        raise BadCommand(msg)
    seq = parse_case_number(text)
    case = await ctx.session.scalar(
        select(Case).where(Case.compound_id == ctx.chat.compound_id, Case.seq == seq)
    )
    if case is None:
        msg = f"没有找到工单 {seq:04d}，请核对工单号。"
        raise NotFound(msg)
    return case


async def query(ctx: CommandContext) -> list[Reply]:
    if not ctx.args:
        msg = "请在“查询”后写上工单号，例如：查询 0034"
        raise BadCommand(msg)
    case = await case_by_number(ctx, ctx.args[0])
    status = STATUS_LABELS[CaseStatus(case.status)]
    text = (
        f"工单 {case.number}（{case_title(case)}）{group_summary(case)}\n"
        f"状态：{status}；承办：{party_name(case)}；反映人数：{case.reporter_count}"
    )
    return [reply_here(ctx, text, case_id=case.id)]


SPEC = CommandSpec(
    name="case",
    verbs=("查询", "查看"),
    handler=query,
    help="查看工单的状态和进度",
    example="查询 0034",
)
