"""Telling people about a change to a case: two audiences for every update.

The reporter and co-reporters get the detailed status in a private message.
The group the case came from gets a short progress note with room and phone
numbers masked, so neighbours see that the problem is known and stop
reporting it again.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.masking import mask_for_group
from handlers.messages import ChatTarget, PartyTarget, Reply, UserTarget
from models import Case, CaseReporter, ChatGroup, ChatKind, Identity, PartyKind


async def case_group(session: AsyncSession, case: Case) -> ChatGroup | None:
    """Return the active group chat a case came from, if any."""
    if case.chat_group_id is None:
        return None
    chat = await session.get(ChatGroup, case.chat_group_id)
    if chat is None or not chat.active or chat.kind == ChatKind.PRIVATE:
        return None
    return chat


async def reporter_targets(
    session: AsyncSession, case: Case, platform: str, *, exclude_member_id: int | None = None
) -> list[UserTarget]:
    """Return the accounts of a case's reporters on one platform, in join order."""
    query = (
        select(Identity.platform_user_id)
        .join(CaseReporter, CaseReporter.member_id == Identity.member_id)
        .where(CaseReporter.case_id == case.id, Identity.platform == platform)
        .order_by(CaseReporter.joined_at, CaseReporter.id)
    )
    if exclude_member_id is not None:
        query = query.where(CaseReporter.member_id != exclude_member_id)
    return [UserTarget(platform, user_id) for user_id in await session.scalars(query)]


async def announce(
    session: AsyncSession,
    case: Case,
    *,
    detail: str | None,
    group_note: str,
    skip_chat_id: int | None = None,
    skip_thread_id: str | None = None,
    exclude_member_id: int | None = None,
    party_note: str | None = None,
    branch_note: str | None = None,
) -> list[Reply]:
    """Build the messages about one change to a case.

    Args:
        session: The open session.
        case: The case that changed.
        detail: The full status for the reporters, sent privately. None
            sends them nothing.
        group_note: The short note for the case's group; masked here.
        skip_chat_id: The chat that already gets the note as the command's reply.
        skip_thread_id: The forum topic of that chat the reply goes to. The
            case's own topic still gets the note when the command came from
            another topic.
        exclude_member_id: The member who made the change, who needs no message.
        party_note: A message for the party now acting on the case.
        branch_note: A message for the party branch (the liaison officer).

    Returns:
        The replies, for the outbox to deliver.
    """
    replies: list[Reply] = []
    group = await case_group(session, case)
    answered_here = group is not None and group.id == skip_chat_id and case.thread_id == skip_thread_id
    if group is not None and not answered_here:
        replies.append(
            Reply(
                ChatTarget(group.platform, group.chat_id, case.thread_id),
                mask_for_group(group_note),
                case.id,
                "group",
            )
        )
    # Reporters are reached on the platform the case came from. That also
    # covers a case reported in a private chat, which has no group.
    origin = await session.get(ChatGroup, case.chat_group_id) if case.chat_group_id else None
    if origin is not None and detail is not None:
        for target in await reporter_targets(
            session, case, origin.platform, exclude_member_id=exclude_member_id
        ):
            replies.append(Reply(target, detail, case.id, "reporter"))
    if party_note and case.party is not None:
        replies.append(
            Reply(PartyTarget(case.party.id, case.party.name), party_note, case.id, "party")
        )
    branch = case.compound.party(PartyKind.PARTY)
    if (
        branch_note
        and branch is not None
        and (case.party is None or branch.id != case.party.id or not party_note)
    ):
        replies.append(Reply(PartyTarget(branch.id, branch.name), branch_note, case.id, "officer"))
    return replies
