"""Command line: `python -m nlp train` and `python -m nlp evaluate FILE.csv`."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from nlp.argparse_zh import ChineseArgumentParser
from nlp.os_errors import os_error_reason
from nlp.train import DATA_DIR, MODEL_PATH, train_files, training_files

logger = logging.getLogger("nlp")


class _CommandError(Exception):
    """A failure whose message, in Chinese, is all the operator needs."""


def _train(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.data] if args.data else training_files(DATA_DIR)
    model = train_files(paths, Path(args.output))
    print(f"已写入模型 {args.output}：{model.metadata['examples']} 条样本，{model.metadata['features']} 个特征")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from nlp.classifier import Classifier
    from nlp.dataset import read_examples
    from nlp.evaluate import evaluate_examples, format_report

    examples = read_examples(Path(args.file))
    logger.info("evaluating on %d examples from %s", len(examples), args.file)
    try:
        classifier = Classifier.load(args.model)
    except OSError as exc:
        # Bad gzip data raises an OSError without an errno. One with an errno
        # (a missing file, a directory, no permission) is about the path, and main() names it.
        if exc.errno is not None:
            raise
        raise _model_error(args.model, exc) from exc
    except (ValueError, KeyError, EOFError) as exc:
        raise _model_error(args.model, exc) from exc
    report = evaluate_examples(examples, classifier, baselines=not args.no_baselines)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, sort_keys=True))
    else:
        print(format_report(report))
    return 0


def _model_error(model: str | None, cause: Exception) -> _CommandError:
    # The cause (bad gzip data, JSON or format version) means nothing to an
    # operator who passed the wrong file, so only the log keeps it.
    logger.debug("model %s not loaded", model, exc_info=cause)
    msg = f"{model} 不是可用的模型文件，请给出 python -m nlp train 写出的 .json.gz 文件"
    return _CommandError(msg)


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseArgumentParser(
        prog="python -m nlp", description="消息分类模型：重新训练（train）或评测（evaluate）"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="在日志中输出进度（INFO 级别）")
    commands = parser.add_subparsers(dest="command", required=True, metavar="命令")

    train = commands.add_parser("train", help="用带标注的 CSV 文件重新训练模型")
    train.add_argument("--data", nargs="*", metavar="文件", help="带标注的 CSV 文件（默认：nlp/data/ 下的全部 CSV）")
    train.add_argument("--output", default=str(MODEL_PATH), metavar="模型文件", help="要写入的模型文件")
    train.set_defaults(run=_train)

    evaluate = commands.add_parser("evaluate", help="在带标注的 CSV 上评测模型")
    evaluate.add_argument("file", metavar="评测文件", help="CSV 文件，须有 text,category,urgency,route 四列")
    evaluate.add_argument("--json", action="store_true", help="输出一个 JSON 对象")
    evaluate.add_argument(
        "--model", default=None, metavar="模型文件", help="要评测的模型文件（默认：随项目发布的模型）"
    )
    evaluate.add_argument("--no-baselines", action="store_true", help="不训练、不评测两个基线模型")
    evaluate.set_defaults(run=_evaluate)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the chosen command; return the exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return args.run(args)
    except FileNotFoundError as exc:
        print(f"找不到文件：{exc.filename}", file=sys.stderr)
        return 2
    except OSError as exc:
        # strerror is the C library's English text, so the reason comes from the errno.
        target = f"文件 {exc.filename}" if exc.filename else "文件"
        print(f"无法读写{target}：{os_error_reason(exc)}", file=sys.stderr)
        return 2
    except UnicodeDecodeError:
        print("CSV 文件不是 UTF-8 编码，请在表格软件中另存为“CSV UTF-8”后重试", file=sys.stderr)
        return 2
    except (_CommandError, ValueError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
