"""Building the report document (`concern-report/1`) from the answers that count.

This is what the intake team reads and what a case system imports: UTF-8 JSON with English
field names, the language the reporter used, the schema version and the submission time.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from intake import journey
from intake.forms import normalise_phone
from routing.acceptance import REPORT_SCHEMA


def build(
    answers: Mapping[str, Mapping[str, Any]],
    done: list[str] | set[str],
    *,
    language: str,
    submitted_at: datetime,
    municipality_name: str,
) -> dict[str, Any]:
    counted = journey.counted(answers, done)

    def value(step: str, field: str) -> Any:
        found = counted.get(step, {}).get(field)
        return found.strip() if isinstance(found, str) else found

    reporter_type = value("reporter-type", "reporter_type")
    age = value("child", "age")
    reporter = {
        "name": value("about-you", "name") or None,
        "role": value("about-you", "role") or None,
        "workplace": value("about-you", "workplace") or None,
        "phone": normalise_phone(value("about-you", "phone") or "") or None,
        "email": value("about-you", "email") or None,
    }
    if reporter_type == "private":
        # A private person gives only what they choose to; role and workplace are not asked.
        reporter = {k: reporter[k] for k in ("name", "phone", "email")}
    return {
        "schema": REPORT_SCHEMA,
        "submitted_at": submitted_at.isoformat().replace("+00:00", "Z"),
        "language": language,
        "reporter_type": reporter_type,
        "child_in_danger_now": value("emergency", "answer"),
        "children": [
            {
                "name": value("child", "name") or None,
                "description": value("child", "description") or None,
                "approximate_age": int(age) if age else None,
            }
        ],
        "location": {
            "municipality_number": journey.municipality_number(counted),
            "municipality_name": municipality_name,
            "postal_code": value("location", "postal_code_normalised"),
            "found_by": "postal_code" if "location-confirm" in counted else "chosen_from_list",
        },
        "concern": {"description": value("concern", "description")},
        "reporter": reporter,
        "anonymous": reporter_type == "private" and not reporter["name"],
    }


def encode(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, sort_keys=False).encode("utf-8")
