"""The 【发送失败】 notice: which message of a case did not arrive, and whom the officer should contact instead."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.masking import mask_name
from handlers.replies import staff_summary
from models import Case, ChatGroup, Delivery, Identity, Member

# Characters of the undelivered text quoted in the notice.
QUOTED_CHARS = 40
# A reporter whose account names no member; several of them are counted, not listed.
UNNAMED_REPORTER = "一位反映人"
# The platform of staff group robots, which are named in WECOM_WEBHOOK_KEYS.
GROUP_ROBOT_PLATFORM = "wecom_webhook"
# The audience of a scheduled notification's deliveries is the notification's
# kind. Reminders go to the acting party, and escalations and overdue
# reminders to staff of several parties and offices (see scheduler.timers).
SCHEDULED_AUDIENCES = {
    "reminder": "party",
    "escalation": "staff",
    "overdue": "staff",
    "rating_reminder": "reporter",
}


@dataclass(frozen=True, slots=True)
class Recipient:
    """The recipient of an undelivered message, as the liaison officer reads it.

    Attributes:
        verb: 发给 for a person, 发到 for a chat; empty when the recipient is unknown.
        name: The recipient after the verb: 反映人王**, 群“阳光花园业主群”.
        action: What the officer should do instead, such as 请人工联系该反映人.
        several_action: The action when more recipients of this kind failed,
            such as 请人工联系这些反映人.
    """

    verb: str
    name: str
    action: str
    several_action: str = ""

    @property
    def label(self) -> str:
        """The recipient as the notice and the case's record name it: 发给反映人王**."""
        return f"{self.verb}{self.name}"


async def recipient_of(session: AsyncSession, delivery: Delivery) -> Recipient:
    """Describe the recipient of a delivery by the audience it was meant for.

    Reporters' names are masked as in the notices to the parties. The
    officer finds the full name in the case's record, with 查询 in a private chat.
    """
    audience = SCHEDULED_AUDIENCES.get(delivery.audience, delivery.audience)
    if audience == "group":
        title = await session.scalar(
            select(ChatGroup.title).where(
                ChatGroup.platform == delivery.platform, ChatGroup.chat_id == delivery.target_id
            )
        )
        where = f"群“{title}”" if title else "居民群"
        return Recipient("发到", where, "请人工在群里告知进展", "请人工在这些群里告知进展")
    name = await _member_name(session, delivery)
    if audience == "reporter":
        label = f"反映人{mask_name(name)}" if name else UNNAMED_REPORTER
        return Recipient("发给", label, "请人工联系该反映人", "请人工联系这些反映人")
    if audience == "party":
        if delivery.platform == GROUP_ROBOT_PLATFORM:
            return Recipient("发到", f"工作群“{delivery.target_id}”", "请人工转告承办方")
        label = f"承办方工作人员{name}" if name else "承办方工作人员"
        return Recipient("发给", label, "请人工转告")
    if audience == "staff":
        if delivery.platform == GROUP_ROBOT_PLATFORM:
            return Recipient("发到", f"工作群“{delivery.target_id}”", "请人工转告")
        return Recipient("发给", f"工作人员{name}" if name else "工作人员", "请人工转告")
    return Recipient("", "", "请人工联系相关人员")


async def _member_name(session: AsyncSession, delivery: Delivery) -> str:
    if delivery.target_kind != "user":
        return ""
    name = await session.scalar(
        select(Member.display_name)
        .join(Identity, Identity.member_id == Member.id)
        .where(Identity.platform == delivery.platform, Identity.platform_user_id == delivery.target_id)
    )
    return name or ""


def failure_notice(
    case: Case,
    channel: str,
    recipients: Sequence[Recipient],
    text: str | None,
    *,
    retrying: Sequence[Recipient] = (),
    follow_up: bool = False,
) -> str:
    """Build the 【发送失败】 notice for the branch.

    Args:
        case: The case the message was about.
        channel: The platform as staff know it, such as 企业微信.
        recipients: Every recipient of the message whose reply failed on
            this platform and no earlier notice named, in the order the
            replies were written. Empty when they are unknown.
        text: The undelivered text to quote, or None for a text with
            personal data, which the notice does not repeat.
        retrying: The recipients whose replies of the same message are
            still being tried. The notice lists them and promises a further
            notice if they fail, so no later notice means they arrived.
        follow_up: An earlier notice listed `recipients` as still retrying,
            and their replies have now failed for good.
    """
    head = f"【发送失败】{case.compound.name} 工单 {case.number} "
    still = _retrying_sentence(retrying)
    known = [r for r in recipients if r.name]
    if not known:
        action = recipients[0].action if recipients else "请人工联系相关人员"
        failed = "有一条消息重试后仍未能" if follow_up else "有一条消息未能"
        return f"{head}{failed}通过{channel}送达，{action}。{still}"
    failed = "重试后仍未能" if follow_up else "未能"
    quoted = f"：“{staff_summary(text, QUOTED_CHARS)}”" if text else ""
    return (
        f"{head}{_recipient_list(known)}的消息{failed}通过{channel}送达{quoted}。"
        f"{_actions(known)}，发送“查询 {case.number}”可在办理记录中查看未送达的消息。{still}"
    )


def _retrying_sentence(retrying: Sequence[Recipient]) -> str:
    """Build the sentence that lists the replies still being tried: 发给反映人李**的消息仍在重试，….

    Recipients without a name are counted, as in 另有2条消息仍在重试.
    """
    if not retrying:
        return ""
    known = [r for r in retrying if r.name]
    unnamed = len(retrying) - len(known)
    if not known:
        messages = f"另有{unnamed}条消息"
    elif unnamed:
        messages = f"{_recipient_list(known)}的消息和另外{unnamed}条消息"
    else:
        messages = f"{_recipient_list(known)}的消息"
    return f"{messages}仍在重试，如最终仍未送达，会另行提醒。"


def _recipient_list(recipients: Sequence[Recipient]) -> str:
    """Name the recipients under their verb: 发到群“一群”和发给反映人王**、反映人李**.

    Two reporters may mask to one name (陈** for 陈明 and 陈红), so named
    recipients are all listed. Unnamed reporters are counted: 发给2位反映人.
    """
    names: dict[str, list[str]] = {}
    for recipient in recipients:
        names.setdefault(recipient.verb, []).append(recipient.name)
    parts = []
    for verb, group in names.items():
        unnamed = group.count(UNNAMED_REPORTER)
        listed = [name for name in group if name != UNNAMED_REPORTER]
        if unnamed > 1:
            listed.append(f"{unnamed}位反映人")
        elif unnamed:
            listed.append(UNNAMED_REPORTER)
        parts.append(f"{verb}{'、'.join(listed)}")
    return "和".join(parts)


def _actions(recipients: Sequence[Recipient]) -> str:
    """Join the distinct actions, in the plural form where several recipients share one."""
    counts: dict[str, int] = {}
    for recipient in recipients:
        counts[recipient.action] = counts.get(recipient.action, 0) + 1
    actions: list[str] = []
    for recipient in recipients:
        several = counts[recipient.action] > 1 and recipient.several_action
        action = recipient.several_action if several else recipient.action
        if action not in actions:
            actions.append(action)
    return "；".join(actions)
