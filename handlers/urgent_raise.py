"""Making an open routine case urgent when a resident reports a danger about it now.

Two lines come here: its reporter's follow-up ("人都困在里面了" after
"电梯又坏了", see handlers.follow_ups) and a neighbour's report that joins it
("电梯里有人被困", see handlers.intake). Either way the case gets the same
limits, and its parties and reporters get the same notices.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import replies as texts
from handlers.cases import record_event
from handlers.limits import current_table, deadlines_for
from handlers.messages import ChatTarget, InboundMessage, Reply, chat_target
from handlers.urgent_notices import urgent_notices_for_parties, urgent_notices_for_reporters
from models import Case, CaseStatus, Member, RawMessage
from nlp.cues import DangerKind, find_danger
from nlp.findings import Finding
from nlp.normalize import normalize


async def raise_case(
    session: AsyncSession,
    case: Case,
    member: Member,
    *,
    note: str,
    danger: DangerKind | None,
    group: ChatTarget,
    reply_to: str | None,
    data: dict[str, Any],
    now: datetime,
) -> list[Reply]:
    """Make a routine case urgent for the line `note` that `member` sent to `group`; return the replies.

    The case gets the limits of an urgent case counted from now, unless its
    own limits end sooner, and its acting party and the party branch hear
    about it as they do about a case opened as urgent. A case awaiting
    triage goes now to the party of the classifier's guess, which it was
    opened with, because an urgent case is never held back for triage. The group reply opens with what to
    do right now for `danger`. The other reporters get the same advice in
    the chats they reported from (see handlers.urgent_notices). `data` goes
    into the urgent_raised event.
    """
    deadlines = deadlines_for(case.category, True, now)
    left_triage = case.status == CaseStatus.TRIAGE
    case.urgent = True
    if left_triage:
        # No party had the case, so its clock starts now, as 分类 starts it.
        case.status = CaseStatus.NEW
        case.response_due_at = case.first_response_due_at = deadlines.response_due
        case.resolve_due_at = deadlines.resolve_due
    else:
        if case.acknowledged_at is None and (
            case.response_due_at is None or deadlines.response_due < case.response_due_at
        ):
            case.response_due_at = deadlines.response_due
        if case.resolve_due_at is None or deadlines.resolve_due < case.resolve_due_at:
            case.resolve_due_at = deadlines.resolve_due
    case.updated_at = now
    if left_triage:
        data = data | {"from": CaseStatus.TRIAGE.value, "to": CaseStatus.NEW.value}
    record_event(session, case, "urgent_raised", actor=member, at=now, note=note, data=data)

    # An acknowledged case has met its response limit, so only the resolve limit is news.
    if case.acknowledged_at is None:
        phrase = deadlines.response_phrase
    else:
        phrase = f"{current_table().rule_for(case.category, True).resolve.phrase()}内办结"
    replies = [Reply(group, texts.urgent_raised_for_group(case, phrase, danger), case.id, "group", reply_to)]
    replies.extend(urgent_notices_for_parties(case, note, phrase))
    # The reply above gives this line's group the advice, so only the
    # reporters who joined the case from other chats are sent it, once per chat.
    replies.extend(
        await urgent_notices_for_reporters(
            session, case, texts.emergency_advice(danger), exclude_member_ids={member.id}, replied_in=group
        )
    )
    return replies


def raises_case(case: Case, finding: Finding) -> bool:
    """Tell whether a line that joins a case makes it urgent: it reports a danger now about an open routine case.

    The classifier marks a line urgent only when it reports a danger
    happening now, so a worry ("我担心电梯里会有人被困") or a past event
    ("昨天电梯里有人被困了") leaves the case as it is.
    """
    return finding.urgent and not case.urgent and CaseStatus(case.status).is_open


async def raise_for_joined_line(
    session: AsyncSession,
    raw: RawMessage,
    message: InboundMessage,
    case: Case,
    member: Member,
    finding: Finding,
    now: datetime,
    *,
    added: bool,
) -> list[Reply]:
    """Make a routine case urgent for an urgent line that joined it; return the replies.

    A neighbour's 「电梯里有人被困」 after another resident's 「电梯坏了」
    reports a danger about the open case, as the reporter's own follow-up
    would, so the case is raised the same way (see raise_case). So is a line
    from someone who already reported the case, such as its reporter after
    their own follow-up window. With `added` False the sender was a reporter
    before. The advice is for the danger the line names, or else the one
    the case's text names.
    """
    joined = {"joined": True} if added else {"follow_up": True}
    return await raise_case(
        session,
        case,
        member,
        note=finding.text,
        danger=finding.danger or find_danger(normalize(case.summary)),
        group=chat_target(message),
        reply_to=message.message_id,
        data={"raw_message_id": raw.id} | joined,
        now=now,
    )
