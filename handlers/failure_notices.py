"""The 【发送失败】 notice: which message of a case did not arrive, and whom the officer should contact instead."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.masking import mask_name
from handlers.replies import staff_summary
from models import Case, ChatGroup, Delivery, Identity, Member

# Characters of the undelivered text quoted in the notice.
QUOTED_CHARS = 40
# The platform of staff group robots, which are named in WECOM_WEBHOOK_KEYS.
GROUP_ROBOT_PLATFORM = "wecom_webhook"


@dataclass(frozen=True, slots=True)
class Recipient:
    """The recipient of an undelivered message, as the liaison officer reads it.

    Attributes:
        label: The recipient after 发给 or 发到: 反映人王**, 群“阳光花园业主群”.
        action: What the officer should do instead, such as 请人工联系该反映人.
    """

    label: str
    action: str


async def recipient_of(session: AsyncSession, delivery: Delivery) -> Recipient:
    """Describe the recipient of a delivery by the audience it was meant for.

    Reporters' names are masked as in the notices to the parties. The
    officer finds the full name in the case's record, with 查询 in a private chat.
    """
    if delivery.audience == "group":
        title = await session.scalar(
            select(ChatGroup.title).where(
                ChatGroup.platform == delivery.platform, ChatGroup.chat_id == delivery.target_id
            )
        )
        where = f"群“{title}”" if title else "居民群"
        return Recipient(f"发到{where}", "请人工在群里告知进展")
    name = await _member_name(session, delivery)
    if delivery.audience == "reporter":
        label = f"反映人{mask_name(name)}" if name else "一位反映人"
        return Recipient(f"发给{label}", "请人工联系该反映人")
    if delivery.audience == "party":
        if delivery.platform == GROUP_ROBOT_PLATFORM:
            return Recipient(f"发到工作群“{delivery.target_id}”", "请人工转告承办方")
        label = f"承办方工作人员{name}" if name else "承办方工作人员"
        return Recipient(f"发给{label}", "请人工转告")
    return Recipient("", "请人工联系相关人员")


async def _member_name(session: AsyncSession, delivery: Delivery) -> str:
    if delivery.target_kind != "user":
        return ""
    name = await session.scalar(
        select(Member.display_name)
        .join(Identity, Identity.member_id == Member.id)
        .where(Identity.platform == delivery.platform, Identity.platform_user_id == delivery.target_id)
    )
    return name or ""


def failure_notice(case: Case, channel: str, recipient: Recipient | None, text: str | None) -> str:
    """Build the 【发送失败】 notice for the branch.

    Args:
        case: The case the message was about.
        channel: The platform as staff know it, such as 企业微信.
        recipient: Who the message was for, or None when unknown.
        text: The undelivered text to quote, or None for a text with
            personal data, which the notice does not repeat.
    """
    head = f"【发送失败】{case.compound.name} 工单 {case.number} "
    if recipient is None or not recipient.label:
        action = recipient.action if recipient is not None else "请人工联系相关人员"
        return f"{head}有一条消息未能通过{channel}送达，{action}。"
    quoted = f"：“{staff_summary(text, QUOTED_CHARS)}”" if text else ""
    return (
        f"{head}{recipient.label}的消息未能通过{channel}送达{quoted}。"
        f"{recipient.action}，发送“查询 {case.number}”可在办理记录中查看未送达的消息。"
    )
