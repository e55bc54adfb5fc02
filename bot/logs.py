"""Logging set-up for the entry point; library modules only get named loggers."""

from __future__ import annotations

import logging


def setup_logging(level: str = "INFO", *, quiet: bool = False) -> None:
    """Log to stderr; the one-shot commands keep INFO lines out of their output."""
    logging.basicConfig(
        level=logging.WARNING if quiet else getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # apscheduler logs two INFO lines per sweep; the sweep logs its own summary.
    for noisy in ("aiosqlite", "asyncio", "jieba", "alembic", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
