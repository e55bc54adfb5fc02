"""报事: a report sent as a command, so staff, whose private messages are read as commands, can report too."""

from __future__ import annotations

from dataclasses import replace

from handlers.commands.base import CommandContext, CommandSpec
from handlers.commands.common import covered_compounds, take_compound_argument
from handlers.errors import BadCommand, NotFound
from handlers.messages import Reply
from handlers.register_store import records_of
from models import Compound
from models.codes import looks_like_code, normalize_code

EXAMPLE = "报事 3栋2单元1002 厨房漏水"


async def report(ctx: CommandContext) -> list[Reply]:
    """报事 [小区编码] 问题描述: open or join a case as a resident of the compound.

    Raises:
        BadCommand: No text follows the verb, the compound is unclear, or the
            text names no problem to handle.
    """
    if ctx.open_report is None:
        msg = "这里暂时不能用“报事”登记问题，请在小区居民群里直接描述问题。"
        raise BadCommand(msg)
    compound = await _reported_compound(ctx)
    text = ctx.rest.strip()
    if not text:
        msg = f"请在“报事”后写上地点和问题，例如：{EXAMPLE}"
        raise BadCommand(msg)

    replies = await ctx.open_report(compound, text)
    if not replies:
        msg = f"没有从这句话里看出需要处理的问题。请写明地点和问题，例如：{EXAMPLE}"
        raise BadCommand(msg)
    if ctx.chat.compound_id is None:
        # A private chat names no compound, so the reply says which one the case went to.
        replies = [_with_compound(r, compound) if r.audience == "group" else r for r in replies]
    return replies


async def _reported_compound(ctx: CommandContext) -> Compound:
    """Return the compound a report is about.

    That is the chat's compound, else the one whose code the text names, else
    the one compound where the register lists the sender, else the one
    compound where the sender works.

    Raises:
        BadCommand: None of these gives exactly one compound.
        NotFound: The first word has the form of a code that no compound has.
    """
    if ctx.chat.compound is not None:
        return ctx.chat.compound
    named = await take_compound_argument(ctx)
    if named is not None:
        return named
    # The compound code goes first (报事 XQ0002 …), so a first word in the
    # form of a code that no compound has is a typo. Filing the report under
    # another compound would hide it from the right one.
    first = normalize_code(ctx.args[0]) if ctx.args else ""
    if looks_like_code(first):
        msg = f"没有编码为“{first}”的小区，请核对小区编码后重新发送，例如：报事 XQ0001 3栋2单元1002 厨房漏水"
        raise NotFound(msg)

    records = await records_of(ctx.session, ctx.member)
    homes = {o.dwelling.compound_id: o.dwelling.compound for o in records if o.moved_out_at is None}
    if len(homes) == 1:
        return next(iter(homes.values()))
    worked = await covered_compounds(ctx)
    if not homes and len(worked) == 1:
        return worked[0]
    known = sorted({**homes, **{c.id: c for c in worked}}.values(), key=lambda c: c.code)
    code = known[0].code if known else "XQ0001"
    msg = f"请在“报事”后写上您家所在小区的编码，例如：报事 {code} 3栋2单元1002 厨房漏水"
    raise BadCommand(msg)


def _with_compound(reply: Reply, compound: Compound) -> Reply:
    return replace(reply, text=f"小区：{compound.name}（{compound.code}）\n{reply.text}")


SPEC = CommandSpec(
    name="report",
    verbs=("报事",),
    handler=report,
    help="以居民身份反映自家或小区的问题",
    example=EXAMPLE,
)
