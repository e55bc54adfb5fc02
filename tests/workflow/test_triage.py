"""分类: the liaison officer picks the category of a case the classifier was unsure of."""

from __future__ import annotations

from handlers.commands import triage
from handlers.corrections import export_corrections, write_corrections_csv
from models import CaseStatus
from nlp.corrections import Correction, read_corrections
from tests.workflow.desk import STAFF_GROUP, open_desk

UNCLEAR = "垃圾桶好几天没人清理了"


async def test_officer_classifies_triage_case(db_url):
    # A threshold of 1 sends every finding to triage, whatever the model's confidence.
    async with open_desk(db_url, triage_threshold=1.0) as desk:
        opened = await desk.say(UNCLEAR, sender="r1")
        assert (await desk.case(1)).status == CaseStatus.TRIAGE
        assert any("【待分类】" in r for r in desk.last_to_user("officer"))
        assert any("小区专员确认类别后将尽快派单" in r for r in opened)

        replies = await desk.say("分类 0001 物业服务", sender="officer", chat_id=STAFF_GROUP)

        case = await desk.case(1)
        event = (await desk.events(1))[-1]
        assert case.status == CaseStatus.NEW
        assert case.category == "property_service"
        assert case.route == "property"
        assert "已确认为“物业服务”" in replies[0]
        assert event.kind == "classified"
        assert event.data["text"] == UNCLEAR
        assert event.data["label"] == "property_service"
        assert event.data["previous_label"] == "sanitation"
        assert any("【新工单】" in r for r in desk.last_to_user("wang"))
        assert any("已确认为“物业服务”" in r for r in desk.last_to_group("group-1"))


async def test_correction_appended_for_retraining(db_url, tmp_path):
    async with open_desk(db_url, triage_threshold=1.0, data_dir=tmp_path) as desk:
        await desk.say(UNCLEAR, sender="r1")

        await desk.say("分类 0001 物业服务", sender="officer")

        rows = read_corrections(tmp_path / "corrections.csv")
        assert rows == [Correction(UNCLEAR, "property_service", "normal", "property")]


async def test_failed_command_appends_no_correction(db_url, tmp_path, monkeypatch):
    async with open_desk(db_url, triage_threshold=1.0, data_dir=tmp_path) as desk:
        await desk.say(UNCLEAR, sender="r1")

        async def reply_fails(*args, **kwargs):
            raise RuntimeError("sending the confirmation failed")

        monkeypatch.setattr(triage, "respond", reply_fails)
        await desk.say("分类 0001 物业服务", sender="officer")

        assert (await desk.case(1)).status == CaseStatus.TRIAGE
        assert read_corrections(tmp_path / "corrections.csv") == []

        monkeypatch.undo()
        await desk.say("分类 0001 物业服务", sender="officer")

        rows = read_corrections(tmp_path / "corrections.csv")
        assert rows == [Correction(UNCLEAR, "property_service", "normal", "property")]


async def test_corrections_export_from_events(db_url, tmp_path):
    async with open_desk(db_url, triage_threshold=1.0, data_dir=tmp_path) as desk:
        await desk.say(UNCLEAR, sender="r1")
        await desk.say("分类 0001 物业服务", sender="officer")

        async with desk.services.sessionmaker() as session:
            examples = await export_corrections(session)
        written = write_corrections_csv(examples, tmp_path / "export" / "corrections.csv")

        assert written == 1
        assert examples[0].case_number == "0001"
        assert examples[0].previous_label == "sanitation"
        exported = (tmp_path / "export" / "corrections.csv").read_text(encoding="utf-8")
        assert exported.splitlines() == [
            "text,category,urgency,route",
            f"{UNCLEAR},property_service,normal,property",
        ]


async def test_unknown_category_refused(db_url):
    async with open_desk(db_url, triage_threshold=1.0) as desk:
        await desk.say(UNCLEAR, sender="r1")

        replies = await desk.say("分类 0001 修东西", sender="officer")

        assert "“修东西”不是已知的类别" in replies[0]
        assert (await desk.case(1)).status == CaseStatus.TRIAGE


async def test_resident_cannot_classify(db_url):
    async with open_desk(db_url, triage_threshold=1.0) as desk:
        await desk.say(UNCLEAR, sender="r1")

        replies = await desk.say("分类 0001 环境卫生", sender="r1")

        assert "可以确认工单类别" in replies[0]
        assert (await desk.case(1)).status == CaseStatus.TRIAGE


async def test_triage_listing_for_officer(db_url):
    async with open_desk(db_url, triage_threshold=1.0) as desk:
        await desk.say(UNCLEAR, sender="r1")

        listing = await desk.say("工单列表 待分类", sender="officer", chat_id=STAFF_GROUP)

        assert listing[0].startswith("阳光花园待分类工单")
        assert "0001" in listing[0]


async def test_triage_listing_names_no_party(db_url):
    # Until the officer picks the category, no party has the case, as 查询 shows.
    async with open_desk(db_url, triage_threshold=1.0) as desk:
        await desk.say(UNCLEAR, sender="r1")

        for filter_word in ("待分类", ""):
            listing = await desk.say(f"工单列表 {filter_word}".strip(), sender="officer", chat_id=STAFF_GROUP)

            [line] = [row for row in listing[0].splitlines() if "0001" in row]
            assert "待小区专员确认" in line
            assert "物业服务中心" not in line
            assert "党支部" not in line
            assert "待分类 待分类" not in line


async def test_triage_case_shows_no_dispatch(db_url):
    async with open_desk(db_url, triage_threshold=1.0) as desk:
        await desk.say(UNCLEAR, sender="r1")

        status = await desk.say("查询 0001", sender="r1", chat_id="r1", private=True)
        limits = await desk.say("时限 0001", sender="r1", chat_id="r1", private=True)

        assert "工单 0001（待分类）" in status[0]
        assert "状态：待分类；承办：待小区专员确认" in status[0]
        assert "物业服务中心" not in status[0]
        assert "环境卫生" not in status[0]
        assert "尚待小区专员确认类别" in limits[0]
        assert "暂不计时" in limits[0]
        assert "期限" not in limits[0]


async def test_detail_in_triage_reaches_party_after_triage(db_url):
    async with open_desk(db_url, triage_threshold=1.0) as desk:
        await desk.say(UNCLEAR, sender="r1")

        added = await desk.say("补充 0001 垃圾已经堆到楼道口了", sender="r1", chat_id="r1", private=True)
        party_before = desk.last_to_user("wang")
        await desk.say("分类 0001 物业服务", sender="officer", chat_id=STAFF_GROUP)
        party_after = desk.last_to_user("wang")

        assert added == ["已收到，补充信息已记入工单 0001。工单尚待小区专员确认类别，派单后将一并转给承办方。"]
        assert party_before == []
        assert len(party_after) == 1
        assert party_after[0].startswith("【新工单】")
        assert "补充信息：垃圾已经堆到楼道口了" in party_after[0]


async def test_listing_filter_without_space(db_url):
    async with open_desk(db_url, triage_threshold=1.0) as desk:
        await desk.say(UNCLEAR, sender="r1")

        listing = await desk.say("工单列表待分类", sender="officer", chat_id=STAFF_GROUP)

        assert listing[0].startswith("阳光花园待分类工单")
