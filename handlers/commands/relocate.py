"""改位置: an officer sets where a case is, from free text.

Residents correct the place of their own case by writing it again ("不对，是
13栋的"), but only while nobody else has reported the case. Once neighbours
have joined, the place changes only when an officer checks it and sends this
command. The text after the case number is read by the same location
extraction as a report, and the location it names replaces the case's whole
location: a unit, room or named place that the text leaves out is cleared.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.commands.base import CommandContext, CommandSpec
from handlers.commands.common import case_by_number, case_number_argument, command_access, respond, text_after
from handlers.errors import BadCommand
from handlers.masking import mask_for_group
from handlers.messages import Reply
from handlers.onboarding import invalid_building
from handlers.onboarding_texts import building_bounds
from handlers.permissions import Level, require_officer
from handlers.register_address import MAX_BUILDING_NUMBER, is_valid_building
from handlers.register_notices import care_notices
from handlers.replies import (
    TRIAGE_HOLDER,
    case_location,
    party_name,
    update_for_group,
    update_for_party,
    update_for_reporter,
)
from handlers.workflow import Action, apply_transition, check_transition, status_label
from models import Case, CaseEvent, CaseStatus, ChatKind, Member
from nlp.findings import Location
from nlp.locate import extract_location
from nlp.normalize import normalize

# The maximum length of a text quoted back when it names no location.
_QUOTED_CHARS = 30


def relocate_case(session: AsyncSession, case: Case, location: Location, *, actor: Member, now: datetime) -> CaseEvent:
    """Replace a case's location and record the old and the new one in its audit trail.

    Raises:
        BadCommand: The case already has this location.
        InvalidTransition: The case was merged into another.
    """
    check_transition(case, Action.RELOCATE)
    before = Location(case.building, case.unit, case.room, case.place)
    if location == before:
        msg = f"工单 {case.number} 的位置已是“{location.describe()}”，无需更改。"
        raise BadCommand(msg)

    case.building, case.unit, case.room, case.place = location.building, location.unit, location.room, location.place
    old, new = before.describe(), location.describe()
    return apply_transition(
        session,
        case,
        Action.RELOCATE,
        actor=actor,
        now=now,
        note=f"由“{old}”改为“{new}”" if old else f"补充为“{new}”",
        data={"previous_location": _fields(before), "location": _fields(location)},
    )


async def relocate(ctx: CommandContext) -> list[Reply]:
    """改位置 0034 5栋2单元1002室: set the place of a case, and tell the group, the reporters and the party."""
    number = await case_number_argument(ctx, "改位置 0034 5栋2单元1002室")
    compound, access = await command_access(ctx)
    case = await case_by_number(ctx, compound, number)
    require_officer(access, "relocate", "更正工单位置")
    # A merged case is rejected before its text is read, so the officer learns first that it is the wrong case.
    check_transition(case, Action.RELOCATE)
    location = _location_argument(ctx, case)

    before = case_location(case)
    relocate_case(ctx.session, case, location, actor=ctx.member, now=ctx.now)
    change = _change_phrase(before, case_location(case))
    status = CaseStatus(case.status)

    if not status.is_open:
        confirmation = f"工单 {case.number} 的{change}。该工单{status_label(case)}，只更正记录，不再通知承办方。"
        detail = party_note = None
    elif status is CaseStatus.TRIAGE:
        confirmation = f"工单 {case.number} 的{change}。该工单尚待分类，派单时承办方会看到新位置。"
        detail = update_for_reporter(case, f"的{change}。", holder=TRIAGE_HOLDER)
        party_note = None
    else:
        confirmation = f"工单 {case.number} 的{change}，已通知{party_name(case)}按新位置处理。"
        detail = update_for_reporter(case, f"的{change}。")
        party_note = update_for_party(case, "位置更正", f"{change}，请按新位置处理。")

    # An officer may send the command in a residents' group, where room numbers are masked.
    if ctx.chat.kind == ChatKind.RESIDENT_GROUP:
        confirmation = mask_for_group(confirmation)
    replies = await respond(
        ctx,
        case,
        confirmation=confirmation,
        group_note=update_for_group(case, f"{change}。"),
        detail=detail,
        party_note=party_note,
    )
    if status.is_open:
        replies += await care_notices(ctx.session, case, ctx.now)
    return replies


def _location_argument(ctx: CommandContext, case: Case) -> Location:
    """Read the location that the text after the case number names.

    Raises:
        BadCommand: The text is missing, names no building, unit, room or
            place, or names a building no building can have (0栋, 1000栋).
    """
    text = text_after(ctx, 1)
    if not text:
        msg = f"请写上正确的位置，例如：改位置 {case.number} 5栋2单元1002室"
        raise BadCommand(msg)
    location = extract_location(normalize(text))
    # Before the empty check, because the location patterns leave 1000栋 out.
    wrong = invalid_building(text)
    if wrong is None and not is_valid_building(location.building):
        wrong = location.building
    if wrong is not None:
        msg = f"{building_bounds(wrong, MAX_BUILDING_NUMBER)}请重新发送，例如：改位置 {case.number} 5栋2单元1002室"
        raise BadCommand(msg)

    if location.is_empty:
        quoted = text if len(text) <= _QUOTED_CHARS else text[: _QUOTED_CHARS - 1] + "…"
        msg = (
            f"没有从“{quoted}”中读出位置。请写明楼栋、单元、房号或地点，"
            f"例如：改位置 {case.number} 5栋2单元1002室，或 改位置 {case.number} 东门"
        )
        raise BadCommand(msg)

    return location


def _change_phrase(before: str, after: str) -> str:
    if not before:
        return f"位置补充为“{after}”"
    return f"位置由“{before}”更正为“{after}”"


def _fields(location: Location) -> dict[str, str | None]:
    return {"building": location.building, "unit": location.unit, "room": location.room, "place": location.place}


SPECS = (
    CommandSpec(
        name="relocate",
        verbs=("改位置", "更正位置", "修改位置", "更改位置", "改地址", "更正地址"),
        handler=relocate,
        help="更正工单的位置（楼栋、单元、房号或地点），未写的部分会清空",
        example="改位置 0034 5栋2单元1002室",
        audience=Level.OFFICER,
    ),
)
