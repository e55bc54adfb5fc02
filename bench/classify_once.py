"""Classify the first N texts of some CSV files once, for an instruction count.

Usage:
    valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        python bench/classify_once.py FILE.csv [FILE.csv ...] --limit N

Wall-clock rates swing with whatever else the machine runs, while
callgrind counts the instructions a process executes, which stay the same
for the same code, inputs and interpreter. Run this once with --limit 0 and
once with --limit N: the difference divided by N is the cost of one
classification, without the start-up and model load that both runs share.
Run it from each of two checkouts to compare their code under any load.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

# The checkout this script lies in, ahead of any installed copy, so running
# it from another checkout measures that checkout's code.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nlp import Classifier  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path, help="CSV files with a text column")
    parser.add_argument("--limit", type=int, required=True, help="how many texts to classify (0 for none)")
    args = parser.parse_args()

    texts: list[str] = []
    for path in args.files:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            texts.extend(row["text"] for row in csv.DictReader(handle))
    if args.limit > len(texts):
        parser.error(f"--limit {args.limit} exceeds the {len(texts)} texts in the files")

    classifier = Classifier.load()
    # One message before the measured ones, so lazy set-up is in both runs.
    classifier.classify("3栋电梯坏了")
    for text in texts[: args.limit]:
        classifier.classify(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
