"""The words of an opened report: one table (static/report-labels.json) for the page in the
browser, the command line's text and the KS Fiks export, in bokmål, nynorsk and English.

The browser fetches the same file, so the three never say a thing differently. Other inbox
languages read the report in bokmål: it is a Norwegian case document, and only these three
have been written for it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

TABLE_FILE = Path(__file__).resolve().parents[1] / "static" / "report-labels.json"
LANGUAGES = ("nb", "nn", "en")
DEFAULT = "nb"
NORWAY = ZoneInfo("Europe/Oslo")
# The inbox list's format (inbox.views.oslo_time): the team reads one kind of time everywhere.
MINUTE_FORMAT = "%d.%m.%Y %H:%M"
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


@cache
def table() -> Mapping[str, Any]:
    return json.loads(TABLE_FILE.read_text(encoding="utf-8"))


def report_language(inbox_language: str | None) -> str:
    """The language an opened report is written out in, for an inbox in `inbox_language`."""
    return inbox_language if inbox_language in LANGUAGES else DEFAULT


def words(language: str) -> Mapping[str, Any]:
    return table()[report_language(language)]


def fill(template: str, **values: str) -> str:
    """`template` with each `{name}` replaced; what is filled in is never read as a template."""
    return _PLACEHOLDER.sub(lambda found: values[found.group(1)], template)


def oslo_minute(value: datetime) -> str:
    """Norwegian local time to the minute, as the inbox list shows it."""
    return value.astimezone(NORWAY).strftime(MINUTE_FORMAT)
