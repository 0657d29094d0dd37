"""Hostile input is about what each answer does, not how many: hypothesis sends hundreds of
POSTs to /report/send from one address, and the per-client submission limit (tested on its own
in tests/integration/test_rate_limits.py) would answer 429 to whatever came after the twentieth."""

from __future__ import annotations

import pytest


@pytest.fixture
def app_config(app_config: dict[str, object]) -> dict[str, object]:
    return {**app_config, "SUBMISSIONS_PER_HOUR": 1_000_000}
