"""Finding the open case that a new report is about, so one problem makes one case."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.similarity import has_topic, same_matter, same_topic, similar
from models import Case, CaseStatus, Compound
from nlp.cues import DangerKind
from nlp.findings import Finding, Location
from nlp.labels import COMPOUND_WIDE
from nlp.normalize import normalize
from nlp.subjects import subjects

# How long a group keeps talking about one problem without naming it again:
# anyone's reply within minutes, or the reporter's own or a "me too" within the hour.
QUICK_REPLY_WINDOW = timedelta(minutes=15)
CONVERSATION_WINDOW = timedelta(hours=1)
# Rooms and words for the inside of a flat. A report that names one is about
# the writer's own home, so another resident's report from elsewhere is
# about the same home only when it names the same flat.
_INSIDE_FLAT = re.compile(
    "厨房|卫生间|厕所|洗手间|浴室|淋浴间|客厅|卧室|主卧|次卧|书房|天花板|家里|家中|屋里|屋内|室内"
)


async def find_duplicate(
    session: AsyncSession,
    compound: Compound,
    finding: Finding,
    *,
    now: datetime,
    window: timedelta,
    chat_group_id: int | None = None,
    reporter_id: int | None = None,
    follow_up: bool = False,
    tentative: bool = False,
    conversation: bool = True,
    accept: Callable[[Case], bool] | None = None,
) -> Case | None:
    """Return the open case of this compound that a new finding is about, if any.

    A location that clearly differs keeps a finding and a case apart however
    close their texts are: another building, unit or room, or another named place
    (东门 and 西门, see Location.conflicts). Two rooms count as one place
    when one report also names the other's room, as in a leak from 1202
    into 1102.

    Otherwise a finding joins a case when:
    - both are at one flat (or at two flats linked so) and name a common
      thing (漏水, 天花板), whatever the category of each;
    - both have the same category, their locations overlap and they name a
      common thing;
    - both have the same category and close texts;
    - both have the same compound-wide category (fees, the committee and
      the like, see nlp.labels.COMPOUND_WIDE) and name a common thing
      beyond the words every such report uses, wherever the reporters
      live and whichever chat they write in. For these categories, this
      rule replaces the two before it;
    - any category and nearly the same text.
    Only what is wrong counts as a common thing or close text, never the
    address or the place, and a few words residents use for one thing
    count as one (see handlers.similarity).

    Two rules keep a finding apart from a case before any rule that joins
    them, the conversation rules below included:
    - reports by two residents, one of which is about the inside of a flat
      (厨房, 卫生间, 家里, see _INSIDE_FLAT), join only when both are at one
      flat or at two linked flats. "厨房漏水了" is the writer's own
      kitchen, not the kitchen of "我家厨房漏水了" from a neighbour. The
      rule leaves out a finding that names no thing (a comment), a line
      that opens with "我也是" or "我家也", and a finding from the case's
      chat within CONVERSATION_WINDOW of its opening, where a neighbour
      may be talking about the same flat (the flat below, a relative);
    - a finding from one chat with no place and no subject (nlp.subjects)
      joins no case of another chat, except in a compound-wide category.
      Nothing in "车都堵在外面了" ties it to the same words another group
      wrote about its own gate.

    A finding with no location also joins a case of its category opened in
    the same chat within the last 15 minutes, or within the hour when it
    comes from that case's reporter or opens with "我也是". Such a line
    continues a conversation rather than raising a new problem. A tentative finding (one the
    classifier is unsure of) with no location, or the case's own, joins the
    case opened last in the same chat within those 15 minutes, whatever its
    category: "这种情况能不能处理一下" is a comment on that case.

    With `conversation` False, the rules that follow a conversation in one
    chat are skipped, and `chat_group_id` and `reporter_id` only tell where
    and from whom the finding comes.

    Candidates are tried newest first. When `accept` is given, a matching
    case it returns False for is passed over and older candidates are tried,
    so a caller's own rule can reject a match without losing an older one.
    """
    candidates = await session.scalars(
        select(Case)
        .where(
            Case.compound_id == compound.id,
            Case.status.in_(CaseStatus.open_statuses()),
            Case.opened_at >= now - window,
        )
        .order_by(Case.opened_at.desc())
        .limit(200)
    )
    for case in candidates:
        if _kept_apart(case, finding, now, chat_group_id, reporter_id, follow_up=follow_up):
            continue
        matched = _matches(
            case,
            finding,
            now,
            chat_group_id if conversation else None,
            reporter_id if conversation else None,
            follow_up=follow_up,
            tentative=tentative,
        )
        if not matched:
            continue
        if accept is None or accept(case):
            return case
    return None


def _matches(
    case: Case,
    finding: Finding,
    now: datetime,
    chat_group_id: int | None,
    reporter_id: int | None,
    *,
    follow_up: bool,
    tentative: bool,
) -> bool:
    """Tell whether a finding is about a case by the rules of find_duplicate."""
    case_location = Location(case.building, case.unit, case.room, case.place)
    if _locations_conflict(case, case_location, finding):
        return False
    same_category = case.category == finding.category

    # An unsure comment right after a report in the same chat joins it.
    if (
        tentative
        and (finding.location.is_empty or case_location.overlaps(finding.location))
        and chat_group_id is not None
        and case.chat_group_id == chat_group_id
        and case.opened_at >= now - QUICK_REPLY_WINDOW
    ):
        return True

    if _elaborates(case, case_location, finding, same_category, now, chat_group_id, reporter_id):
        return True

    # A message of the same category with no place follows the report it replies to.
    if (
        same_category
        and finding.location.is_empty
        and chat_group_id is not None
        and case.chat_group_id == chat_group_id
        and (
            case.opened_at >= now - QUICK_REPLY_WINDOW
            or (
                case.opened_at >= now - CONVERSATION_WINDOW
                and (follow_up or case.reporter_id == reporter_id)
            )
        )
    ):
        return True

    # Someone trapped, reported right after a lift report in the same chat
    # without naming a thing ("里面有人被困了！"), is in that lift, whatever
    # category the words lean to alone.
    if (
        trapped_in_case_lift(case, finding)
        and chat_group_id is not None
        and case.chat_group_id == chat_group_id
        and case.opened_at >= now - QUICK_REPLY_WINDOW
    ):
        return True

    # A quick reply in the same chat at the report's place that names no
    # other thing ("是的是的 东门那边好几盏都不亮") agrees with the report,
    # while "5栋门禁也坏了" after "5栋电梯坏了" names a thing of its own.
    if (
        same_category
        and not finding.location.is_empty
        and case_location.overlaps(finding.location)
        and chat_group_id is not None
        and case.chat_group_id == chat_group_id
        and case.opened_at >= now - QUICK_REPLY_WINDOW
        and not subjects(normalize(finding.text))
    ):
        return True

    # Residents file a leak from the flat above as a repair or as a quarrel
    # with the neighbour, so one flat and one thing decide whatever the category.
    if _same_flat(case, finding) and same_topic(case.summary, finding.text):
        return True

    if same_category and finding.category in COMPOUND_WIDE:
        # A fee rise or a committee election is one matter for the whole
        # compound, so the compound is the place both reports share. Words
        # that all such reports use (物业费, 建议小区) make neither a common
        # thing nor close texts, so "建议小区装充电桩" and "建议小区多种点树"
        # stay apart.
        if same_matter(case.summary, finding.text):
            return True
    else:
        # Two problems of one category in one building ("5栋电梯坏了",
        # "5栋门禁也坏了") stay apart unless they name a common thing.
        if same_category and case_location.overlaps(finding.location) and same_topic(case.summary, finding.text):
            return True
        if same_category and similar(case.summary, finding.text, threshold=0.3):
            return True
    return similar(case.summary, finding.text, threshold=0.6)


# The categories a danger that names no thing can be about. A fire, gas, an
# injury or violence is an emergency of its own ("我也是，着火了！"), which
# its own case brings to the party branch. A cry with no kind ("救命") fits any.
_BARE_DANGER_CATEGORIES = {
    DangerKind.LIFT: frozenset({"repair"}),
    DangerKind.FLOOD: frozenset({"repair", "neighbor", "utilities"}),
    DangerKind.ELECTRIC: frozenset({"repair", "safety", "utilities"}),
    DangerKind.FALLING: frozenset({"repair", "safety", "neighbor"}),
}


def bare_danger_fits(case: Case, finding: Finding) -> bool:
    """Tell whether a danger now that names no thing ("同上，里面有人被困了！") can be about a case.

    Someone trapped fits only a lift case, and water pouring out only a case
    where water can come from.
    """
    if not finding.urgent or subjects(normalize(finding.text)):
        return False
    if finding.danger is None:
        return True
    categories = _BARE_DANGER_CATEGORIES.get(finding.danger)
    if categories is None or case.category not in categories:
        return False
    return finding.danger is not DangerKind.LIFT or "电梯" in subjects(normalize(case.summary))


def trapped_in_case_lift(case: Case, finding: Finding) -> bool:
    """Tell whether a finding reports someone trapped without naming a thing or place, and the case is a lift's."""
    return (
        finding.danger is DangerKind.LIFT
        and finding.location.is_empty
        and not subjects(normalize(finding.text))
        and "电梯" in subjects(normalize(case.summary))
    )


def _kept_apart(
    case: Case,
    finding: Finding,
    now: datetime,
    chat_group_id: int | None,
    reporter_id: int | None,
    *,
    follow_up: bool,
) -> bool:
    """Tell whether a finding stays apart from a case by the two rules find_duplicate applies first.

    An unknown reporter counts as another resident, and an unknown chat as
    another chat for the first rule and as the case's own chat for the second.
    """
    other_resident = reporter_id is None or case.reporter_id != reporter_id
    same_conversation = case.chat_group_id == chat_group_id and case.opened_at >= now - CONVERSATION_WINDOW
    if (
        other_resident
        and not follow_up
        and not (chat_group_id is not None and same_conversation)
        and (_INSIDE_FLAT.search(case.summary) or _INSIDE_FLAT.search(finding.text))
        and has_topic(finding.text)
        and not _same_flat(case, finding)
    ):
        return True
    return (
        chat_group_id is not None
        and case.chat_group_id != chat_group_id
        and finding.category not in COMPOUND_WIDE
        and finding.location.is_empty
        and not subjects(normalize(finding.text))
    )


def _elaborates(
    case: Case,
    case_location: Location,
    finding: Finding,
    same_category: bool,
    now: datetime,
    chat_group_id: int | None,
    reporter_id: int | None,
) -> bool:
    """Tell whether a finding is its reporter adding the place to their own recent case.

    "电梯坏了" and then "3栋的电梯一直停着" from the same person in the same
    chat is one problem, while "3栋楼道灯也不亮了" names another thing and is
    a second one. The first case may still await triage under another
    category, so a triage case accepts the finding whatever category it got.
    The same named place counts as the same thing here ("楼道里的东西没人管",
    then "3栋1单元楼道堆满了纸箱"), because it is the reporter's own case.
    """
    place_agrees = case_location.place is None or case_location.place == finding.location.place
    same_place = case_location.place is not None and place_agrees
    return (
        case_location.building is None
        and finding.location.building is not None
        and place_agrees
        and reporter_id is not None
        and case.reporter_id == reporter_id
        and chat_group_id is not None
        and case.chat_group_id == chat_group_id
        and case.opened_at >= now - CONVERSATION_WINDOW
        and (same_category or case.status == CaseStatus.TRIAGE)
        and (same_place or same_topic(case.summary, finding.text))
    )


def _locations_conflict(case: Case, case_location: Location, finding: Finding) -> bool:
    """Tell whether a finding is somewhere else than a case, by Location.conflicts.

    Two rooms are no conflict when one report also names the other's room:
    "1202漏到1102了" and "1102天花板滴水" are one leak.
    """
    if not case_location.conflicts(finding.location):
        return False
    if not _rooms_linked(case, finding):
        return True
    return replace(case_location, room=None).conflicts(replace(finding.location, room=None))


def _same_flat(case: Case, finding: Finding) -> bool:
    """Tell whether a finding is at the case's room, or at a room linked to it by _rooms_linked."""
    if case.room is None or finding.location.room is None:
        return False
    return case.room == finding.location.room or _rooms_linked(case, finding)


def _rooms_linked(case: Case, finding: Finding) -> bool:
    """Tell whether one of the two reports also names the room the other is at.

    One is enough, because the flat below often does not know where the water
    comes from: "601卫生间顶上漏水", then "701地面漏水漏到601了".
    """
    room = finding.location.room
    if case.room is None or room is None or case.room == room:
        return False
    return _names_room(case.summary, room) or _names_room(finding.text, case.room)


def _names_room(text: str, room: str) -> bool:
    return re.search(rf"(?<!\d){re.escape(room)}(?!\d)", normalize(text)) is not None
