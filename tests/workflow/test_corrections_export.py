"""Every officer correction exported from the case events as one training CSV."""

from __future__ import annotations

from handlers.corrections import export_corrections, write_corrections_csv
from nlp.dataset import LabelledExample, read_examples
from tests.helpers import later
from tests.workflow.desk import STAFF_GROUP, open_desk

BINS = "垃圾桶好几天没人清理了"
LEAK = "3栋2单元1002室厨房天花板漏水了"
JOKE = "楼上邻居天天在家唱歌，比演唱会还热闹哈哈"


async def corrected_desk(desk) -> None:
    """Correct three cases: one in triage, one twice after triage, and one false alarm."""
    await desk.say(BINS, sender="r1")
    await desk.say(LEAK, sender="r2", at=later(1))
    await desk.say(JOKE, sender="r3", at=later(2))
    await desk.say("分类 0001 物业服务", sender="officer", chat_id=STAFF_GROUP, at=later(10))
    await desk.say("分类 0002 环境卫生", sender="officer", chat_id=STAFF_GROUP, at=later(11))
    await desk.say("改类 0002 物业收费", sender="officer", chat_id=STAFF_GROUP, at=later(12))
    await desk.say("改类 0002 设施报修", sender="officer", chat_id=STAFF_GROUP, at=later(13))
    await desk.say("误报 0003", sender="officer", chat_id=STAFF_GROUP, at=later(14))


async def test_export_round_trip(db_url, tmp_path):
    async with open_desk(db_url, triage_threshold=1.0) as desk:
        await corrected_desk(desk)

        async with desk.services.sessionmaker() as session:
            examples = await export_corrections(session)
        written = write_corrections_csv(examples, tmp_path / "corrections.csv")

    assert [e.kind for e in examples] == ["classified", "classified", "recategorized", "recategorized", "not_a_case"]
    assert [e.case_number for e in examples] == ["0001", "0002", "0002", "0002", "0003"]
    assert written == 3
    # The later label of a text wins; texts keep the order they were first corrected in.
    assert read_examples(tmp_path / "corrections.csv") == [
        LabelledExample(BINS, "property_service", "normal", "property"),
        LabelledExample(LEAK, "repair", "normal", "property"),
        LabelledExample(JOKE, "chat", "normal", "none"),
    ]


async def test_export_since(db_url):
    async with open_desk(db_url, triage_threshold=1.0) as desk:
        await corrected_desk(desk)

        async with desk.services.sessionmaker() as session:
            examples = await export_corrections(session, since=later(12))

    assert [e.kind for e in examples] == ["recategorized", "recategorized", "not_a_case"]


async def test_export_replaces_file(db_url, tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    target = folder / "corrections.csv"
    target.write_text("old contents\n", encoding="utf-8")
    async with open_desk(db_url, triage_threshold=1.0) as desk:
        await desk.say(BINS, sender="r1")
        await desk.say("误报 0001", sender="officer", chat_id=STAFF_GROUP, at=later(10))

        async with desk.services.sessionmaker() as session:
            written = write_corrections_csv(await export_corrections(session), target)

    assert written == 1
    assert target.read_text(encoding="utf-8") == f"text,category,urgency,route\n{BINS},chat,normal,none\n"
    assert [path.name for path in folder.iterdir()] == ["corrections.csv"]
