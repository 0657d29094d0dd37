"""Building the report document (`concern-report/1`) from the answers that count.

This is what the intake team reads and what a case system imports: UTF-8 JSON with English
field names, the language the reporter used, the schema version and the submission time. Only
answers on the path the reporter finally took are included.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from intake import journey
from intake.forms import normalise_phone
from intake.forms.child import parse_date
from intake.identifiers import ascii_digits, digits
from routing.acceptance import REPORT_SCHEMA

Answers = Mapping[str, Mapping[str, Any]]


def build(
    answers: Answers,
    done: list[str] | set[str],
    *,
    language: str,
    submitted_at: datetime,
    municipality_name: str,
    district_name: str | None = None,
) -> dict[str, Any]:
    counted = journey.counted(answers, done)

    def value(step: str, field: str) -> Any:
        found = counted.get(step, {}).get(field)
        if isinstance(found, str):
            return found.strip() or None
        return found

    def flag(step: str, field: str) -> bool | None:
        return None if step not in counted else bool(value(step, field))

    def choices(step: str, field: str) -> list[str]:
        found = value(step, field)
        return found if isinstance(found, list) else ([found] if found else [])

    reporter_type = journey.reporter_type(counted)
    children = [_child(value, flag, index, reporter_type)
                for index in range(1, journey.child_count(counted) + 1)]
    anonymous = reporter_type == "private" and value("anonymity", "anonymity") == "anonymous"
    location: dict[str, Any] = {
        "municipality_number": journey.municipality_number(counted),
        "municipality_name": municipality_name,
        "postal_code": value("location", "postal_code_normalised"),
        "found_by": journey.routed_by(counted),
    }
    if journey.districts(counted):
        # Only where the journey asked: the district number, or None for "I do not know".
        location["district"] = journey.district(counted)
        if district_name:
            location["district_name"] = district_name
    return {
        "schema": REPORT_SCHEMA,
        "submitted_at": submitted_at.isoformat().replace("+00:00", "Z"),
        "language": language,
        "reporter_type": reporter_type,
        "anonymity": value("anonymity", "anonymity") if reporter_type == "private" else None,
        "child_in_danger_now": value("emergency", "answer"),
        "location": location,
        "children": children,
        "parents": _parents(value),
        "concern": {
            "topics": choices("topics", "topics"),
            "description": value("concern", "description"),
            "sources": choices("source", "sources"),
            "frequency": value("timing", "frequency"),
            "since": value("timing", "since"),
            "background": value("background", "background"),
            "measures": value("background", "measures"),
            "other_agencies": value("background", "other_agencies"),
            "other_views": value("background", "other_views"),
            "child_views": value("child-views", "views"),
        },
        "interpreter": {
            "needed": value("interpreter", "needed"),
            "language": value("interpreter", "language"),
        },
        "reporter": None if anonymous else _reporter(value, reporter_type),
        "anonymous": anonymous,
    }


def _child(value: Any, flag: Any, index: int, reporter_type: str | None) -> dict[str, Any]:
    def step(kind: str) -> str:
        return journey.child_step(index, kind)

    birth = value(step("age"), "birth_date")
    parsed_birth = parse_date(birth) if birth else None
    national_id = value(step("age"), "national_id")
    age = ascii_digits(value(step("age"), "age") or "")
    child = {
        "name": value(step("name"), "name"),
        "approximate_age": int(age) if age and age.isascii() and age.isdigit() else None,
        "national_id": digits(national_id) if national_id else None,
        "birth_date": parsed_birth.isoformat() if parsed_birth else None,
        "unborn": flag(step("age"), "unborn"),
        "address": value(step("address"), "address"),
        "found_at": value(step("address"), "found_at"),
        "description": value(step("address"), "description"),
        "relation": value(step("relation"), "relation"),
        "relation_other": value(step("relation"), "relation_other"),
        "told": value(step("told"), "told"),
        "why_not_told": value(step("told"), "why_not"),
    }
    if reporter_type == "child":
        child["is_the_reporter"] = True
    return child


def _parents(value: Any) -> dict[str, Any]:
    people = []
    for number in (1, 2):
        name = value("parents", f"parent{number}_name")
        if name:
            phone = value("parents", f"parent{number}_phone")
            people.append({"name": name, "phone": normalise_phone(phone) if phone else None})
    return {
        "guardians": people,
        "lives_with": value("parents", "lives_with"),
        "told": value("parents-told", "told"),
        "why_not_told": value("parents-told", "why_not"),
    }


def _reporter(value: Any, reporter_type: str | None) -> dict[str, Any]:
    phone = value("about-you", "phone")
    org = value("about-you", "organisation_number")
    reporter = {
        "name": value("about-you", "name"),
        "phone": normalise_phone(phone) if phone else None,
        "email": value("about-you", "email"),
    }
    if reporter_type == "professional":
        reporter |= {
            "role": value("about-you", "role"),
            "workplace": value("about-you", "workplace"),
            "workplace_address": value("about-you", "workplace_address"),
            "organisation_number": digits(org) if org else None,
        }
    if reporter_type == "private" and value("anonymity", "anonymity") == "confidential":
        reporter["safe_contact"] = value("about-you", "safe_contact")
    if reporter_type == "child":
        reporter = {"safe_contact": value("about-you", "safe_contact")}
    return reporter


def encode(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode("utf-8")
