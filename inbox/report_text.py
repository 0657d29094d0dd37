"""The text `flask inbox open` writes beside the report: the outline the intake team reads in
the browser (inbox/report_outline.py), as plain UTF-8 text for the case file.

What the reporter typed is written as typed, except that characters which would hide or
rearrange text (bidirectional controls, zero-width characters) appear as markers such as
"⟨U+202E⟩", exactly as on the page. The saved JSON keeps them as they were.
"""

from __future__ import annotations

from typing import Any

from inbox.report_outline import Line, outline, reveal

INDENT = "  "


def render_text(report: Any, language: str = "nb", *, reference: str | None = None,
                received: str | None = None, review_by: str | None = None) -> str:
    """The report as text in `language` (nb, nn or en); `received` and `review_by` are the
    envelope's times as the inbox shows them."""
    shape = outline(report, language, received=received, review_by=review_by)
    lines: list[str] = []
    title = f"{shape['title']} {reference}" if reference else shape["title"]
    _heading(lines, title, "=")
    if shape["notices"]:
        _heading(lines, shape["notices"]["heading"], "-")
        lines.extend(f"! {_text(item['parts'])}" for item in shape["notices"]["items"])
    for section in [shape["summary"], *shape["sections"]]:
        _heading(lines, section["heading"], "-")
        for row in section["rows"]:
            _row(lines, row["label"], row["lines"])
    if shape["unanswered"]:
        _heading(lines, shape["unanswered"]["heading"], "-")
        lines.extend(f"{group['heading']}: {'; '.join(group['items'])}"
                     for group in shape["unanswered"]["groups"])
    return "\n".join(lines) + "\n"


def _heading(lines: list[str], text: str, underline: str) -> None:
    if lines:
        lines.append("")
    lines.extend([text, underline * len(text)])


def _row(lines: list[str], label: str, values: list[Line]) -> None:
    texts = [_text(line) for line in values]
    # "Er et barn i fare akkurat nå? Nei": a question needs no colon after it.
    colon = "" if label.endswith("?") else ":"
    if len(texts) == 1 and "\n" not in texts[0]:
        lines.append(f"{label}{colon} {texts[0]}")
        return
    lines.append(f"{label}{colon}")
    for text in texts:
        if "\n" in text:
            lines.extend(f"{INDENT}| {part}" for part in text.split("\n"))
        else:
            lines.append(f"{INDENT}- {text}" if len(texts) > 1 else f"{INDENT}{text}")


def _text(line: Line) -> str:
    """A line's parts as text: the reporter's with hidden characters shown as markers."""
    return "".join(
        "".join(piece["text"] for piece in reveal(part["text"].replace("\r\n", "\n")))
        if part["typed"] else part["text"]
        for part in line)
