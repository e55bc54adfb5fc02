"""Escalation and overdue notices name the limit that ran out and when the next reminder comes."""

from __future__ import annotations

from models import Compound
from tests.helpers import message
from tests.scheduler.conftest import Desk, local

LAMP = "5栋楼道灯坏了好几天了"
OVERDUE = "【超时督办】"


def overdue_texts(desk: Desk, account: str) -> list[str]:
    return [t for t in desk.sent_to(account) if t.startswith(OVERDUE)]


async def say(desk: Desk, text: str, sender: str, at) -> None:  # noqa: ANN001 - a datetime
    await desk.services.pipeline.handle(message(text, sender=sender, at=at), now=at)


async def test_escalation_names_missing_acknowledgement(desk: Desk):
    # Reported on Monday: acknowledge by the end of Tuesday, resolve by the end of 11 March.
    await desk.report(LAMP, at=local(2026, 3, 2, 9, 30))

    assert (await desk.sweeper().run_once(local(2026, 3, 4, 9))).escalations == 1

    [to_committee] = [t for t in desk.sent_to("director") if t.startswith("【督办】")]
    assert "已超过响应时限，仍未受理，现升级至业委会督办" in to_committee
    assert "办结时限" not in to_committee
    assert "请于3月6日（周五）24:00前推动受理。" in to_committee
    [to_firm] = [t for t in desk.sent_to("pm") if t.startswith("【督办提醒】")]
    assert "已超过响应时限，仍未受理，已升级至业委会督办" in to_firm


async def test_escalation_after_resolve_limit(desk: Desk):
    await desk.report(LAMP, at=local(2026, 3, 2, 9, 30))
    await say(desk, "受理 0001", "pm", local(2026, 3, 3, 9))

    # Accepted in time, so only the resolve limit, the end of 11 March, can run out.
    assert (await desk.sweeper().run_once(local(2026, 3, 10, 9))).escalations == 0
    assert (await desk.sweeper().run_once(local(2026, 3, 12, 9))).escalations == 1

    [to_committee] = [t for t in desk.sent_to("director") if t.startswith("【督办】")]
    assert "已超过办结时限，仍未办结，现升级至业委会督办" in to_committee
    assert "前推动办结。" in to_committee


async def test_top_rung_names_missing_acknowledgement(desk: Desk):
    async with desk.services.sessionmaker() as session, session.begin():
        (await session.get_one(Compound, desk.compound.id)).community_id = None
    await desk.report(LAMP, at=local(2026, 3, 2, 9, 30))
    await say(desk, "升级 0001 物业两天没人来", "liaison", local(2026, 3, 3, 10))
    await say(desk, "升级 0001 业委会也没有回音", "liaison", local(2026, 3, 3, 10, 1))

    # Unacknowledged past Tuesday, with no rung above the party branch.
    await desk.sweeper().run_once(local(2026, 3, 4, 9))

    [first] = overdue_texts(desk, "pm")
    assert "已超过响应时限，仍未受理。办结时限为3月11日（周三）24:00。" in first
    assert "已超过办结时限" not in first
    assert "到3月6日（周五）24:00仍未受理的，将再次提醒。" in first

    # Accepted before then, the case is not reminded at that time, as promised.
    await say(desk, "受理 0001", "pm", local(2026, 3, 5, 9))
    await desk.sweeper().run_once(local(2026, 3, 9, 9))
    assert len(overdue_texts(desk, "pm")) == 1

    # Once the resolve limit runs out the reminder comes back, naming that limit.
    await desk.sweeper().run_once(local(2026, 3, 12, 9))
    reminders = overdue_texts(desk, "pm")
    assert len(reminders) == 2
    assert "已超过办结时限，仍未办结。" in reminders[1]
    assert "办结时限为" not in reminders[1]
    assert "到3月16日（周一）24:00仍未办结的，将再次提醒。" in reminders[1]


async def test_top_rung_reminder_waits_for_resolve(desk: Desk):
    async with desk.services.sessionmaker() as session, session.begin():
        (await session.get_one(Compound, desk.compound.id)).community_id = None
    await desk.report(LAMP, at=local(2026, 3, 2, 9, 30))
    await say(desk, "升级 0001 物业两天没人来", "liaison", local(2026, 3, 3, 10))
    await say(desk, "升级 0001 业委会也没有回音", "liaison", local(2026, 3, 3, 10, 1))

    # On Tuesday 10 March the branch's next two working days end on Thursday,
    # after the resolve limit, so the next reminder waits for 办结.
    await desk.sweeper().run_once(local(2026, 3, 10, 9))

    [first] = overdue_texts(desk, "pm")
    assert "已超过响应时限，仍未受理。" in first
    assert "到3月12日（周四）24:00仍未办结的，将再次提醒。" in first


async def test_escalation_masks_contacts(desk: Desk):
    await desk.report("5栋楼道灯坏了，有事打13912345678", at=local(2026, 3, 2, 9, 30))

    await desk.sweeper().run_once(local(2026, 3, 4, 9))

    notices = [t for t in desk.sent_to("director") + desk.sent_to("pm") if "督办" in t or "催办" in t]
    assert any("内容：5栋楼道灯坏了，有事打139****5678" in t for t in notices)
    assert all("13912345678" not in t for t in notices)
