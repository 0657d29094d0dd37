"""A readable text rendering of a decrypted report document, for `flask inbox open`."""

from __future__ import annotations

from typing import Any


def humanise(key: str) -> str:
    return key.replace("_", " ").capitalize()


def render_text(report: dict[str, Any]) -> str:
    lines: list[str] = []
    _render(report, lines, indent="")
    return "\n".join(lines) + "\n"


def _render(value: Any, lines: list[str], indent: str) -> None:
    for key, item in value.items():
        label = humanise(key)
        if isinstance(item, dict):
            lines.append(f"{indent}{label}:")
            _render(item, lines, indent + "  ")
        elif isinstance(item, list):
            for number, element in enumerate(item, start=1):
                if isinstance(element, dict):
                    lines.append(f"{indent}{label} {number}:")
                    _render(element, lines, indent + "  ")
                else:
                    lines.append(f"{indent}{label} {number}: {element}")
        else:
            shown = "(not given)" if item is None else str(item)
            if "\n" in shown:
                lines.append(f"{indent}{label}:")
                lines.extend(f"{indent}  | {line}" for line in shown.split("\n"))
            else:
                lines.append(f"{indent}{label}: {shown}")
