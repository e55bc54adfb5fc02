"""The repository itself: what a fresh clone needs to run the quick start."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _tracked_entries() -> list[tuple[str, str]]:
    """Return (mode, path) of every tracked file, or skip outside a git checkout."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    listing = subprocess.run(
        ["git", "ls-files", "-s"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    entries = []
    for line in listing.splitlines():
        meta, path = line.split("\t", 1)
        entries.append((meta.split()[0], path))
    return entries


def test_no_tracked_symlinks():
    # A committed symlink (once a .venv pointing at one machine's virtualenv)
    # dangles in every other clone and stops `make` from creating .venv.
    links = [path for mode, path in _tracked_entries() if mode == "120000"]

    assert links == []


def test_venv_not_tracked():
    paths = [path for _, path in _tracked_entries()]

    assert not any(path == ".venv" or path.startswith(".venv/") for path in paths)
