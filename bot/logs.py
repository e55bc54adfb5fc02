"""Logging set-up for the entry point; library modules only get named loggers."""

from __future__ import annotations

import logging
from pathlib import Path

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class WarningCounter(logging.Handler):
    """A logging handler that counts the records at WARNING and higher."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:  # noqa: ARG002
        self.count += 1


def setup_logging(level: str = "INFO", *, quiet: bool = False, log_file: Path | None = None) -> WarningCounter:
    """Log to stderr, or only to `log_file` when one is given.

    The one-shot commands pass `quiet` to keep INFO lines out of their
    output. The replay passes `log_file`, because its report is Chinese text
    on stdout and English log lines on the same terminal would break it up.
    The returned counter tells the command how many warnings and errors the
    file received.
    """
    counter = WarningCounter()
    handlers: list[logging.Handler] = [counter]
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        # delay: basicConfig ignores the handlers when logging is set up
        # already (as under pytest), and an unused handler must not hold a file open.
        handlers.append(logging.FileHandler(log_file, mode="w", encoding="utf-8", delay=True))
    else:
        handlers.append(logging.StreamHandler())
    logging.basicConfig(
        level=logging.WARNING if quiet else getattr(logging, level.upper(), logging.INFO),
        format=LOG_FORMAT,
        handlers=handlers,
    )
    # apscheduler logs two INFO lines per sweep; the sweep logs its own summary.
    for noisy in ("aiosqlite", "asyncio", "jieba", "alembic", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return counter
