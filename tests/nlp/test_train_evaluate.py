from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.sparse import csr_matrix

from nlp import Classifier
from nlp.argparse_zh import display_width
from nlp.data.generate import SEED, generate
from nlp.dataset import LabelledExample, read_examples
from nlp.evaluate import evaluate_examples, format_report
from nlp.labels import CATEGORIES
from nlp.train import (
    DATA_DIR,
    LETTER_WEIGHT,
    _naive_bayes,
    examples_digest,
    letter_like,
    sample_weights,
    train_files,
    training_files,
)

ROWS = [
    ("3栋电梯坏了 物业快来修", "repair", "normal", "property"),
    ("楼道灯不亮好几天了", "repair", "normal", "property"),
    ("物业费凭什么涨价", "fees", "normal", "committee"),
    ("着火了 9栋冒黑烟 快打119", "safety", "urgent", "party"),
    ("旁边工地半夜打桩 吵死了", "noise", "normal", "party"),
    ("大家早上好", "chat", "normal", "none"),
    ("谢谢大家", "chat", "normal", "none"),
    ("业委会什么时候换届", "committee", "normal", "committee"),
]


def _write_csv(path: Path, rows: list[tuple[str, str, str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text", "category", "urgency", "route", "note"])
        for index, row in enumerate(rows):
            writer.writerow([index, *row, ""])


def test_training_data_covers_every_category_and_urgency() -> None:
    examples = [e for path in training_files(DATA_DIR) for e in read_examples(path)]
    assert len(examples) >= 3000
    assert {e.category for e in examples} == set(CATEGORIES)
    assert {e.urgency for e in examples} == {"urgent", "normal"}


def test_generator_is_deterministic() -> None:
    first = [e.text for e in generate(SEED)]
    second = [e.text for e in generate(SEED)]
    assert first == second


def test_shipped_examples_match_generator() -> None:
    shipped = read_examples(DATA_DIR / "examples.csv")
    assert [e.text for e in shipped] == [e.text for e in generate(SEED)]


def test_training_is_deterministic(tmp_path: Path) -> None:
    # Every fifth example keeps the test quick and still covers every category.
    examples = [e for path in training_files(DATA_DIR) for e in read_examples(path)][::5]
    subset = tmp_path / "subset.csv"
    _write_csv(subset, [(e.text, e.category, e.urgency, e.route) for e in examples])
    train_files([subset], tmp_path / "first.json.gz")
    train_files([subset], tmp_path / "second.json.gz")
    first = (tmp_path / "first.json.gz").read_bytes()
    second = (tmp_path / "second.json.gz").read_bytes()
    assert first == second


def test_shipped_model_is_trained_on_shipped_examples(classifier: Classifier) -> None:
    examples = [e for path in training_files(DATA_DIR) for e in read_examples(path)]
    assert classifier.model.metadata["examples"] == len(examples)
    assert classifier.model.metadata["examples_sha256"] == examples_digest(examples)


def test_evaluate_json_on_small_csv(tmp_path: Path) -> None:
    path = tmp_path / "small.csv"
    _write_csv(path, ROWS)
    result = subprocess.run(
        [sys.executable, "-m", "nlp", "evaluate", str(path), "--json", "--no-baselines"],
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(result.stdout)
    for key in ("macro_f1", "route_accuracy", "urgent_recall", "urgent_precision", "chat_case_rate", "n"):
        assert key in report
    assert report["n"] == len(ROWS)
    assert 0.5 <= report["route_accuracy"] <= 1.0
    assert report["urgent_recall"] == 1.0
    assert report["chat_case_rate"] == 0.0


def test_evaluate_reports_baseline_ratios(classifier: Classifier, tmp_path: Path) -> None:
    path = tmp_path / "small.csv"
    _write_csv(path, ROWS)
    examples = read_examples(path)
    training = [e for p in training_files(DATA_DIR) for e in read_examples(p)][::5]
    report = evaluate_examples(examples, classifier, baselines=True, training=training)
    assert set(report["baselines"]) == {"keyword", "tfidf_lr"}
    assert set(report["ratios"]["keyword"]) >= {"macro_f1", "route_accuracy"}


def test_report_in_chinese_and_aligned() -> None:
    headline = {"macro_f1": 0.9, "route_accuracy": 0.8, "urgent_recall": 1.0, "urgent_precision": None}
    report = {
        "n": 3,
        "urgent_n": 1,
        **headline,
        "chat_case_rate": 0.25,
        "per_category": {
            "fund": {"precision": 1.0, "recall": 0.5, "f1": 0.667, "support": 2},
            "chat": {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1},
        },
        "worst_confusions": [("fund", "fees", 1)],
        "confusion": {"fund": {"fund": 1, "fees": 1}, "chat": {"chat": 1}},
        "baselines": {"keyword": {**headline, "chat_case_rate": 0.5}},
        "ratios": {"keyword": {key: 1.0 for key in (*headline, "chat_case_rate")}},
    }

    lines = format_report(report).splitlines()

    assert lines[0] == "评测消息 3 条（其中紧急 1 条）"
    assert lines[2].split() == ["指标", "本模型", "关键词基线", "比值"]
    assert lines[3].split() == ["宏平均F1", "0.900", "0.900", "1.000"]
    assert lines[6].split() == ["紧急精确率", "无", "无", "1.000"]
    assert "  维修基金与公共收益 -> 物业收费：1" in lines
    assert "混淆矩阵（行：标注类别，列：预测类别）" in lines
    fund_row = next(line for line in lines if line.startswith("维修基金与公共收益") and "0.667" in line)
    chat_row = next(line for line in lines if line.startswith("闲聊 ") and "1.000" in line)
    assert display_width(fund_row) == display_width(chat_row)
    assert not re.search(r"[a-z]{3,}", "\n".join(lines))


def test_read_examples_rejects_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("text,category\n电梯坏了,repair\n", encoding="utf-8")
    with pytest.raises(ValueError, match="缺少列 urgency,route"):
        read_examples(path)


def test_read_examples_rejects_unknown_label(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    _write_csv(path, [("电梯坏了", "lifts", "normal", "property")])
    with pytest.raises(ValueError, match="第 2 行：category 列的值 'lifts' 无效"):
        read_examples(path)


def test_naive_bayes_favours_a_category_own_ngram() -> None:
    # Feature 0 appears only in "a" messages and feature 1 only in "b" ones.
    matrix = csr_matrix(np.array([[1.0, 0.0, 0.5], [1.0, 0.0, 0.5], [0.0, 1.0, 0.5], [0.0, 1.0, 0.5]]))
    weights = _naive_bayes(matrix, ["a", "a", "b", "b"], ["a", "b"], np.ones(4))
    assert weights[0, 0] > weights[0, 1]
    assert weights[1, 1] > weights[1, 0]
    assert weights[2, 0] == pytest.approx(weights[2, 1])


def test_naive_bayes_rows_are_centred() -> None:
    matrix = csr_matrix(np.array([[1.0, 0.2], [0.0, 1.0], [0.3, 0.7]]))
    weights = _naive_bayes(matrix, ["a", "b", "c"], ["a", "b", "c"], np.ones(3))
    assert weights.sum(axis=1) == pytest.approx([0.0, 0.0])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我是A市某某小区的业主，小区楼下的餐馆油烟直排，请有关部门处理。", True),
        ("某某小区地下车库长期积水无人处理", True),
        ("电梯坏了 谁来修一下", False),
        ("电梯坏了", False),
        ("  楼道灯不亮了快一个星期了没人管  ", True),
    ],
)
def test_letter_like_rows(text: str, expected: bool) -> None:
    assert letter_like(text) is expected


def test_letter_rows_weigh_more() -> None:
    rows = [
        LabelledExample("某某小区地下车库长期积水无人处理", "repair", "normal", "property"),
        LabelledExample("车库 又淹了", "repair", "normal", "property"),
    ]
    assert sample_weights(rows).tolist() == [LETTER_WEIGHT, 1.0]


def test_naive_bayes_counts_row_weights() -> None:
    # One "b" row weighted 3 adds up to three copies of it.
    matrix = csr_matrix(np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]))
    weighted = _naive_bayes(matrix, ["a", "b", "b"], ["a", "b"], np.array([1.0, 3.0, 1.0]))
    copies = csr_matrix(np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0], [0.5, 0.5]]))
    repeated = _naive_bayes(copies, ["a", "b", "b", "b", "b"], ["a", "b"], np.ones(5))
    assert weighted == pytest.approx(repeated)
