"""The reporter's own details, by reporter type, and the declaration before sending."""

from __future__ import annotations

import re

from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import InputRequired, ValidationError

from i18n import lazy_gettext as _l
from intake.forms.base import StepForm, limit, required_when, strip
from intake.identifiers import ascii_digits, digits, is_valid_organisation_number

NAME_MAX = 200
PHONE_RE = re.compile(r"^\+?[0-9]{8,15}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_HINT = _l("Enter a phone number, like 912 34 567 or +47 912 34 567")


def normalise_phone(text: str) -> str:
    """People write '912 34 567', '+47 912-34-567', '(+47) 91234567' or '+٤٧ ٩١٢ ٣٤ ٥٦٧';
    keep + and the digits, in ASCII."""
    kept = "".join(ch for ch in ascii_digits(text) if ch in "0123456789" or ch == "+")
    return kept[:1] + kept[1:].replace("+", "")


def valid_phone(text: str) -> bool:
    return bool(PHONE_RE.match(normalise_phone(text)))


def _professional(form: StepForm) -> bool:
    return form.context.reporter_type == "professional"


def _named_private(form: StepForm) -> bool:
    return form.context.reporter_type == "private"


def _confidential(form: StepForm) -> bool:
    """A private reporter who gives their name but not to the family: a call or a letter at
    the wrong time could tell the family who it was, so they are asked how to be reached."""
    return form.context.answers.get("anonymity", {}).get("anonymity") == "confidential"


class AboutYouForm(StepForm):
    heading = _l("About you")
    name = StringField(
        _l("Your name"),
        filters=[strip],
        validators=[
            required_when(lambda form: _professional(form) or _named_private(form),
                          _l("Enter your name")),
            limit(NAME_MAX),
        ],
        render_kw={"autocomplete": "name", "spellcheck": "false"},
    )
    role = StringField(
        _l("Your role or job title"),
        filters=[strip],
        validators=[
            required_when(_professional, _l("Enter your role or job title")),
            limit(NAME_MAX),
        ],
        render_kw={"autocomplete": "organization-title"},
    )
    workplace = StringField(
        _l("Your workplace"),
        filters=[strip],
        validators=[
            required_when(_professional, _l("Enter the name of your workplace")),
            limit(NAME_MAX),
        ],
        render_kw={"autocomplete": "organization"},
    )
    workplace_address = StringField(
        _l("Your workplace's address"),
        filters=[strip],
        validators=[
            required_when(_professional, _l("Enter the address of your workplace")),
            limit(NAME_MAX),
        ],
    )
    organisation_number = StringField(
        _l("Organisation number (optional)"),
        description=_l("9 digits"),
        filters=[strip],
        validators=[limit(40, _l("An organisation number has 9 digits"))],
        render_kw={"inputmode": "numeric", "dir": "ltr", "width": "10"},
    )
    phone = StringField(
        _l("Phone number"),
        filters=[strip],
        validators=[
            required_when(_professional, _l("Enter your phone number")),
            limit(40, PHONE_HINT),
        ],
        render_kw={"type": "tel", "autocomplete": "tel", "dir": "ltr"},
    )
    email = StringField(
        _l("Email address"),
        filters=[strip],
        validators=[
            required_when(_professional, _l("Enter your email address")),
            limit(254, _l("Email address must be 254 characters or fewer")),
        ],
        render_kw={"type": "email", "autocomplete": "email", "spellcheck": "false",
                   "dir": "ltr"},
    )
    safe_contact = TextAreaField(
        _l("How can the child welfare service contact you safely? (optional)"),
        description=_l("Do not give a phone number that others in your family can see."),
        filters=[strip],
        validators=[limit(500)],
        render_kw={"rows": 3},
    )

    def adapt(self, reporter_type: str | None) -> None:
        if reporter_type == "professional":
            self.intro = _l("As a professional you cannot report anonymously. The service "
                            "will tell you that they received the report, and whether they "
                            "open an investigation.")
            self.drop("safe_contact")
        elif reporter_type != "child":  # a child's page is in intake/forms/wording.py
            self.intro = _l("The service can ask you questions and will confirm that they "
                            "received the report.")
            self.phone.label.text = _l("Phone number (optional)")
            self.phone.description = _l("So the service can contact you with questions.")
            self.email.label.text = _l("Email address (optional)")
            self.drop("role", "workplace", "workplace_address", "organisation_number")
            if _confidential(self):
                self.safe_contact.description = _l(
                    "For example when it is safe to call you, or that they must not send "
                    "letters to your home.")
            else:
                self.drop("safe_contact")

    def validate_phone(self, field: StringField) -> None:
        if not valid_phone(field.data):
            raise ValidationError(PHONE_HINT)

    def validate_email(self, field: StringField) -> None:
        if not EMAIL_RE.match(field.data):
            raise ValidationError(
                _l("Enter an email address in the correct format, like name@example.no"))

    def validate_organisation_number(self, field: StringField) -> None:
        if not field.data:
            return
        number = digits(field.data)
        if len(number) != 9:
            raise ValidationError(_l("An organisation number has 9 digits"))
        if not is_valid_organisation_number(number):
            raise ValidationError(_l("Check the organisation number: the digits do not add up "
                                     "to a real number"))


class CheckForm(StepForm):
    declaration = BooleanField(
        _l("I confirm that the information is correct as far as I know"),
        validators=[InputRequired(_l("Confirm that the information is correct as far as you "
                                     "know"))],
    )

