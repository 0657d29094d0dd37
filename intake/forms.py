"""One declarative form per wizard step, with a message for each way an answer can be wrong.

Plain `wtforms.Form` classes (CSRF is checked by the view), so the wizard can re-validate stored
answers and tests can call them without a request. Length limits are generous but real: every
free-text field has one, and its message says what the limit is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, Form, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice as Choice
from wtforms.validators import InputRequired, Length, Optional, StopValidation, ValidationError

from routing.directory import PostalCodeKind, PostalLookup, normalise_postal_code

NAME_MAX = 200
SHORT_TEXT_MAX = 200
DESCRIPTION_MAX = 2000
CONCERN_MAX = 20000
PHONE_RE = re.compile(r"^\+?[0-9]{8,15}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class StepForm(Form):
    """A wizard step. `context` carries what the server knows that the form cannot: the
    reporter type chosen earlier, and look-ups in the directory."""

    def __init__(self, formdata: Any = None, context: StepContext | None = None) -> None:
        self.context = context or StepContext()
        super().__init__(formdata=formdata)

    def derived(self) -> dict[str, str]:
        """Values the server worked out from a valid answer, stored beside it."""
        return {}


class StepContext:
    def __init__(
        self,
        reporter_type: str | None = None,
        look_up_postal_code: Callable[[str], PostalLookup] | None = None,
        municipality_choices: Sequence[tuple[str, str]] = (),
    ) -> None:
        self.reporter_type = reporter_type
        self.look_up_postal_code = look_up_postal_code
        self.municipality_choices = municipality_choices


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def required_when(condition: Callable[[StepForm], bool], message: Any) -> Callable[..., None]:
    """Required if `condition(form)` holds, otherwise optional (an empty value ends the chain)."""

    def check(form: StepForm, field: Any) -> None:
        if field.data:
            return
        if condition(form):
            raise StopValidation(message)
        field.errors[:] = []
        raise StopValidation()

    return check


def is_professional(form: StepForm) -> bool:
    return form.context.reporter_type == "professional"


class EmergencyForm(StepForm):
    answer = RadioField(
        _l("Is a child in danger right now?"),
        choices=[Choice("yes", _l("Yes")), Choice("no", _l("No")), Choice("unsure", _l("I am not sure"))],
        invalid_choice_message=_l("Select yes if a child is in danger right now"),
    )


class EmergencyCallForm(StepForm):
    """The exit page after "yes": nothing to answer, only a way on to the written report."""


class ReporterTypeForm(StepForm):
    reporter_type = RadioField(
        _l("Who are you?"),
        choices=[
            Choice("private", _l("I am worried about a child I know")),
            Choice("professional", _l("I am reporting as part of my job")),
        ],
        invalid_choice_message=_l("Select whether you are reporting privately or in your job"),
    )


class ChildForm(StepForm):
    name = StringField(
        _l("The child's full name"),
        filters=[strip],
        validators=[
            Length(max=NAME_MAX, message=_l("The name must be %(max)d characters or fewer")),
        ],
    )
    name_unknown = BooleanField(_l("I do not know the child's name"))
    description = TextAreaField(
        _l("Describe the child, so the service can find them"),
        filters=[strip],
        validators=[
            Length(
                max=DESCRIPTION_MAX,
                message=_l("The description must be %(max)d characters or fewer"),
            )
        ],
    )
    age = StringField(
        _l("About how old is the child? (optional)"),
        filters=[strip],
        validators=[Optional()],
    )

    def validate_name(self, field: StringField) -> None:
        if field.data:
            return
        if is_professional(self):
            raise ValidationError(_l("Enter the child's name"))
        if not self.name_unknown.data:
            raise ValidationError(
                _l("Enter the child's name, or tick that you do not know it and describe the child")
            )

    def validate_description(self, field: TextAreaField) -> None:
        if not self.name.data and self.name_unknown.data and not field.data:
            raise ValidationError(_l("Describe the child, so the service can find them"))

    def validate_age(self, field: StringField) -> None:
        if not field.data.isdigit() or not 0 <= int(field.data) <= 25:
            raise ValidationError(_l("Age must be a number of years, like 7"))


class LocationForm(StepForm):
    postal_code = StringField(
        _l("What is the postal code where the child lives?"),
        filters=[strip],
        validators=[
            InputRequired(_l("Enter the postal code where the child lives")),
            Length(max=20, message=_l("Postal code must be 4 digits, like 0150")),
        ],
    )

    def validate_postal_code(self, field: StringField) -> None:
        code = normalise_postal_code(field.data)
        if len(code) != 4:
            raise ValidationError(_l("Postal code must be 4 digits, like 0150"))
        if self.context.look_up_postal_code is None:
            return
        found = self.context.look_up_postal_code(code)
        self._found = found
        if found.kind is PostalCodeKind.UNKNOWN:
            raise ValidationError(
                _l("We could not find postal code %(code)s. Check it, or choose the "
                   "municipality from the list", code=code)
            )
        if found.kind is PostalCodeKind.NOT_A_HOME:
            raise ValidationError(
                _l("%(code)s is a postal code for PO boxes or businesses, not homes. Enter the "
                   "postal code of the child's home, or choose the municipality from the list",
                   code=code)
            )
        if found.kind is PostalCodeKind.NOT_A_MUNICIPALITY:
            raise ValidationError(
                _l("%(code)s is on %(place)s, which is not a municipality. Choose from the list "
                   "the municipality where the child's family is registered", code=code,
                   place=found.place.title())
            )

    def derived(self) -> dict[str, str]:
        found = getattr(self, "_found", None)
        if found is None or not found.municipalities:
            return {}
        return {
            "postal_code_normalised": normalise_postal_code(self.postal_code.data),
            "suggested": found.municipalities[0].number,
        }


class LocationConfirmForm(StepForm):
    confirmed = RadioField(
        _l("Is this the municipality where the child lives?"),
        choices=[Choice("yes", _l("Yes")), Choice("no", _l("No, choose another municipality"))],
        invalid_choice_message=_l("Select yes if this is the municipality where the child lives"),
    )


class MunicipalityForm(StepForm):
    municipality = SelectField(
        _l("Which municipality does the child live in?"),
        invalid_choice_message=_l("Choose the municipality where the child lives"),
    )

    def __init__(self, formdata: Any = None, context: StepContext | None = None) -> None:
        super().__init__(formdata, context)
        self.municipality.choices = [Choice("", _l("Choose a municipality"))] + [
            Choice(value, label) for value, label in self.context.municipality_choices
        ]

    def validate_municipality(self, field: SelectField) -> None:
        if not field.data:
            raise ValidationError(_l("Choose the municipality where the child lives"))


class ConcernForm(StepForm):
    description = TextAreaField(
        _l("What have you seen or heard?"),
        filters=[strip],
        validators=[
            InputRequired(_l("Write what you have seen or heard")),
            Length(
                max=CONCERN_MAX,
                message=_l("The description must be %(max)d characters or fewer"),
            ),
        ],
    )


class AboutYouForm(StepForm):
    name = StringField(
        _l("Your name"),
        filters=[strip],
        validators=[
            required_when(is_professional, _l("Enter your name")),
            Length(max=NAME_MAX, message=_l("Your name must be %(max)d characters or fewer")),
        ],
    )
    role = StringField(
        _l("Your role or job title"),
        filters=[strip],
        validators=[
            required_when(is_professional, _l("Enter your role or job title")),
            Length(max=SHORT_TEXT_MAX, message=_l("Role must be %(max)d characters or fewer")),
        ],
    )
    workplace = StringField(
        _l("Your workplace"),
        filters=[strip],
        validators=[
            required_when(is_professional, _l("Enter the name of your workplace")),
            Length(
                max=SHORT_TEXT_MAX, message=_l("Workplace must be %(max)d characters or fewer")
            ),
        ],
    )
    phone = StringField(
        _l("Phone number"),
        filters=[strip],
        validators=[
            required_when(is_professional, _l("Enter your phone number")),
            Length(max=40, message=_l("Enter a phone number, like 912 34 567 or +47 912 34 567")),
        ],
    )
    email = StringField(
        _l("Email address"),
        filters=[strip],
        validators=[
            required_when(is_professional, _l("Enter your email address")),
            Length(max=254, message=_l("Email address must be 254 characters or fewer")),
        ],
    )

    def validate_phone(self, field: StringField) -> None:
        if not PHONE_RE.match(normalise_phone(field.data)):
            raise ValidationError(_l("Enter a phone number, like 912 34 567 or +47 912 34 567"))

    def validate_email(self, field: StringField) -> None:
        if not EMAIL_RE.match(field.data):
            raise ValidationError(
                _l("Enter an email address in the correct format, like name@example.no")
            )


class CheckForm(StepForm):
    declaration = BooleanField(
        _l("I confirm that the information is correct as far as I know"),
        validators=[InputRequired(_l("Confirm that the information is correct as far as you know"))],
    )


def normalise_phone(text: str) -> str:
    """People write '912 34 567', '+47 912-34-567' or '(+47) 91234567'; keep + and digits."""
    kept = "".join(ch for ch in text if ch.isdigit() or ch == "+")
    return kept[:1] + kept[1:].replace("+", "")
