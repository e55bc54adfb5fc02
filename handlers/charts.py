"""The weekly digest chart: cases by category, by party, and the trend over the weeks.

Matplotlib's bundled DejaVu fonts have no Chinese glyphs, so labels would
render as empty boxes. The chart uses Noto Sans CJK SC as shipped in the
`mplfonts` package (a PyPI dependency), loaded from its file so no system
font package is needed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager  # noqa: E402 - the backend must be chosen first
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from handlers.digests import DigestStats  # noqa: E402
from nlp.labels import CATEGORY_LABELS, ROUTE_LABELS  # noqa: E402

log = logging.getLogger("handlers.charts")

CJK_FONT_FILE = "NotoSansCJKsc-Regular.otf"


@cache
def cjk_font_path() -> Path:
    """Return the path of the bundled CJK font and register it with matplotlib.

    Raises:
        FileNotFoundError: The mplfonts package is installed without its fonts.
    """
    path = Path(str(resources.files("mplfonts") / "fonts" / CJK_FONT_FILE))
    if not path.is_file():
        msg = f"CJK font {CJK_FONT_FILE} not found in the mplfonts package at {path}; reinstall mplfonts"
        raise FileNotFoundError(msg)
    font_manager.fontManager.addfont(str(path))
    return path


def cjk_font_name() -> str:
    return font_manager.FontProperties(fname=str(cjk_font_path())).get_name()


def render_weekly_chart(
    title: str,
    stats: DigestStats,
    trend: Sequence[tuple[datetime, int]],
    path: Path,
    *,
    zone: ZoneInfo,
) -> Path:
    """Draw the weekly chart as a PNG at `path` and return the path."""
    family = cjk_font_name()
    figure = Figure(figsize=(10, 8), dpi=100)
    figure.suptitle(title, fontfamily=family, fontsize=15)
    by_category, by_party, over_time = figure.subplots(3, 1)

    categories = stats.categories.most_common()
    _bars(
        by_category,
        [CATEGORY_LABELS.get(k, k) for k, _ in categories],
        [v for _, v in categories],
        family,
    )
    by_category.set_title("本周新增工单（按类别）", fontfamily=family)

    routes = sorted(stats.by_route.items())
    _bars(by_party, [ROUTE_LABELS.get(k, k) for k, _ in routes], [v for _, v in routes], family)
    by_party.set_title("本周新增工单（按承办方）", fontfamily=family)

    labels = [
        f"{start.astimezone(zone).month}月{start.astimezone(zone).day}日起" for start, _ in trend
    ]
    over_time.plot(range(len(trend)), [count for _, count in trend], marker="o", color="#c0392b")
    over_time.set_xticks(range(len(trend)), labels, fontfamily=family, fontsize=8)
    over_time.set_title("近几周新增工单趋势", fontfamily=family)
    over_time.set_ylabel("件", fontfamily=family)
    over_time.yaxis.set_major_locator(MaxNLocator(integer=True))

    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png")
    log.debug("weekly chart written to %s", path)
    return path


def _bars(axes, labels: list[str], values: list[int], family: str) -> None:  # noqa: ANN001 - matplotlib Axes
    if not labels:
        axes.text(0.5, 0.5, "本周无新增工单", ha="center", va="center", fontfamily=family)
        axes.set_xticks([])
        axes.set_yticks([])
        return
    axes.bar(range(len(labels)), values, color="#2e86c1")
    axes.set_xticks(range(len(labels)), labels, fontfamily=family, fontsize=9)
    axes.set_ylabel("件", fontfamily=family)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
