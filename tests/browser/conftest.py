"""Real headless Chromium (Debian's package) driven by Playwright."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.postgres import TEST_DATABASE

# axe in every language at two widths is a check of what the pages look like, the same whatever
# database holds the drafts; at some 20 minutes it runs in the SQLite pass only. Every other
# browser test (the four paths, the keyboard, the inbox, opening reports) runs on both.
collect_ignore = ["test_accessibility_in_chromium.py"] if TEST_DATABASE == "postgresql" else []

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield instance
        instance.close()
