"""非本方职责 for a case that leaves the compound: who takes it on, and the notices sent about it.

A case none of the compound's parties should handle is closed for the
compound, but someone still has to carry it on. "转街道" and "转社区" hand it
to the street tri-party office or the community office when they have
registered staff. Anything else (a department, a utility, no target at all)
goes to the liaison officer, who hands it on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from handlers import workflow
from handlers.commands.base import CommandContext
from handlers.commands.common import respond, sender_accounts
from handlers.ladder import Target, rung_targets
from handlers.messages import Reply, UserTarget
from handlers.replies import group_excerpt, party_name, update_for_group, update_for_party, update_for_reporter
from handlers.rungs import Rung
from models import Case

# The words that name the community or the street office after 转.
_OFFICE_WORDS: dict[Rung, tuple[str, ...]] = {
    Rung.STREET: ("街道", "三方办"),
    Rung.COMMUNITY: ("社区", "居委"),
}
# 转, 转交, 转到 or 转给 before the target.
_TRANSFER_VERB = re.compile(r"^转[交到给]?")
_OFFICE_LABELS = {Rung.STREET: "街道三方办", Rung.COMMUNITY: "社区"}
OFFICER_LABEL = "小区专员"


@dataclass(frozen=True, slots=True)
class Destination:
    """The destination of a case that leaves the compound's parties.

    Attributes:
        holder: Who takes the case on, as residents read it: 街道三方办, 社区 or 小区专员.
        onward: Where the holder hands it on ("" when the holder handles it).
        targets: The accounts of the street or community staff; empty when
            the liaison officer takes it through the party branch.
    """

    holder: str
    onward: str
    targets: list[Target] = field(default_factory=list)


def split_target(rest: str) -> tuple[str, str]:
    """Split "转街道 不归物业管" (or "转 街道 …") into the target word and the reason.

    A text that does not start with 转 has no target, and all of it is the reason.
    """
    head, _, tail = rest.partition(" ")
    if head == "转":
        head, _, tail = tail.strip().partition(" ")
        head = "转" + head
    target = _TRANSFER_VERB.sub("", head, count=1)
    if not head.startswith("转") or not target:
        return "", rest.strip()
    return target, tail.strip()


async def destination_for(ctx: CommandContext, case: Case, target: str) -> Destination:
    """Find who takes a case that leaves the compound: the office named, or else the liaison officer."""
    for rung, words in _OFFICE_WORDS.items():
        if not any(word in target for word in words):
            continue
        targets = await rung_targets(ctx.session, case, rung)
        if targets:
            return Destination(_OFFICE_LABELS[rung], "", targets)
        # An office with no registered staff cannot read a notice, so the
        # liaison officer carries the case there.
        return Destination(OFFICER_LABEL, _OFFICE_LABELS[rung])
    return Destination(OFFICER_LABEL, target or "相关部门")


async def hand_outside(ctx: CommandContext, case: Case, rest: str) -> list[Reply]:
    """Close a case as not the compound's duty and tell the one who takes it on."""
    target, reason = split_target(rest)
    previous = party_name(case)
    workflow.not_our_duty(ctx.session, case, actor=ctx.member, now=ctx.now, reason=rest)
    destination = await destination_for(ctx, case, target)
    reason = reason or rest
    if destination.onward:
        phrase = f"不属于小区内部职责，由{destination.holder}负责转交{destination.onward}。"
        request = f"请小区专员转交{destination.onward}跟进，并告知反映人去向。"
    else:
        phrase = f"不属于小区内部职责，已转交{destination.holder}。"
        request = f"请{destination.holder}接手协调。"
    handing_note = update_for_party(case, f"非本方职责·转交{destination.holder}", f"{previous}：{reason}。{request}")

    branch_note = handing_note
    office_replies: list[Reply] = []
    if destination.targets:
        branch_note = update_for_party(case, "非本方职责", f"{previous}已转交{destination.holder}：{reason}")
        own_accounts = await sender_accounts(ctx)
        for account in destination.targets:
            if (account["platform"], account["user_id"]) in own_accounts:
                continue
            user = UserTarget(account["platform"], account["user_id"])
            office_replies.append(Reply(user, handing_note, case.id, "officer"))

    replies = await respond(
        ctx,
        case,
        confirmation=(
            f"工单 {case.number} 已标记为非本方职责，已通知{destination.holder}"
            f"{'转交' + destination.onward if destination.onward else ''}。"
        ),
        group_note=update_for_group(case, f"{phrase}说明：{group_excerpt(case, reason)}。"),
        detail=update_for_reporter(case, phrase, reason, holder=destination.holder),
        branch_note=branch_note,
        told="去向",
    )
    return replies + office_replies

