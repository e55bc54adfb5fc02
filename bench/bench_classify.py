"""Classifier throughput on one core, next to bare jieba.lcut on the same texts.

Usage:
    python bench/bench_classify.py FILE.csv [FILE.csv ...] [--rounds 5]

Reads the `text` column of each CSV, then times three passes over all texts
in the same process: Classifier.classify, jieba.lcut with jieba's defaults
(HMM on) and, for reference, jieba.lcut with HMM off. The classifier itself
uses no jieba. Each figure is the best of --rounds rounds, so a busy
neighbour on a shared machine costs less. Rates are given by wall-clock time
and by the process's CPU time; on a loaded machine the CPU-time rate is the
steadier one. Also reports the time of Classifier.load() and the load
average. Prints the machine, the Python version and the numbers.
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

import jieba

from nlp import Classifier


def _texts(paths: list[Path]) -> list[str]:
    texts: list[str] = []
    for path in paths:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            texts.extend(row["text"] for row in csv.DictReader(handle))
    return texts


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _rate(run: Callable[[str], object], texts: list[str], rounds: int) -> tuple[float, float]:
    """Return the best wall-clock and the best CPU-time rate, in messages per second."""
    best_wall = best_cpu = float("inf")
    for _ in range(rounds):
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        for text in texts:
            run(text)
        best_wall = min(best_wall, time.perf_counter() - start_wall)
        best_cpu = min(best_cpu, time.process_time() - start_cpu)
    return len(texts) / best_wall, len(texts) / best_cpu


def main() -> int:
    """Run the benchmark and print the results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path, help="CSV files with a text column")
    parser.add_argument("--rounds", type=int, default=5, help="timed passes per method")
    args = parser.parse_args()

    # One core: pin the process where the platform allows it.
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    jieba.setLogLevel(logging.WARNING)

    texts = _texts(args.files)
    start = time.perf_counter()
    classifier = Classifier.load()
    load_seconds = time.perf_counter() - start
    jieba.initialize()

    # Warm-up pass, so lazily built caches do not count against either side.
    for text in texts:
        classifier.classify(text)
        jieba.lcut(text)

    classify_rate = _rate(classifier.classify, texts, args.rounds)
    jieba_rate = _rate(jieba.lcut, texts, args.rounds)
    jieba_no_hmm_rate = _rate(lambda text: jieba.lcut(text, HMM=False), texts, args.rounds)
    mean_chars = sum(map(len, texts)) / len(texts)

    print(f"command: python {' '.join(sys.argv)}")
    print(f"machine: nproc={os.cpu_count()}, cpu={_cpu_model()}, python={platform.python_version()}")
    print(f"load average (1, 5, 15 min): {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"texts: {len(texts)} (mean {mean_chars:.1f} characters), best of {args.rounds} rounds")
    print(f"Classifier.load(): {load_seconds:.2f} s")
    print("rates in messages/s: wall clock / CPU time")
    print(f"Classifier.classify: {classify_rate[0]:,.0f} / {classify_rate[1]:,.0f}")
    print(f"jieba.lcut (HMM on, default): {jieba_rate[0]:,.0f} / {jieba_rate[1]:,.0f}")
    print(f"jieba.lcut (HMM off): {jieba_no_hmm_rate[0]:,.0f} / {jieba_no_hmm_rate[1]:,.0f}")
    print(
        f"classify / jieba.lcut: {classify_rate[0] / jieba_rate[0]:.2f} / "
        f"{classify_rate[1] / jieba_rate[1]:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
