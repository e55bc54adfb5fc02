"""Binding the groups of a replayed chat log to the compounds their titles name."""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.directory import bind_chat, chat_for, create_compound
from handlers.group_titles import match_title
from models import ChatKind, Compound, utcnow

log = logging.getLogger("bot.replay")

# The platform of every replayed message and of the chats they come from.
PLATFORM = "replay"


class BindingKind(enum.Enum):
    """Outcome of binding a replayed group that was not bound yet."""

    EXISTING = "existing"
    EXISTING_STAFF = "existing_staff"
    CREATED = "created"
    # A staff group never names a new compound, because its title is often
    # a compound's name with words the guess does not know (阳光花园工作群).
    STAFF_UNMATCHED = "staff_unmatched"
    AMBIGUOUS = "ambiguous"


@dataclass(frozen=True, slots=True)
class GroupBinding:
    """Outcome of ensure_bound for one group, with each compound labelled 名称（编码）."""

    kind: BindingKind
    compounds: tuple[str, ...] = ()

    @property
    def compound(self) -> str:
        return self.compounds[0] if self.compounds else ""


async def ensure_bound(sessionmaker: async_sessionmaker[AsyncSession], group: str) -> GroupBinding | None:
    """Bind a replayed group to the compound its title names, creating one only for a residents' group.

    Returns None for a group bound before. A title that names one existing
    compound binds the group there, as a staff group when the title marks a work
    group (阳光花园工作群). A residents' group that names none gets a new compound
    named after the title. A staff group that names none, and a title that
    names several compounds equally well, leave the group unbound, so its
    messages wait for a 绑定 command in the log.
    """
    async with sessionmaker() as session, session.begin():
        chat = await chat_for(session, PLATFORM, group, title=group)
        if chat.compound_id is not None:
            return None
        match = match_title(group, await session.scalars(select(Compound)))
        if len(match.compounds) > 1:
            return GroupBinding(BindingKind.AMBIGUOUS, tuple(_label(c) for c in match.compounds))
        if match.compounds:
            compound = match.compounds[0]
            kind = BindingKind.EXISTING
            if match.staff:
                chat.kind = ChatKind.STAFF_GROUP
                kind = BindingKind.EXISTING_STAFF
        elif match.staff:
            return GroupBinding(BindingKind.STAFF_UNMATCHED)
        else:
            compound = await create_compound(session, match.guessed_name)
            kind = BindingKind.CREATED
            log.info("replay created compound %s (%s) for group %r", compound.id, compound.code, group)
        await bind_chat(session, chat, compound, utcnow())
        return GroupBinding(kind, (_label(compound),))


def _label(compound: Compound) -> str:
    return f"{compound.name}（{compound.code}）"


def binding_line(group: str, binding: GroupBinding) -> str:
    """Describe in one line of the replay output what happened to a group that was not bound yet."""
    head = f"※ 群「{group}」尚未绑定，"
    if binding.kind is BindingKind.EXISTING:
        return f"{head}已绑定到现有小区 {binding.compound}。"
    if binding.kind is BindingKind.EXISTING_STAFF:
        return f"{head}已作为现有小区 {binding.compound}的工作群绑定，群内只响应指令，不登记工单。"
    if binding.kind is BindingKind.CREATED:
        return f"{head}群名与现有小区都对不上，已新建小区 {binding.compound}。"
    if binding.kind is BindingKind.STAFF_UNMATCHED:
        return (
            f"{head}这是工作群，群名与现有小区都对不上，因此不绑定，也不新建小区；"
            "记录中由小区专员发送“绑定 小区编码 工作群”后，群内指令才会生效。"
        )
    return (
        f"{head}群名与多个小区相符：{'、'.join(binding.compounds)}，因此暂不绑定；"
        "记录中由小区专员发送“绑定 小区编码”后，群内消息才会处理。"
    )
