"""The weekly chart: a CJK font that has every glyph of the labels, and a PNG with the digest."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

from fontTools.ttLib import TTFont
from PIL import Image
from sqlalchemy import select

from handlers.charts import cjk_font_name, cjk_font_path, render_weekly_chart
from handlers.digests import DigestStats
from handlers.directory import create_compound
from models import Notification, NotificationStatus
from nlp.labels import CATEGORY_LABELS, ROUTE_LABELS
from tests.scheduler.conftest import SHANGHAI, Desk, local

FIXED_LABELS = "本周新增工单（按类别）本周新增工单（按承办方）近几周新增工单趋势件月日起无"


def test_cjk_font_has_every_label_glyph():
    path = cjk_font_path()
    with TTFont(str(path), fontNumber=0, lazy=True) as font:
        cmap = font.getBestCmap()

    text = (
        "".join(CATEGORY_LABELS.values())
        + "".join(ROUTE_LABELS.values())
        + FIXED_LABELS
        + "阳光花园每周"
    )
    missing = sorted({ch for ch in text if ord(ch) > 0x2E80 and ord(ch) not in cmap})

    assert "CJK" in cjk_font_name()
    assert missing == []


def test_weekly_chart_renders_png(tmp_path: Path):
    stats = DigestStats(new=6, categories=Counter({"repair": 3, "sanitation": 2, "fund": 1}))
    stats.by_route.update({"property": 5, "committee": 1})
    start = local(2026, 1, 5)
    trend = [
        (start + timedelta(days=7 * i), count) for i, count in enumerate([2, 4, 3, 6, 5, 1, 0, 6])
    ]

    path = render_weekly_chart(
        "阳光花园 每周工单", stats, trend, tmp_path / "week.png", zone=SHANGHAI
    )

    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.size == (1000, 800)
        # A blank or failed drawing would be one colour.
        assert len(image.convert("L").getcolors(maxcolors=1 << 16) or []) > 10


async def test_weekly_digest_carries_chart(desk: Desk):
    await desk.report("5栋楼道灯坏了好几天了", at=local(2026, 3, 4, 9, 30))

    # Monday 9 March is the first working day of its week.
    await desk.sweeper().run_once(local(2026, 3, 9, 8, 31))

    async with desk.services.sessionmaker() as session:
        weekly = await session.scalar(
            select(Notification).where(
                Notification.key == f"digest:weekly:compound:{desk.compound.id}:2026-W11"
            )
        )
    assert weekly is not None
    assert weekly.image_path is not None
    assert Path(weekly.image_path).is_file()
    assert weekly.text.startswith("【每周简报】阳光花园")
    assert "近7天新增工单 1 件" in weekly.text
    # The chart follows the text to the secretary as a picture.
    images = [(target, path) for target, path in desk.console.images if getattr(target, "user_id", "") == "secretary"]
    assert len(images) == 1
    assert str(images[0][1]) == weekly.image_path
    assert any(t.startswith("【每周简报】") for t in desk.sent_to("secretary"))


async def test_dry_run_writes_no_chart(desk: Desk):
    await desk.report("5栋楼道灯坏了好几天了", at=local(2026, 3, 4, 9, 30))

    report = await desk.sweeper(dry_run=True).run_once(local(2026, 3, 9, 8, 31))

    weekly = [d for d in report.drafts if d.key.startswith("digest:weekly:")]
    assert weekly
    assert [d.image_path for d in weekly] == [None] * len(weekly)
    chart_dir = Path(desk.config.chart_dir)
    assert not chart_dir.exists() or list(chart_dir.iterdir()) == []


async def test_digest_without_recipients_gets_no_chart(desk: Desk):
    async with desk.services.sessionmaker() as session, session.begin():
        lonely = await create_compound(session, "无人小区", "XQ0099")
    await desk.report("5栋楼道灯坏了好几天了", at=local(2026, 3, 4, 9, 30))

    await desk.sweeper().run_once(local(2026, 3, 9, 8, 31))

    async with desk.services.sessionmaker() as session:
        rows = {
            n.key: n
            for n in await session.scalars(select(Notification).where(Notification.key.like("digest:weekly:%")))
        }
    staffed = rows[f"digest:weekly:compound:{desk.compound.id}:2026-W11"]
    alone = rows[f"digest:weekly:compound:{lonely.id}:2026-W11"]
    assert staffed.image_path is not None
    assert alone.status == NotificationStatus.NO_RECIPIENT
    assert alone.image_path is None
    assert alone.last_error == f"not sent: compound {lonely.id} (无人小区) has no branch secretary or liaison officer"
    # The staffed compound and its street have charts; nothing was drawn for the other one.
    charts = sorted(path.name for path in Path(desk.config.chart_dir).iterdir())
    assert len(charts) == 2
    assert charts == sorted(Path(n.image_path).name for n in rows.values() if n.image_path)
