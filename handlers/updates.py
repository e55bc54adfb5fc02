"""Telling people about a change to a case: two audiences for every update.

The reporter and co-reporters get the detailed status in a private message.
The groups the case was reported in get a short progress note with room and
phone numbers masked, so neighbours see that the problem is known and stop
reporting it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.directory import ARCHIVE_PLATFORM, linked_platforms
from handlers.masking import mask_for_group
from handlers.messages import ChatTarget, PartyTarget, Reply, UserTarget
from models import Case, CaseReporter, ChatGroup, ChatKind, Identity, PartyKind, RawMessage


@dataclass(slots=True)
class ReporterAccounts:
    """The accounts that messages to a case's reporters go to.

    Attributes:
        targets: One account per reporter who has one, in join order.
        unreachable: The reporters with no account to send to.
        read_only: The targets that no message can reach: accounts of
            external contacts in the session archive, which sends nothing.
            They stay in `targets`, so their failed delivery is recorded on
            the case and reported to the branch.
    """

    targets: list[UserTarget] = field(default_factory=list)
    unreachable: int = 0
    read_only: int = 0

    @property
    def reachable(self) -> int:
        """Return how many targets a message can reach."""
        return len(self.targets) - self.read_only


async def case_groups(session: AsyncSession, case: Case) -> list[ChatGroup]:
    """Return the active group chats a case was reported in: the case's own chat first, then its co-reporters'.

    A co-reporter's group counts only while it is still bound to the case's
    compound, so a group rebound elsewhere hears nothing more of the case.
    """
    groups: list[ChatGroup] = []
    if case.chat_group_id is not None:
        origin = await session.get(ChatGroup, case.chat_group_id)
        if origin is not None and origin.active and origin.kind != ChatKind.PRIVATE:
            groups.append(origin)
    others = await session.scalars(
        select(ChatGroup)
        .join(RawMessage, RawMessage.chat_group_id == ChatGroup.id)
        .join(CaseReporter, CaseReporter.raw_message_id == RawMessage.id)
        .where(
            CaseReporter.case_id == case.id,
            ChatGroup.active.is_(True),
            ChatGroup.kind == ChatKind.RESIDENT_GROUP,
            ChatGroup.compound_id == case.compound_id,
        )
        .order_by(CaseReporter.joined_at, CaseReporter.id)
    )
    for group in others:
        if all(group.id != known.id for known in groups):
            groups.append(group)
    return groups


async def reporter_accounts(
    session: AsyncSession, case: Case, *, exclude_member_id: int | None = None
) -> ReporterAccounts:
    """Return the account each reporter of a case reported with, in join order.

    Residents of one compound write on different platforms, so a case opened
    in a Telegram group may have a co-reporter on WeCom. Each reporter gets
    the message on the platform of their own report. A reporter row without its
    message falls back to the member's account on the platform of the
    case's chat, then to the member's first account.
    """
    query = (
        select(CaseReporter.member_id, RawMessage.platform, RawMessage.sender_id)
        .outerjoin(RawMessage, RawMessage.id == CaseReporter.raw_message_id)
        .where(CaseReporter.case_id == case.id)
        .order_by(CaseReporter.joined_at, CaseReporter.id)
    )
    if exclude_member_id is not None:
        query = query.where(CaseReporter.member_id != exclude_member_id)
    accounts = ReporterAccounts()
    for member_id, platform, sender_id in (await session.execute(query)).all():
        if platform is not None and sender_id:
            target: UserTarget | None = UserTarget(platform, sender_id)
        else:
            target = await reporter_account(session, case, member_id)
        if target is None:
            accounts.unreachable += 1
            continue
        accounts.targets.append(target)
        if target.platform != ARCHIVE_PLATFORM:
            continue
        # NOTE: an archive account of a corp member counts as reachable
        # through the WeCom app, even where the app is not configured.
        if not await linked_platforms(session, ARCHIVE_PLATFORM, target.user_id):
            accounts.read_only += 1
    return accounts


async def reporter_account(session: AsyncSession, case: Case, member_id: int) -> UserTarget | None:
    """Return a reporter's account on the platform of the case's chat, else their first account, else None.

    For a reporter whose report row has lost its message, so the account
    they reported with is unknown.
    """
    platform = None
    if case.chat_group_id is not None:
        platform = await session.scalar(select(ChatGroup.platform).where(ChatGroup.id == case.chat_group_id))
    rows = (
        await session.execute(
            select(Identity.platform, Identity.platform_user_id)
            .where(Identity.member_id == member_id)
            .order_by(Identity.id)
        )
    ).all()
    preferred = [row for row in rows if row[0] == platform] or rows
    if not preferred:
        return None
    return UserTarget(*preferred[0])


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
        group_note: The short note for the case's groups; masked here.
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
    for group in await case_groups(session, case):
        # Only the case's own group has a known forum topic: the one it was
        # reported in. Other groups of its reporters get the note in General.
        thread_id = case.thread_id if group.id == case.chat_group_id else None
        if group.id == skip_chat_id and thread_id == skip_thread_id:
            continue
        target = ChatTarget(group.platform, group.chat_id, thread_id)
        replies.append(Reply(target, mask_for_group(group_note), case.id, "group"))
    if detail is not None:
        accounts = await reporter_accounts(session, case, exclude_member_id=exclude_member_id)
        replies.extend(Reply(target, detail, case.id, "reporter") for target in accounts.targets)
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
