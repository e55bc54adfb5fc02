"""A resident's lines that add detail to their own report of minutes before.

"地下车库入口的栏杆坏了", then "车都堵在外面了" and "赶紧来人修一下" from the
same person in the same chat are one report written in three lines, so the
later lines are recorded on the first case as detail instead of opening
cases of their own. "楼道灯也不亮了" names another thing and still opens a case.
An emergency about the same thing ("人都困在里面了" after "电梯又坏了") makes
the first case urgent instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import replies as texts
from handlers.case_questions import named_case_numbers
from handlers.cases import fill_location, follow_merges, record_event
from handlers.messages import InboundMessage, PartyTarget, Reply, chat_target
from handlers.register_notices import care_notices
from handlers.urgent_raise import raise_case
from models import Case, CaseStatus, ChatGroup, Member, RawMessage
from nlp.clauses import opens_topic
from nlp.findings import Finding, Location
from nlp.normalize import normalize
from nlp.subjects import names_new_subject

# How long after opening a case its reporter's next lines count as detail.
OWN_DETAIL_WINDOW = timedelta(minutes=15)
# When a line turns its report into another category, the line still counts
# as detail if the report alone gives that category at least this
# probability. A barrier at a garage entrance is a repair and a parking
# matter at once: the shipped model gives "地下车库入口的栏杆坏了" 0.37 for
# parking. "路灯不亮" gives almost nothing to the fees of "物业催费天天打电话".
# NOTE: the value was chosen from the shipped model's scores; a retrained
# model may move the barrier report below it.
REPORT_LEANING = 0.25
# The sender's newest cases in the window that a line is compared with.
_CANDIDATES = 5


class OwnCase(NamedTuple):
    """The sender's own case that a line is about, and how the case's text and the line read together."""

    case: Case
    reading: Finding


async def own_case_for_detail(
    session: AsyncSession,
    chat: ChatGroup,
    member: Member,
    finding: Finding,
    now: datetime,
    classify: Callable[[str], list[Finding]],
    category_scores: Callable[[str], Mapping[str, float]],
) -> OwnCase | None:
    """Return the sender's own open case that a one-finding line adds detail to, or None.

    Candidates are the cases the sender opened in this chat within
    OWN_DETAIL_WINDOW, newest first. A case takes the line when all of these hold:
    - the line names no subject that the case's text does not (nlp.subjects);
    - the line names no place that conflicts with the case's;
    - the case's text with the line appended still classifies as one
      problem, of the case's category or of a category that the case's
      text alone gives at least REPORT_LEANING. "车都堵在外面了" after
      "地下车库入口的栏杆坏了" turns the pair into parking, which the
      barrier report already leaned to, while "物业催费天天打电话" after
      "路灯不亮" turns the pair into fees.
    An urgent line about a routine case must be more clearly about the same
    thing, because it makes the case urgent (see raise_to_urgent) instead
    of opening one: the line alone and the pair must both read as the
    case's category, and the pair as urgent. "人都困在里面了，快来人" after
    "电梯又坏了" is a repair, and the pair reads as people trapped in the
    lift. "有个老人晕倒了快叫120" reads as a call for care and "外墙瓷砖掉下来了"
    names another thing, so each still opens a case with its own deadline.
    A line that opens with a connective such as 另外 or 还有 takes no case.
    A line that names a case number ("催一下工单0008") takes only that case.
    """
    text = normalize(finding.text)
    if opens_topic(text):
        return None
    named = named_case_numbers(text)
    candidates = await session.scalars(
        select(Case)
        .where(
            Case.chat_group_id == chat.id,
            Case.reporter_id == member.id,
            Case.opened_at >= now - OWN_DETAIL_WINDOW,
        )
        .order_by(Case.opened_at.desc(), Case.id.desc())
        .limit(_CANDIDATES)
    )
    for candidate in list(candidates):
        case = await follow_merges(session, candidate)
        if case.status not in CaseStatus.open_statuses():
            continue
        if named and named != {case.seq}:
            continue
        raising = finding.urgent and not case.urgent
        if raising and finding.category != case.category:
            continue
        if Location(case.building, case.unit, case.room, case.place).conflicts(finding.location):
            continue
        if names_new_subject(text, normalize(case.summary)):
            continue
        together = classify(f"{case.summary}，{finding.text}")
        if len(together) != 1:
            continue
        reading = together[0]
        if raising and not (reading.urgent and reading.category == case.category):
            continue
        if not raising and not _keeps_topic(case, reading, category_scores):
            continue
        return OwnCase(case, reading)
    return None


def _keeps_topic(case: Case, reading: Finding, category_scores: Callable[[str], Mapping[str, float]]) -> bool:
    """Tell whether a case's text and a line read together stay within what the case's text alone leans to."""
    if reading.category == case.category:
        return True
    return category_scores(case.summary).get(reading.category, 0.0) >= REPORT_LEANING


async def record_detail(
    session: AsyncSession,
    raw: RawMessage,
    message: InboundMessage,
    case: Case,
    member: Member,
    finding: Finding,
    now: datetime,
) -> tuple[list[Reply], bool]:
    """Record a line as detail on its sender's case; return the replies and whether it placed the case.

    The line is kept the way "补充 0034 ..." keeps it: an info_added event
    that 查询 lists, and a note to the acting party. A case still in triage
    has no acting party yet, so no note is sent. A building the case lacked
    is filled in as a bare address would fill it.
    """
    placed = fill_location(session, case, finding.location, member, now)
    record_event(
        session,
        case,
        "info_added",
        actor=member,
        at=now,
        note=finding.text,
        data={"raw_message_id": raw.id, "follow_up": True},
    )
    case.updated_at = now
    group = chat_target(message)
    text = texts.location_added(case) if placed else texts.detail_added(case)
    replies = [Reply(group, text, case.id, "group", message.message_id)]
    if case.party is not None and case.status != CaseStatus.TRIAGE:
        note = texts.update_for_party(case, "补充信息", finding.text)
        replies.append(Reply(PartyTarget(case.party.id, case.party.name), note, case.id, "party"))
    if placed:
        replies.extend(await care_notices(session, case, now))
    return replies, placed


async def raise_to_urgent(
    session: AsyncSession,
    raw: RawMessage,
    message: InboundMessage,
    own: OwnCase,
    member: Member,
    finding: Finding,
    now: datetime,
) -> tuple[list[Reply], bool]:
    """Make the sender's own case urgent for an urgent line about it; return the replies and whether it was placed.

    The group reply's advice is for the danger that the case's text and the
    line name together ("电梯又坏了" and "人都困在里面了" name a lift). See
    handlers.urgent_raise.raise_case for the limits and the notices.
    """
    case = own.case
    placed = fill_location(session, case, finding.location, member, now)
    replies = await raise_case(
        session,
        case,
        member,
        note=finding.text,
        danger=own.reading.danger or finding.danger,
        group=chat_target(message),
        reply_to=message.message_id,
        data={"raw_message_id": raw.id, "follow_up": True},
        now=now,
    )
    if placed:
        replies.extend(await care_notices(session, case, now))
    return replies, placed
