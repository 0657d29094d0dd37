"""Check-your-answers: every counted answer, grouped by section, with the step that changes it.

Labels come from the forms themselves, so the summary always says what the question said, in
the reporter's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from intake import journey
from intake.drafts import DraftData
from intake.forms import FORMS
from intake.forms.base import section_caption
from routing.models import Municipality

YES = _l("Yes")


@dataclass
class Row:
    label: Any
    value: Any
    step: str
    free_text: bool = False


@dataclass
class Section:
    title: Any
    rows: list[Row] = field(default_factory=list)
    remove_child: int | None = None


def build(session: Session, draft: DraftData) -> list[Section]:
    from intake.wizard import as_pairs, context_for

    counted = journey.counted(draft.answers, draft.done)
    sections: dict[str, Section] = {}
    for step in journey.path(draft.answers):
        if step not in counted or step in ("emergency-call", "check", "children"):
            continue
        parsed = journey.parse_child_step(step)
        key = f"child-{parsed[0]}" if parsed else journey.section_of(step) or "report"
        if journey.reporter_type(counted) == "child" and key in ("child-1", "you"):
            key = "you"  # the child is the one child and the reporter: one "About you"
        if key not in sections:
            sections[key] = Section(_section_title(key, parsed, counted))
        form = FORMS[journey.kind(step)](MultiDict(as_pairs(counted[step])),
                                         context_for(session, draft, step))
        sections[key].rows += _rows(session, form, step, counted)
    return list(sections.values())


def _section_title(key: str, parsed: tuple[int, str] | None, counted: Any) -> Any:
    if journey.reporter_type(counted) == "child" and key == "you":
        return section_caption("you", "child")
    if parsed:
        return _l("Child %(number)d", number=parsed[0])
    return section_caption(key, journey.reporter_type(counted)) or _l("About the report")


def _rows(session: Session, form: Any, step: str, counted: Any) -> list[Row]:
    rows = []
    for item in form:
        if item.type in ("HiddenField", "CSRFTokenField"):
            continue
        if not journey.follow_up_applies(step, item.name, counted[step]):
            continue  # "If no: why not?" after "Yes" was not asked
        rows.append(Row(item.label.text, _display(session, item), step,
                        item.type == "TextAreaField"))
    if step == "location":
        if counted[step].get("mode") == "list":
            rows = []
    return rows


def _display(session: Session, item: Any) -> Any:
    if item.type == "BooleanField":
        return YES if item.data else ""
    if item.type in ("RadioField", "SelectField"):
        for choice in item.iter_choices():
            if choice.selected and choice.value:
                if item.type == "SelectField" and choice.value.isascii() and choice.value.isdigit():
                    municipality = session.get(Municipality, choice.value)
                    if municipality:
                        return f"{municipality.name} ({municipality.county_name})"
                return choice.label
        return ""
    if item.type == "CheckboxesField":
        return ", ".join(str(choice.label) for choice in item.iter_choices() if choice.selected)
    return item.data or ""
