"""What every wizard step form shares: the server's context, the page's heading and caption,
and the few validators the standard ones do not cover."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from wtforms import Form, SelectMultipleField
from wtforms.fields.choices import SelectChoice as Choice
from wtforms.validators import Length, StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from i18n import lazy_gettext as _l
from intake.bidi import one_line
from intake.forms.wording import CHILD_SECTIONS, Page, for_child
from routing.directory import PostalLookup

__all__ = ["Choice", "StepForm", "StepContext", "CheckboxesField", "strip", "limit", "Limit",
           "shown_limit", "required_when", "required_if_value", "is_ascii_digits",
           "section_caption"]

SECTION_CAPTIONS = {
    "location": _l("Where the child lives"),
    "child": _l("About the child"),
    "parents": _l("The child's parents"),
    "concern": _l("The concern"),
    "you": _l("About you"),
}


def section_caption(section: str, reporter_type: str | None) -> Any:
    """The caption over a step, and the check page's title for its section: a child's own."""
    if reporter_type == "child" and section in CHILD_SECTIONS:
        return CHILD_SECTIONS[section]
    return SECTION_CAPTIONS.get(section)


class StepContext:
    """What the server knows that a form cannot: answers given on other steps, and look-ups."""

    def __init__(
        self,
        answers: Mapping[str, Mapping[str, Any]] | None = None,
        look_up_postal_code: Callable[[str], PostalLookup] | None = None,
        municipality_choices: Sequence[tuple[str, str]] = (),
        child_index: int = 0,
        municipality_name: str = "",
        district_names: Mapping[str, str] | None = None,
    ) -> None:
        self.answers = answers or {}
        # The districts' names by number ("030101": "Gamle Oslo"), for the district step.
        self.district_names = district_names or {}
        # The name of the municipality the report goes to, for the district step's choices.
        self.municipality_name = municipality_name
        self.look_up_postal_code = look_up_postal_code
        self.municipality_choices = municipality_choices
        self.child_index = child_index

    @property
    def reporter_type(self) -> str | None:
        return self.answers.get("reporter-type", {}).get("reporter_type")


class StepForm(Form):
    """A wizard step. `heading` is a statement heading for a page of several fields; without
    one, the page's only question is its heading."""

    heading: Any = None
    intro: Any = None
    continue_label: Any = None

    def __init__(self, formdata: Any = None, context: StepContext | None = None) -> None:
        self.context = context or StepContext()
        super().__init__(formdata=formdata)
        for field in self:
            if field.type == "StringField" and isinstance(field.data, str):
                # Validated as it will be stored (wizard.raw_answers): without the characters
                # that turn text around (intake/bidi.py).
                cleaned = one_line(field.data)
                field.data = cleaned.strip() if cleaned != field.data else cleaned
        self.adapt(self.context.reporter_type)
        self._child_words = (
            for_child(type(self)) if self.context.reporter_type == "child" else None
        )
        if self._child_words:
            self._speak_to_child(self._child_words)

    def adapt(self, reporter_type: str | None) -> None:
        """Drop fields or change wording for a professional or a private reporter. A child's
        words are data, in intake/forms/wording.py."""

    def says(self, key: str, default: Any) -> Any:
        """A message of this form's own checks, in the child's words on the child's path."""
        words = getattr(self, "_child_words", None)
        return words.messages.get(key, default) if words else default

    def _speak_to_child(self, words: Page) -> None:
        self.drop(*words.drop)
        if words.no_heading:
            self.heading = None
        if words.intro:
            self.intro = words.intro
        for name, wording in words.fields.items():
            if name not in self._fields:
                continue
            field = self[name]
            if wording.label:
                field.label.text = wording.label
            if wording.hint or wording.no_hint:
                field.description = wording.hint
            if wording.required and hasattr(field, "invalid_choice_message"):
                field.invalid_choice_message = wording.required
            elif wording.required:
                self.reword_first_validator(name, wording.required)
            if wording.choices:
                field.choices = [Choice(choice.value, wording.choices.get(choice.value,
                                                                          choice.label))
                                 for choice in field.choices]

    def derived(self) -> dict[str, str]:
        """Values the server worked out from a valid answer, stored beside it."""
        return {}

    def reword_first_validator(self, name: str, message: Any) -> None:
        """Give this instance its own first validator with another message. The field's
        validators list and its objects are shared by every form in the process, so changing
        them in place would give the next reporter this reporter's wording."""
        field = self[name]
        first = copy.copy(field.validators[0])
        first.message = message
        field.validators = [first, *field.validators[1:]]

    def drop(self, *names: str) -> None:
        for name in names:
            if name in self._fields:
                del self[name]


class CheckboxesField(SelectMultipleField):
    """A group of checkboxes; an empty choice is allowed unless a validator says otherwise."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


ASCII_DIGITS = re.compile(r"[0-9]+")


def is_ascii_digits(text: str) -> bool:
    """str.isdigit() also accepts '²' and other digits int() refuses; a form must not crash."""
    return ASCII_DIGITS.fullmatch(text) is not None


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class Limit(Length):
    """A length limit the reporter is told about: in the field's hint ("Up to 2,000
    characters."), by the live counter with JavaScript, and in the error, which says how many
    characters there are and how many to remove. What was typed is kept either way."""

    def __init__(self, maximum: int) -> None:
        super().__init__(max=maximum)

    def __call__(self, form: Any, field: Any) -> None:
        # A line break is one character to the person typing (and to the counter), though the
        # browser sends it as two (CRLF).
        count = len((field.data or "").replace("\r\n", "\n"))
        if count > self.max:
            from flask_babel import format_number

            raise ValidationError(_l(
                "Too long: %(count)s characters, and the limit is %(max)s. Remove %(excess)s.",
                count=format_number(count), max=format_number(self.max),
                excess=format_number(count - self.max)))


def limit(maximum: int, message: Any = None) -> Length:
    """A field's length limit. Without a message it is a `Limit` the reporter is told about;
    with one, a cap on a field with a format of its own (a postal code, a phone number),
    whose hint and error speak of the format instead."""
    if message is None:
        return Limit(maximum)
    return Length(max=maximum, message=message)


def shown_limit(field: Any) -> int | None:
    """The limit a field's hint and counter state, if it has one."""
    for validator in getattr(field, "validators", ()):
        if isinstance(validator, Limit):
            return int(validator.max)
    return None


def required_when(condition: Callable[[StepForm], bool], message: Any) -> Callable[..., None]:
    """Required if `condition(form)` holds; otherwise an empty value is fine and ends the chain."""

    def check(form: StepForm, field: Any) -> None:
        if field.data:
            return
        if condition(form):
            raise StopValidation(message)
        field.errors[:] = []
        raise StopValidation()

    return check


def required_if_value(other: str, value: str, message: Any) -> Callable[..., None]:
    """Required when another field on the page has `value` ("if no, why not?")."""
    return required_when(lambda form: form[other].data == value, message)
