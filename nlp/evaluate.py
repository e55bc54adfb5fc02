"""Evaluation of the classifier, and of both baselines, on a labelled CSV."""

from __future__ import annotations

import logging
from pathlib import Path

from nlp.argparse_zh import display_width
from nlp.bootstrap import LEVEL, ROUNDS, intervals, paired_wins
from nlp.classifier import Classifier
from nlp.dataset import LabelledExample, read_examples
from nlp.findings import Finding
from nlp.labels import CATEGORY_LABELS, CHAT, default_route
from nlp.metrics import Prediction, score, worst_confusions
from nlp.train import DATA_DIR, training_files

logger = logging.getLogger("nlp")

# Metrics compared against the baselines; for chat_case_rate lower is better.
HEADLINE = (
    "macro_f1",
    "route_accuracy",
    "urgent_recall",
    "urgent_precision",
    "chat_case_rate",
)


def predict(findings: list[Finding]) -> Prediction:
    """Reduce a message's findings to the scored fields.

    The first (primary) finding gives category and route; the message is
    urgent if any finding is, and opens a case if any finding is actionable.
    """
    primary = findings[0]
    if primary.category == CHAT:
        route = "none"
    else:
        route = default_route(primary.category, external=primary.external)
    return Prediction(
        category=primary.category,
        route=route,
        urgent=any(finding.urgent for finding in findings),
        opens_case=any(finding.actionable for finding in findings),
    )


def _ratios(ours: dict[str, object], theirs: dict[str, object]) -> dict[str, float | None]:
    ratios: dict[str, float | None] = {}
    for key in HEADLINE:
        mine, other = ours[key], theirs[key]
        if isinstance(mine, float) and isinstance(other, float) and other:
            ratios[key] = mine / other
        else:
            ratios[key] = None
    return ratios


def evaluate_examples(
    examples: list[LabelledExample],
    classifier: Classifier,
    baselines: bool = True,
    training: list[LabelledExample] | None = None,
) -> dict[str, object]:
    """Score the classifier (and optionally the baselines) on labelled examples.

    Args:
        examples: The labelled messages to score.
        classifier: A loaded classifier.
        baselines: Also train and score the keyword and TF-IDF baselines.
        training: The examples the TF-IDF baseline learns from; None reads
            the project's training CSVs.

    Returns:
        The metrics of nlp.metrics.score, plus "worst_confusions" and
        "intervals" (bootstrap intervals of macro-F1 and route accuracy).
        With baselines, also "baselines" (their metrics), "ratios" (ours
        divided by theirs for each headline metric) and "wins" (the share
        of resamples in which ours scores at least as high as each
        baseline).
    """
    predictions = [predict(classifier.classify(example.text)) for example in examples]
    report = score(examples, predictions)
    report["worst_confusions"] = worst_confusions(report["confusion"])  # type: ignore[arg-type]
    if examples:
        report["intervals"] = intervals(examples, predictions)
    if not baselines:
        return report

    from nlp.baselines import KeywordBaseline, TfidfBaseline

    if training is None:
        training = [e for path in training_files(DATA_DIR) for e in read_examples(path)]
    keyword = KeywordBaseline()
    tfidf = TfidfBaseline(training)
    texts = [example.text for example in examples]
    baseline_predictions = {
        "keyword": [keyword.predict(text) for text in texts],
        "tfidf_lr": tfidf.predict_many(texts),
    }
    baseline_reports = {name: score(examples, guesses) for name, guesses in baseline_predictions.items()}
    report["baselines"] = {
        name: {key: value for key, value in result.items() if key != "confusion"}
        for name, result in baseline_reports.items()
    }
    report["ratios"] = {name: _ratios(report, result) for name, result in baseline_reports.items()}
    if examples:
        report["wins"] = {
            name: paired_wins(examples, predictions, guesses) for name, guesses in baseline_predictions.items()
        }
    return report


def evaluate_file(path: Path, model_path: str | Path | None = None, baselines: bool = True) -> dict[str, object]:
    """Load the classifier and evaluate it on a labelled CSV file.

    Args:
        path: CSV with columns text, category, urgency, route (others ignored).
        model_path: A model file; None uses the shipped model.
        baselines: Also train and score the two baselines.
    """
    examples = read_examples(path)
    logger.info("evaluating on %d examples from %s", len(examples), path)
    return evaluate_examples(examples, Classifier.load(model_path), baselines=baselines)


def _number(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, float) else "无"


# Chinese names of the headline metrics and the baselines, as the report prints them.
_METRIC_LABELS = {
    "macro_f1": "宏平均F1",
    "route_accuracy": "承办方准确率",
    "urgent_recall": "紧急召回率",
    "urgent_precision": "紧急精确率",
    "chat_case_rate": "闲聊误立案率",
}
_BASELINE_LABELS = {"keyword": "关键词基线", "tfidf_lr": "TF-IDF基线"}
# The widest category label (维修基金与公共收益) takes 18 columns.
_LABEL_COLUMNS = 20
# Confusion-matrix columns show the first four characters of a category label.
_SHORT_LABEL_CHARS = 4


def _left(text: str, width: int) -> str:
    """Pad `text` on the right to `width` terminal columns, counting CJK characters as two."""
    return text + " " * max(width - display_width(text), 0)


def _right(text: str, width: int) -> str:
    """Pad `text` on the left to `width` terminal columns, counting CJK characters as two."""
    return " " * max(width - display_width(text), 0) + text


def _category(key: str) -> str:
    return CATEGORY_LABELS.get(key, key)


def _spread_lines(report: dict[str, object]) -> list[str]:
    """Describe the bootstrap intervals and the paired comparison with each baseline."""
    spread: dict[str, tuple[float, float]] = report.get("intervals", {})  # type: ignore[assignment]
    if not spread:
        return []
    ranges = "，".join(f"{_METRIC_LABELS[key]} {low:.3f}～{high:.3f}" for key, (low, high) in spread.items())
    lines = ["", f"重抽样区间（自助法 {ROUNDS} 次，{LEVEL:.0%}）：{ranges}"]
    wins: dict[str, dict[str, float]] = report.get("wins", {})  # type: ignore[assignment]
    for name, shares in wins.items():
        parts = "，".join(f"{_METRIC_LABELS[key]} {share:.1%}" for key, share in shares.items())
        lines.append(f"本模型不低于{_BASELINE_LABELS.get(name, name)}的重抽样占比：{parts}")
    return lines


def format_report(report: dict[str, object]) -> str:
    """Render an evaluation report as plain Chinese text for a terminal."""
    lines = [f"评测消息 {report['n']} 条（其中紧急 {report['urgent_n']} 条）", ""]
    baselines = report.get("baselines", {})
    header = _left("指标", _LABEL_COLUMNS) + _right("本模型", 9)
    for name in baselines:  # type: ignore[union-attr]
        header += _right(_BASELINE_LABELS.get(name, name), 13) + _right("比值", 8)
    lines.append(header)
    for key in HEADLINE:
        line = _left(_METRIC_LABELS[key], _LABEL_COLUMNS) + _right(_number(report[key]), 9)
        for name, result in baselines.items():  # type: ignore[union-attr]
            ratio = report["ratios"][name][key]  # type: ignore[index]
            line += _right(_number(result[key]), 13) + _right(_number(ratio), 8)
        lines.append(line)
    lines.append("闲聊误立案率越低越好；比值为本模型除以基线。" if baselines else "闲聊误立案率越低越好。")
    lines += _spread_lines(report)

    lines += [
        "",
        _left("类别", _LABEL_COLUMNS)
        + _right("精确率", 10)
        + _right("召回率", 8)
        + _right("F1", 7)
        + _right("条数", 6),
    ]
    for category, row in report["per_category"].items():  # type: ignore[union-attr]
        lines.append(
            _left(_category(category), _LABEL_COLUMNS)
            + f"{row['precision']:>10.3f}{row['recall']:>8.3f}{row['f1']:>7.3f}{row['support']:>6}"
        )

    lines += ["", "最常见的错分（标注 -> 预测：条数）"]
    for gold, predicted, count in report["worst_confusions"]:  # type: ignore[union-attr]
        lines.append(f"  {_category(gold)} -> {_category(predicted)}：{count}")

    lines += ["", "混淆矩阵（行：标注类别，列：预测类别）"]
    confusion: dict[str, dict[str, int]] = report["confusion"]  # type: ignore[assignment]
    columns = sorted({c for row in confusion.values() for c in row} | set(confusion))
    short = {c: _category(c)[:_SHORT_LABEL_CHARS] for c in columns}
    lines.append(" " * _LABEL_COLUMNS + "".join(_right(short[c], 10) for c in columns))
    for gold in columns:
        row = confusion.get(gold, {})
        lines.append(_left(_category(gold), _LABEL_COLUMNS) + "".join(f"{row.get(c, 0):>10}" for c in columns))
    return "\n".join(lines)
