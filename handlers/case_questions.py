"""Questions from residents about the progress of their own cases, as opposed to reports.

"我的电梯工单怎么样了" names a lift, so the classifier reads it as a repair,
yet it is a question about an existing case and reports nothing new.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.cases import follow_merges
from handlers.similarity import has_topic
from handlers.workflow import FALSE_ALARM_ADVICE, status_label
from models import Case, CaseOutcome, Compound
from nlp.classifier import names_a_fault
from nlp.cues import find_cues
from nlp.normalize import normalize

# The word for a case, as residents write it.
_CASE_WORD = re.compile(r"工单|报修单")
# Ways of asking how a case is going or of chasing it.
_STATUS_QUESTION = re.compile(
    r"怎么样|怎样了|咋样|如何了|进度|进展|到哪|有人(?:管|处理|跟进|理|看)|处理了?(?:吗|没)|"
    r"怎么(?:还)?没|还没|什么时候|啥时候|多久|有(?:没有|无)?(?:回音|回复|消息|下文)"
)
# The words before 工单 that name the case ("我报的漏水工单").
_NAMED_CASE = re.compile(r"[^,.!?;\s]{0,8}(?:工单|报修单)")
# A case number in normalised text: 工单8, #8, or four digits with a leading
# zero (0008), which no flat or building number has.
CASE_NUMBER = re.compile(r"(?:工单|#)\s*(\d{1,4})(?!\d)|(?<![\d.])(0\d{3})(?!\d)")


def asks_about_own_cases(text: str) -> bool:
    """Tell whether a line is a question about the sender's cases that names no case number.

    A line with a number is left to the number's case (see named_case_numbers).
    """
    folded = normalize(text)
    if CASE_NUMBER.search(folded):
        return False
    if not (_CASE_WORD.search(folded) and _STATUS_QUESTION.search(folded)):
        return False
    # A line that also reports a danger or a fault ("工单怎么还没人处理，电梯里
    # 有人被困了") is a report. The words naming the case ("我报的漏水工单")
    # do not count as one.
    rest = _NAMED_CASE.sub("", folded)
    return not (find_cues(rest).hazard or names_a_fault(rest))


def named_case_numbers(text: str) -> set[int]:
    """Return the case numbers a line names ("0001怎么还没修好", "工单8催一下")."""
    return {int(found[0] or found[1]) for found in CASE_NUMBER.findall(normalize(text))}


async def named_case(session: AsyncSession, compound: Compound, text: str) -> Case | None:
    """Return the case of `compound` that a line names by number, following merges, or None.

    "0001怎么还没修好" chases case 0001, so it must not join whichever case
    of the same category the duplicate rules pick. A line naming several
    numbers, or a number no case has, gets None.
    """
    numbers = named_case_numbers(text)
    if len(numbers) != 1:
        return None
    case = await session.scalar(select(Case).where(Case.compound_id == compound.id, Case.seq == numbers.pop()))
    if case is None:
        return None
    return await follow_merges(session, case)


async def missing_case_number(session: AsyncSession, compound: Compound, text: str) -> int | None:
    """Return the one case number a chasing line names when `compound` has no such case, else None.

    "0009怎么还没修好" names no thing, so with no case 0009 it would join
    whichever case the duplicate rules pick. A line that names a thing
    ("停水通知说0800开始，到现在还没来水") is read as a report, because its
    number may be a time.
    """
    numbers = named_case_numbers(text)
    if len(numbers) != 1 or has_topic(text):
        return None
    number = numbers.pop()
    found = await session.scalar(select(Case.id).where(Case.compound_id == compound.id, Case.seq == number))
    return number if found is None else None


def case_not_found_text(number: int) -> str:
    """Tell a resident that the case number they chase does not exist in their compound."""
    return f"没有找到工单 {number:04d}，请核对工单号。发送“我的工单”可查看您反映过的工单。"


def ended_case_hint(case: Case) -> str:
    """Tell a reporter who chases an ended case how to get it handled again."""
    if case.outcome == CaseOutcome.NOT_A_CASE:
        return f"工单 {case.number}：{FALSE_ALARM_ADVICE}"
    return f"工单 {case.number} 当前状态为“{status_label(case)}”。如问题仍未解决，可发送“重开 {case.number} 原因”。"
