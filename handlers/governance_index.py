"""The micro-governance index (微治理指数): one 0-100 score per compound and period.

The index is the weighted mean of four rates, times 100:

    index = 100 × Σ weight × rate / Σ weight

over the rates that take part. The response, resolution and on-time rates
must each rest on at least MIN_SAMPLE cases, or the compound gets no score
(样本不足) instead of a 0 or 100 drawn from one or two cases. Residents rate
few cases, so a satisfaction rate on fewer than MIN_SAMPLE ratings is left
out and the other weights are scaled up to sum to one. IndexScore.short
lists every rate left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.case_figures import CompoundStatistics
from models import CaseOutcome

# Resolution weighs most because it is what residents reported for; the
# weights are a policy choice of this product, documented in docs/dashboard.zh-CN.md.
WEIGHTS: dict[str, float] = {
    "response": 0.25,
    "resolution": 0.30,
    "satisfaction": 0.25,
    "on_time": 0.20,
}
REQUIRED = ("response", "resolution", "on_time")
MIN_SAMPLE = 5

RATE_NAMES: dict[str, str] = {
    "response": "响应率",
    "resolution": "解决率",
    "satisfaction": "满意率",
    "on_time": "按时办结率",
    "repeat": "重复投诉率",
}


@dataclass(frozen=True, slots=True)
class Fraction:
    """A rate as its two counts, so every display can show both."""

    part: int
    whole: int

    @property
    def value(self) -> float | None:
        return self.part / self.whole if self.whole else None

    def percent(self) -> str:
        """Format as 92.3%, or 无 when the denominator is 0."""
        if not self.whole:
            return "无"
        return f"{self.part * 100 / self.whole:.1f}%"

    def text(self) -> str:
        """Format as 92.3%（120/130）."""
        return f"{self.percent()}（{self.part}/{self.whole}）"


def rates_of(stats: CompoundStatistics) -> dict[str, Fraction]:
    """Return the five rates of a compound's statistics by their keys in RATE_NAMES."""
    return {
        "response": Fraction(stats.responded_in_time, stats.response_due),
        "resolution": Fraction(stats.ended[CaseOutcome.RESOLVED], stats.ended_total),
        "satisfaction": Fraction(stats.satisfied, stats.rated_total),
        "on_time": Fraction(stats.closed_on_time, stats.closed_with_limit),
        "repeat": Fraction(stats.repeated, stats.opened),
    }


@dataclass(frozen=True, slots=True)
class IndexScore:
    """The index of one compound, or None with the rates that lacked a sample."""

    score: float | None
    # Rates below MIN_SAMPLE, in WEIGHTS order; any of REQUIRED here means no score.
    short: tuple[str, ...]

    @property
    def sufficient(self) -> bool:
        return self.score is not None

    def label(self) -> str:
        """Format the score as 87.5, or 样本不足."""
        return "样本不足" if self.score is None else f"{self.score:.1f}"

    def shortfall(self) -> str:
        """Name the required rates below MIN_SAMPLE, e.g. 响应率、按时办结率不足5件."""
        names = "、".join(RATE_NAMES[key] for key in self.short if key in REQUIRED)
        return f"{names}不足{MIN_SAMPLE}件" if names else ""


def governance_index(rates: dict[str, Fraction]) -> IndexScore:
    """Compute the index from the rates that rates_of returns."""
    short = tuple(key for key in WEIGHTS if rates[key].whole < MIN_SAMPLE)
    if any(key in short for key in REQUIRED):
        return IndexScore(None, short)
    used = [key for key in WEIGHTS if key not in short]
    weight_sum = sum(WEIGHTS[key] for key in used)
    weighted = sum(WEIGHTS[key] * (rates[key].value or 0.0) for key in used)
    return IndexScore(round(100 * weighted / weight_sum, 1), short)
