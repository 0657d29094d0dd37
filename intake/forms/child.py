"""Steps asked once per child, and the add-another summary of the children."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.validators import Optional, ValidationError

from i18n import lazy_gettext as _l
from intake.forms.base import (
    Choice,
    StepForm,
    is_ascii_digits,
    limit,
    required_if_value,
    strip,
)
from intake.identifiers import ascii_digits, digits, is_valid_national_id

NAME_MAX = 200
TEXT_MAX = 2000
DATE_RE = re.compile(r"^\s*(\d{1,2})\s*[./\- ]\s*(\d{1,2})\s*[./\- ]\s*(\d{4})\s*$")
ISO_DATE_RE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


def parse_date(text: str) -> date | None:
    """'27.3.2015', '27/03/2015', '27 3 2015', '2015-03-27' and '٢٧.٣.٢٠١٥' are the same day."""
    text = ascii_digits(text)
    if found := DATE_RE.match(text):
        day, month, year = (int(part) for part in found.groups())
    elif found := ISO_DATE_RE.match(text):
        year, month, day = (int(part) for part in found.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _professional(form: StepForm) -> bool:
    return form.context.reporter_type == "professional"


class ChildNameForm(StepForm):
    name = StringField(
        _l("What is the child's name?"),
        description=_l("Their full name, if you know it."),
        filters=[strip],
        validators=[limit(NAME_MAX)],
        render_kw={"spellcheck": "false"},
    )
    name_unknown = BooleanField(_l("I do not know the child's name"))

    def adapt(self, reporter_type: str | None) -> None:
        if reporter_type == "professional":
            self.drop("name_unknown")

    def validate_name(self, field: StringField) -> None:
        if field.data or self.context.reporter_type == "child":
            return
        if "name_unknown" not in self._fields:
            raise ValidationError(_l("Enter the child's name"))
        if not self.name_unknown.data:
            raise ValidationError(
                _l("Enter the child's name, or tick the box if you do not know it"))


class ChildAgeForm(StepForm):
    heading = _l("How old is the child?")
    age = StringField(
        _l("Age in years (optional)"),
        description=_l("An estimate is fine. Leave it empty if you do not know."),
        filters=[strip],
        validators=[Optional()],
        render_kw={"inputmode": "numeric", "width": "3", "dir": "ltr"},
    )
    national_id = StringField(
        _l("National identity number (11 digits)"),
        description=_l("The child's fødselsnummer or D-number. Leave it empty if you do not "
                       "have it, and give the date of birth instead."),
        filters=[strip],
        validators=[limit(40, _l("A national identity number has 11 digits"))],
        render_kw={"inputmode": "numeric", "dir": "ltr", "spellcheck": "false"},
    )
    birth_date = StringField(
        _l("Date of birth (if you do not have the national identity number)"),
        description=_l("For example 27.3.2015"),
        filters=[strip],
        validators=[limit(40, _l("Enter the date of birth like 27.3.2015"))],
        render_kw={"inputmode": "numeric", "dir": "ltr"},
    )
    unborn = BooleanField(_l("The child is not born yet"))

    def adapt(self, reporter_type: str | None) -> None:
        if reporter_type == "professional":
            self.drop("age")
        else:
            self.drop("national_id", "birth_date")

    def validate_age(self, field: StringField) -> None:
        age = ascii_digits(field.data)
        if not is_ascii_digits(age) or len(age) > 2 or int(age) > 25:
            raise ValidationError(self.says("age", _l("Age must be a number of years, like 7")))

    def validate_national_id(self, field: StringField) -> None:
        if not field.data:
            if not self.birth_date.data and not self.unborn.data:
                raise ValidationError(_l(
                    "Enter the national identity number or the date of birth, or tick that the "
                    "child is not born yet"))
            return
        number = digits(field.data)
        if len(number) != 11:
            raise ValidationError(_l("A national identity number has 11 digits"))
        if not is_valid_national_id(number):
            raise ValidationError(_l("Check the national identity number: the digits do not add "
                                     "up to a real number"))

    def validate_birth_date(self, field: StringField) -> None:
        if not field.data:
            return
        parsed = parse_date(field.data)
        if parsed is None:
            raise ValidationError(_l("Enter the date of birth like 27.3.2015"))
        if parsed > date.today():
            raise ValidationError(_l("The date of birth must be in the past"))


class ChildAddressForm(StepForm):
    heading = _l("Where does the child live?")
    address = StringField(
        _l("Address"),
        filters=[strip],
        validators=[
            limit(NAME_MAX),
        ],
    )
    address_unknown = BooleanField(_l("I do not know the address"))
    found_at = StringField(
        _l("Where can the child welfare service find the child? (optional)"),
        description=_l("For example the school or kindergarten."),
        filters=[strip],
        validators=[limit(NAME_MAX)],
    )
    description = TextAreaField(
        _l("Describe the child (optional)"),
        description=_l("For example what the child looks like, or who they are with."),
        filters=[strip],
        validators=[limit(TEXT_MAX)],
        render_kw={"rows": 3},
    )

    def adapt(self, reporter_type: str | None) -> None:
        if reporter_type == "professional":
            self.drop("address_unknown", "description")

    def validate_address(self, field: StringField) -> None:
        if field.data:
            return
        if self.context.reporter_type == "professional":
            raise ValidationError(_l("Enter the child's address"))
        if not self.address_unknown.data:
            raise ValidationError(_l("Enter the address, or tick the box if you do not know it"))
        name = self.context.answers.get(f"child-{self.context.child_index}-name", {})
        if not name.get("name") and not self.found_at.data and not self.description.data:
            raise ValidationError(_l(
                "Give a name, an address or where the child can be found, so the child welfare "
                "service can find the child"))


RELATIONS = [
    Choice("parent", _l("I am the child's parent")),
    Choice("family", _l("I am in the child's family")),
    Choice("neighbour", _l("I am a neighbour")),
    Choice("family-friend", _l("I am a friend of the family")),
    Choice("friends-parent", _l("I am the parent of one of the child's friends")),
    Choice("other", _l("Other")),
]


class ChildRelationForm(StepForm):
    relation = RadioField(
        _l("How do you know the child?"),
        choices=RELATIONS,
        invalid_choice_message=_l("Select how you know the child"),
    )
    relation_other = StringField(
        _l("If other: how do you know the child?"),
        filters=[strip],
        validators=[
            required_if_value("relation", "other", _l("Write how you know the child")),
            limit(NAME_MAX),
        ],
    )


class ChildToldForm(StepForm):
    told = RadioField(
        _l("Does the child know that you are sending this report?"),
        choices=[Choice("yes", _l("Yes")), Choice("no", _l("No"))],
        invalid_choice_message=_l("Select yes if the child knows about the report"),
    )
    why_not = TextAreaField(
        _l("If no: why not?"),
        filters=[strip],
        validators=[
            required_if_value("told", "no", _l("Write why the child has not been told")),
            limit(TEXT_MAX),
        ],
        render_kw={"rows": 3},
    )


class ChildrenForm(StepForm):
    add_another = RadioField(
        _l("Do you want to add a brother or sister with the same concern?"),
        description=_l("If you are worried about brothers and sisters for different reasons, "
                       "send one report for each child."),
        choices=[Choice("yes", _l("Yes")), Choice("no", _l("No"))],
        invalid_choice_message=_l("Select yes if you want to add another child"),
    )

    def __init__(self, formdata: Any = None, context: Any = None) -> None:
        super().__init__(formdata, context)
        from intake.journey import MAX_CHILDREN, child_count

        if child_count(self.context.answers) >= MAX_CHILDREN:
            self.add_another.choices = [Choice("no", _l("No"))]
