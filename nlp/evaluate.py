"""Evaluation of the classifier, and of both baselines, on a labelled CSV."""

from __future__ import annotations

import logging
from pathlib import Path

from nlp.classifier import Classifier
from nlp.dataset import LabelledExample, read_examples
from nlp.findings import Finding
from nlp.labels import CHAT, default_route
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
        The metrics of nlp.metrics.score, plus "worst_confusions" and, with
        baselines, "baselines" (their metrics) and "ratios" (ours divided by
        theirs for each headline metric).
    """
    predictions = [predict(classifier.classify(example.text)) for example in examples]
    report = score(examples, predictions)
    report["worst_confusions"] = worst_confusions(report["confusion"])  # type: ignore[arg-type]
    if not baselines:
        return report

    from nlp.baselines import KeywordBaseline, TfidfBaseline

    if training is None:
        training = [e for path in training_files(DATA_DIR) for e in read_examples(path)]
    keyword = KeywordBaseline()
    tfidf = TfidfBaseline(training)
    texts = [example.text for example in examples]
    baseline_reports = {
        "keyword": score(examples, [keyword.predict(text) for text in texts]),
        "tfidf_lr": score(examples, tfidf.predict_many(texts)),
    }
    report["baselines"] = {
        name: {key: value for key, value in result.items() if key != "confusion"}
        for name, result in baseline_reports.items()
    }
    report["ratios"] = {name: _ratios(report, result) for name, result in baseline_reports.items()}
    return report


def evaluate_file(
    path: Path, model_path: str | Path | None = None, baselines: bool = True
) -> dict[str, object]:
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
    return f"{value:.3f}" if isinstance(value, float) else "n/a"


def format_report(report: dict[str, object]) -> str:
    """Render an evaluation report as plain text for a terminal."""
    lines = [f"messages: {report['n']} (urgent: {report['urgent_n']})", ""]
    baselines = report.get("baselines", {})
    header = f"{'metric':<18}{'model':>9}"
    for name in baselines:  # type: ignore[union-attr]
        header += f"{name:>11}{'ratio':>8}"
    lines.append(header)
    for key in HEADLINE:
        line = f"{key:<18}{_number(report[key]):>9}"
        for name, result in baselines.items():  # type: ignore[union-attr]
            ratio = report["ratios"][name][key]  # type: ignore[index]
            line += f"{_number(result[key]):>11}{_number(ratio):>8}"
        lines.append(line)

    lines += ["", f"{'category':<18}{'precision':>10}{'recall':>8}{'f1':>7}{'n':>6}"]
    for category, row in report["per_category"].items():  # type: ignore[union-attr]
        lines.append(
            f"{category:<18}{row['precision']:>10.3f}{row['recall']:>8.3f}"
            f"{row['f1']:>7.3f}{row['support']:>6}"
        )

    lines += ["", "worst confusions (label -> predicted: count)"]
    for gold, predicted, count in report["worst_confusions"]:  # type: ignore[union-attr]
        lines.append(f"  {gold} -> {predicted}: {count}")

    lines += ["", "confusion matrix (rows: label, columns: predicted)"]
    confusion: dict[str, dict[str, int]] = report["confusion"]  # type: ignore[assignment]
    columns = sorted({c for row in confusion.values() for c in row} | set(confusion))
    short = {c: c[:6] for c in columns}
    lines.append(" " * 18 + "".join(f"{short[c]:>7}" for c in columns))
    for gold in columns:
        row = confusion.get(gold, {})
        lines.append(f"{gold:<18}" + "".join(f"{row.get(c, 0):>7}" for c in columns))
    return "\n".join(lines)
