"""Tests that start what their markers do not admit (and two that may): run by
tests/integration/test_markers.py, never by a normal run (the name is not test_*.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

BIN = Path(sys.executable).parent


def test_gunicorn_without_the_live_marker() -> None:
    subprocess.run([str(BIN / "gunicorn"), "--version"], check=True, capture_output=True)


def test_a_worker_without_the_live_marker() -> None:
    subprocess.run([str(BIN / "flask"), "--app", "app", "routing", "worker", "--help"],
                   check=True, capture_output=True)


@pytest.mark.live
def test_gunicorn_with_the_live_marker() -> None:
    subprocess.run([str(BIN / "gunicorn"), "--version"], check=True, capture_output=True)


def test_another_program_without_a_marker() -> None:
    subprocess.run([sys.executable, "--version"], check=True, capture_output=True)


# Last: a Playwright start that failed leaves its greenlet behind, which upsets pytest's
# reporting of any test after it (an "AST constructor recursion depth mismatch").
def test_chromium_without_the_browser_marker() -> None:
    with sync_playwright() as playwright:
        playwright.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium")
