"""Check-your-answers: every counted answer, grouped by section, with the step that changes it,
the questions left unanswered (listed once, apart), and where the report will go.

Labels come from the forms themselves, so the summary always says what the question said, in
the reporter's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from database import utcnow
from intake import journey
from intake.drafts import DraftData
from intake.forms import FORMS
from intake.forms.base import section_caption
from routing import directory
from routing.directory import NORWAY
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
    # Questions of this section the reporter left empty: shown once, in one list after the
    # answers, not each as a row that says "Not given" (issue 17: a page of 5,000 px at 320).
    unanswered: list[Row] = field(default_factory=list)
    # "Child 2" before each of them when there are several children, else nothing.
    unanswered_prefix: Any = None


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
        for row in _rows(session, form, step, counted):
            (sections[key].rows if row.value else sections[key].unanswered).append(row)
    several = journey.child_count(counted) > 1
    for key, section in sections.items():
        if several and key.startswith("child-"):
            section.unanswered_prefix = section.title
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
        if item.type == "BooleanField" and not item.data:
            continue  # an unticked "I do not know the address" is no question left open
        if not item.data and _answered_otherwise(form, item.name):
            continue  # "I do not know the child's name", ticked, is the answer
        rows.append(Row(item.label.text, _display(session, item), step,
                        item.type == "TextAreaField"))
    if step == "location":
        # The postal code is shown when it was given: on Svalbard or Jan Mayen the list
        # follows it, and the team is told where the child lives.
        if counted[step].get("mode") == "list" and not journey.outside_area(counted):
            rows = []
    if step == "location-confirm" and counted[step].get("confirmed") == "yes":
        rows = []  # "Is this the municipality...? Yes": the page says by name where it goes
    return rows


# An empty field that another answer on its page stands in for: a ticked "I do not know the
# child's name", or a date of birth when the national identity number is given (either will
# do). Such a field is no question left open.
ANSWERED_BY = {"name": ("name_unknown",), "address": ("address_unknown",),
               "birth_date": ("national_id", "unborn"), "national_id": ("birth_date", "unborn")}


def _answered_otherwise(form: Any, name: str) -> bool:
    return any(other in form._fields and form[other].data for other in ANSWERED_BY.get(name, ()))


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


@dataclass
class Destination:
    """Where "Send" delivers the report: the service's name, and the district if one was
    chosen (as the district step named it)."""

    service: str
    district: Any = None


def destination(session: Session, draft: DraftData) -> Destination | None:
    """The service that covers the child's municipality (and district) today, looked up the way
    sending routes it (routing.directory), without sealing or accepting anything. None while
    the answers name no municipality with a connected service."""
    from intake.wizard import form_for

    counted = journey.counted(draft.answers, draft.done)
    number = journey.municipality_number(counted)
    if not number or number == "unknown":
        return None
    district = journey.district(counted)
    service = directory.service_for(session, number, utcnow().astimezone(NORWAY).date(),
                                    district)
    if service is None:
        return None
    label = None
    if district:
        choices = form_for(session, "district", draft)["district"].choices
        label = next((choice.label for choice in choices if choice.value == district), district)
    return Destination(service.name, label)
