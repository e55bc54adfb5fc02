"""Telling a case's parties and other reporters that it became urgent.

The acting party gets 【转为紧急】 with the new time limit, and the party
branch a copy when another party acts. A neighbour who joined a case with
我也是 faces the danger as much as the resident whose follow-up made the
case urgent, or whose urgent case an officer merged into it. Each hears of it where they reported it: a group
once, however many of its members joined, and a private chat by itself.
A group that already read the news in the same reply is left out.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import replies as texts
from handlers.messages import ChatTarget, PartyTarget, Reply, UserTarget
from handlers.updates import reporter_account
from models import Case, CaseReporter, ChatGroup, ChatKind, PartyKind, RawMessage


def urgent_notices_for_parties(case: Case, note: str, limit_phrase: str) -> list[Reply]:
    """Build the 【转为紧急】 notice for the acting party and its copy for the party branch.

    Args:
        case: The case, already urgent.
        note: The words that made it urgent: the reporter's line, or the
            merged urgent case.
        limit_phrase: The time limit the party now has, such as 2小时内响应.

    A case with no acting party, as one awaiting triage, gets no notice, and
    the branch gets no copy of a notice it receives as the acting party.
    """
    if case.party is None:
        return []
    note_for_party = texts.urgent_raised_for_party(case, note, limit_phrase)
    notices = [Reply(PartyTarget(case.party.id, case.party.name), note_for_party, case.id, "party")]
    branch = case.compound.party(PartyKind.PARTY)
    if branch is not None and branch.id != case.party.id:
        copy = texts.urgent_raised_copy_for_branch(case, note, limit_phrase)
        notices.append(Reply(PartyTarget(branch.id, branch.name), copy, case.id, "officer"))
    return notices


async def urgent_notices_for_reporters(
    session: AsyncSession,
    case: Case,
    advice: str,
    *,
    exclude_member_ids: Collection[int],
    replied_in: ChatTarget | None = None,
) -> list[Reply]:
    """Build one notice per chat in which reporters of a case that just became urgent reported it.

    Args:
        session: The open session.
        case: The case, already urgent.
        advice: The emergency advice line the group reply carried, put first.
        exclude_member_ids: Reporters who already know, such as the one
            whose line made the case urgent.
        replied_in: The chat and forum topic that already got the urgent reply.

    A reporter's group counts as in handlers.updates.case_groups: while it
    is active and bound to the case's compound. The case's own group gets
    the notice in the case's topic, other groups in General. A reporter
    whose group no longer counts, or who reported privately, gets the
    notice privately on the account they reported with.
    """
    rows = (
        await session.execute(
            select(CaseReporter.member_id, RawMessage, ChatGroup)
            .outerjoin(RawMessage, RawMessage.id == CaseReporter.raw_message_id)
            .outerjoin(ChatGroup, ChatGroup.id == RawMessage.chat_group_id)
            .where(CaseReporter.case_id == case.id)
            .order_by(CaseReporter.joined_at, CaseReporter.id)
        )
    ).all()
    # Masking the whole text would mask the 119 of the advice, so only
    # group_summary masks, and only the case's words.
    group_text = texts.urgent_raised_for_reporters_group(case, advice)
    private_text = texts.urgent_raised_for_reporter(case, advice)
    sent: set[ChatTarget | UserTarget] = {replied_in} if replied_in is not None else set()
    notices: list[Reply] = []
    for member_id, raw, group in rows:
        if member_id in exclude_member_ids:
            continue
        target: ChatTarget | UserTarget | None
        if group is not None and _reaches_case(group, case):
            thread_id = case.thread_id if group.id == case.chat_group_id else None
            target = ChatTarget(group.platform, group.chat_id, thread_id)
            text, audience = group_text, "group"
        else:
            target = UserTarget(raw.platform, raw.sender_id) if raw is not None and raw.sender_id else None
            target = target or await reporter_account(session, case, member_id)
            text, audience = private_text, "reporter"
        if target is None or target in sent:
            continue
        sent.add(target)
        notices.append(Reply(target, text, case.id, audience))
    return notices


def _reaches_case(group: ChatGroup, case: Case) -> bool:
    if not group.active or group.kind == ChatKind.PRIVATE:
        return False
    return group.id == case.chat_group_id or (
        group.kind == ChatKind.RESIDENT_GROUP and group.compound_id == case.compound_id
    )
