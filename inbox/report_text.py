"""A readable text rendering of a decrypted report document, for `flask inbox open`.

Generic on purpose: it walks whatever JSON the report holds, so a new field in the report
schema shows up here without a change, and nothing the reporter wrote is dropped.
"""

from __future__ import annotations

from typing import Any

INDENT = "  "
# Codes whose meaning the team must not have to guess: shown as a sentence saying what to do.
# static/js/open-report.js shows the same sentence (translated) in the browser.
EXPLAINED = {
    ("found_by", "reporter_municipality"): (
        "Neither where the child lives nor where the child was when the concern arose is "
        "known, so this report was sent to the reporter's own municipality. Check whether "
        "another municipality should have it, and forward it if so."
    ),
}


def humanise(key: str) -> str:
    """`municipality_number` → `Municipality number`."""
    words = key.replace("_", " ").replace("-", " ").split()
    return " ".join(words).capitalize() if words else key


def render_text(report: Any) -> str:
    """One `Label: value` line per leaf, nested sections indented; multi-line text kept."""
    lines: list[str] = []
    if isinstance(report, dict):
        _render_mapping(report, lines, "")
    else:
        _render_item("Report", report, lines, "")
    return "\n".join(lines) + "\n"


def _render_mapping(mapping: dict[str, Any], lines: list[str], indent: str) -> None:
    for key, value in mapping.items():
        explained = EXPLAINED.get((str(key), value)) if isinstance(value, str) else None
        if explained is not None:
            lines.append(f"{indent}{humanise(str(key))}: {explained}")
        else:
            _render_item(humanise(str(key)), value, lines, indent)


def _render_item(label: str, value: Any, lines: list[str], indent: str) -> None:
    if isinstance(value, dict):
        if not value:
            lines.append(f"{indent}{label}: (none)")
            return
        lines.append(f"{indent}{label}:")
        _render_mapping(value, lines, indent + INDENT)
    elif isinstance(value, list):
        if not value:
            lines.append(f"{indent}{label}: (none)")
        for number, element in enumerate(value, start=1):
            _render_item(f"{label} {number}", element, lines, indent)
    else:
        shown = _scalar(value)
        if "\n" in shown:
            lines.append(f"{indent}{label}:")
            lines.extend(f"{indent}{INDENT}| {line}" for line in shown.split("\n"))
        else:
            lines.append(f"{indent}{label}: {shown}")


def _scalar(value: Any) -> str:
    if value is None:
        return "(not given)"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value).replace("\r\n", "\n")
