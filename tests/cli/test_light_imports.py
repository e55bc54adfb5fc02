"""The admin and replay commands start without loading the chat adapters."""

from __future__ import annotations

import subprocess
import sys


def test_cli_import_skips_aiogram() -> None:
    # aiogram builds hundreds of pydantic models on import, several seconds
    # on a loaded machine, which every `python -m bot compounds` would pay.
    probe = "import sys, bot.cli; print('aiogram' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)

    assert result.stdout.strip() == "False"
