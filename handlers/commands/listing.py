"""工单列表: the open, overdue or triage cases of a compound, for the staff who act on them."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.sql.elements import ColumnElement

from handlers.commands.base import CommandContext, CommandSpec, reply_here
from handlers.commands.common import staff_compounds
from handlers.errors import BadCommand
from handlers.masking import mask_contacts, mask_for_group
from handlers.messages import Reply
from handlers.permissions import Access, Level, deny
from handlers.replies import TRIAGE_HOLDER, case_title, party_name, priority_phrase, short_summary
from handlers.workflow import status_label
from models import Case, CaseStatus, ChatKind, Compound

LISTED = 20

FILTERS: dict[str, str] = {
    "": "open",
    "未办结": "open",
    "全部": "open",
    "open": "open",
    "超时": "overdue",
    "逾期": "overdue",
    "overdue": "overdue",
    "待分类": "triage",
    "triage": "triage",
}
FILTER_TITLES = {"open": "未办结工单", "overdue": "超时工单", "triage": "待分类工单"}


def overdue(now: datetime) -> ColumnElement[bool]:
    """Select cases past their response limit unacknowledged, or past their resolution limit."""
    return or_(
        and_(Case.acknowledged_at.is_(None), Case.response_due_at < now),
        Case.resolve_due_at < now,
    )


async def list_cases(ctx: CommandContext) -> list[Reply]:
    """工单列表 [未办结|超时|待分类] [小区编码]: the cases the sender acts on, most pressing first.

    In a private chat, community and street staff get the cases of every
    compound they cover unless they name one compound by its code.
    """
    reached = await staff_compounds(ctx)
    word = ctx.args[0] if ctx.args else ""
    kind = FILTERS.get(word)
    if kind is None:
        msg = f"“{word}”不是可用的筛选，可选：未办结、超时、待分类。"
        raise BadCommand(msg)
    scopes = [_scope(compound, access) for compound, access in reached if access.level is not Level.RESIDENT]
    if not scopes:
        _compound, access = reached[0]
        raise deny(
            access,
            "cases",
            "抱歉，工单列表仅供承办方和小区专员查看。您可以发送“我的工单”查看自己反映的问题。",
        )

    query = select(Case).where(or_(*scopes), Case.status.in_(CaseStatus.open_statuses()))
    if kind == "overdue":
        query = query.where(overdue(ctx.now))
    elif kind == "triage":
        query = query.where(Case.status == CaseStatus.TRIAGE)
    query = query.order_by(Case.urgent.desc(), Case.priority.desc(), Case.opened_at, Case.id).limit(
        LISTED + 1
    )
    cases = list(await ctx.session.scalars(query))

    several = len(scopes) > 1
    names = {compound.id: compound.name for compound, _access in reached}
    where = f"您负责的{len(scopes)}个小区" if several else reached[0][0].name
    title = f"{where}{FILTER_TITLES[kind]}"
    if not cases:
        return [reply_here(ctx, f"{title}：暂无。")]
    private = ctx.chat.kind == ChatKind.PRIVATE
    lines = [f"{title}（按紧急程度和反映人数排序）："]
    for case in cases[:LISTED]:
        late = "【超时】" if _is_late(case, ctx.now) else ""
        # A list goes to whoever may list cases, so phones stay masked even in
        # private; 查询 of one case shows them to the staff who handle it.
        summary = mask_contacts(case.summary) if private else mask_for_group(case.summary)
        compound_name = f"{names[case.compound_id]} " if several else ""
        # A case in triage has no party yet, and its title already shows 待分类.
        if CaseStatus(case.status) is CaseStatus.TRIAGE:
            state = f"{case_title(case)} {TRIAGE_HOLDER}"
        else:
            state = f"{case_title(case)} {status_label(case)} {party_name(case)}"
        lines.append(
            f"· {compound_name}{case.number} {late}{state} "
            f"{case.reporter_count}人{priority_phrase(case)}：{short_summary(summary, 24)}"
        )
    if len(cases) > LISTED:
        lines.append(f"仅显示前{LISTED}条。")
    return [reply_here(ctx, "\n".join(lines))]


def _scope(compound: Compound, access: Access) -> ColumnElement[bool]:
    """Select the cases of one compound that an access reaches."""
    if access.compound_wide:
        return Case.compound_id == compound.id
    return and_(Case.compound_id == compound.id, Case.party_id.in_(access.party_ids))


def _is_late(case: Case, now: datetime) -> bool:
    if (
        case.acknowledged_at is None
        and case.response_due_at is not None
        and case.response_due_at < now
    ):
        return True
    return case.resolve_due_at is not None and case.resolve_due_at < now


SPEC = CommandSpec(
    name="cases",
    verbs=("工单列表", "列表"),
    handler=list_cases,
    help="列出未办结、超时或待分类的工单",
    example="工单列表 超时",
    audience=Level.PARTY,
    glued=re.compile("|".join(word for word in FILTERS if word and not word.isascii())),
)
