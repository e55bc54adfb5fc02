"""Command line: `python -m nlp train` and `python -m nlp evaluate FILE.csv`."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from nlp.train import DATA_DIR, MODEL_PATH, train_files, training_files


def _train(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.data] if args.data else training_files(DATA_DIR)
    model = train_files(paths, Path(args.output))
    print(f"wrote {args.output}: {model.metadata['examples']} examples, "
          f"{model.metadata['features']} features")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from nlp.evaluate import evaluate_file, format_report

    report = evaluate_file(Path(args.file), model_path=args.model, baselines=not args.no_baselines)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, sort_keys=True))
    else:
        print(format_report(report))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the chosen command; return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m nlp", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress at INFO")
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="rebuild the model from labelled CSV files")
    train.add_argument(
        "--data", nargs="*", help="labelled CSV files (default: every CSV in nlp/data/)"
    )
    train.add_argument("--output", default=str(MODEL_PATH), help="model file to write")
    train.set_defaults(run=_train)

    evaluate = commands.add_parser("evaluate", help="score the model on a labelled CSV")
    evaluate.add_argument("file", help="CSV with columns text,category,urgency,route")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    evaluate.add_argument("--model", default=None, help="model file (default: the shipped one)")
    evaluate.add_argument(
        "--no-baselines", action="store_true", help="skip training and scoring the baselines"
    )
    evaluate.set_defaults(run=_evaluate)

    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return args.run(args)
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
