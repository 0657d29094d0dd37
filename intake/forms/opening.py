"""Steps before the children: the emergency question, who is reporting, where the report goes,
and whether a private reporter gives their name."""

from __future__ import annotations

from typing import Any

from wtforms import RadioField, SelectField, StringField
from wtforms.validators import InputRequired, ValidationError

from i18n import lazy_gettext as _l
from intake import journey
from intake.forms.base import Choice, StepForm, limit, strip
from intake.identifiers import ascii_digits
from routing.directory import PostalCodeKind, normalise_postal_code


class EmergencyForm(StepForm):
    answer = RadioField(
        _l("Is a child in danger right now?"),
        choices=[Choice("yes", _l("Yes")), Choice("no", _l("No")),
                 Choice("unsure", _l("I am not sure"))],
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
            Choice("child", _l("I am under 18 and this is about me")),
        ],
        invalid_choice_message=_l("Select who you are"),
    )
    hints = {
        "private": _l("For example a parent, a relative, a neighbour or a friend of the family."),
        "professional": _l("For example a teacher, kindergarten worker or health worker. You "
                           "have a duty to report, and cannot be anonymous."),
        "child": _l("You can tell the child welfare service about something that is hard at "
                    "home or somewhere else."),
    }


class LocationForm(StepForm):
    # Svalbard or Jan Mayen when the postal code given is there (set by validation).
    outside_area: str | None = None
    postal_code = StringField(
        _l("What is the postal code where the child lives?"),
        description=_l("4 digits, for example 0150. The report goes to the child welfare "
                       "service where the child lives."),
        filters=[strip],
        validators=[
            InputRequired(_l("Enter the postal code where the child lives")),
            limit(20, _l("Postal code must be 4 digits, like 0150")),
        ],
        render_kw={"inputmode": "numeric", "width": "4", "dir": "ltr"},
    )

    def validate_postal_code(self, field: StringField) -> None:
        code = normalise_postal_code(ascii_digits(field.data))
        if len(code) != 4:
            raise ValidationError(_l("Postal code must be 4 digits, like 0150"))
        if self.context.look_up_postal_code is None:
            return
        found = self.context.look_up_postal_code(code)
        self._found = found
        if found.kind is PostalCodeKind.UNKNOWN:
            raise ValidationError(self.says("unknown", _l(
                "We could not find postal code %(code)s. Check it, or choose the municipality "
                "from the list")) % {"code": code})
        if found.kind is PostalCodeKind.NOT_A_HOME:
            raise ValidationError(self.says("not-a-home", _l(
                "%(code)s is a postal code for PO boxes or businesses, not homes. Enter the "
                "postal code of the child's home, or choose the municipality from the list"))
                % {"code": code})
        if found.kind is PostalCodeKind.NOT_A_MUNICIPALITY:
            # The page then offers its own way on to the list, keeping the postal code: the
            # reporter knows it, so "I do not know the postal code" would be untrue.
            self.outside_area = found.place
            raise ValidationError(self.says("not-a-municipality", _l(
                "%(code)s is on %(place)s, which is not a municipality. Choose from the list the "
                "municipality where the child's family is registered"))
                % {"code": code, "place": found.place})

    def derived(self) -> dict[str, str]:
        found = getattr(self, "_found", None)
        if found is None or not found.municipalities:
            return {}
        return {
            "mode": "postal_code",
            "postal_code_normalised": normalise_postal_code(ascii_digits(self.postal_code.data)),
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
        description=_l("The list shows each municipality with its county."),
        invalid_choice_message=_l("Choose a municipality from the list"),
    )

    def __init__(self, formdata: Any = None, context: Any = None) -> None:
        super().__init__(formdata, context)
        choices = [Choice("", _l("Choose a municipality"))] + [
            Choice(value, label) for value, label in self.context.municipality_choices
        ]
        if self._where_was:
            choices.append(Choice("unknown", _l("I do not know this either")))
        self.municipality.choices = choices

    @property
    def _where_was(self) -> bool:
        return self.context.answers.get("location", {}).get("mode") == "where_was"

    def adapt(self, reporter_type: str | None) -> None:
        if journey.outside_area(self.context.answers):
            # Svalbard and Jan Mayen are not municipalities: the report goes to the
            # municipality where the family is registered (routing/directory.py).
            self.municipality.label.text = (
                _l("Which municipality is your family registered in?") if reporter_type == "child"
                else _l("Which municipality is the child's family registered in?"))
        elif self._where_was:
            self.municipality.label.text = _l(
                "Which municipality was the child in when you became worried?")
            self.municipality.description = _l(
                "If you do not know this either, choose the last option: the report then goes "
                "to the municipality where you live, and the service is told why.")

    def validate_municipality(self, field: SelectField) -> None:
        if not field.data:
            raise ValidationError(self.says("choose", _l("Choose a municipality from the list")))


class OwnMunicipalityForm(StepForm):
    municipality = SelectField(
        # Not "Which municipality do you live in?": a child is asked that, and languages that
        # speak to a child informally need the adult's question as a message of its own.
        _l("Which municipality do you live in yourself?"),
        description=_l("When nobody knows where the child is, the report goes to the child "
                       "welfare service where you live. They will pass it on."),
        invalid_choice_message=_l("Choose a municipality from the list"),
    )

    def __init__(self, formdata: Any = None, context: Any = None) -> None:
        super().__init__(formdata, context)
        self.municipality.choices = [Choice("", _l("Choose a municipality"))] + [
            Choice(value, label) for value, label in self.context.municipality_choices
        ]

    def validate_municipality(self, field: SelectField) -> None:
        if field.data not in {value for value, _label in self.context.municipality_choices}:
            raise ValidationError(_l("Choose a municipality from the list"))


class DistrictForm(StepForm):
    """Asked only where a district (bydel) of the municipality has a service of its own. A
    district is shown by its name ("Gamle Oslo"); one the directory has no name for, by its own
    two digits beside the municipality's name."""

    district = RadioField(
        _l("Which district (bydel) does the child live in?"),
        description=_l("Some districts have their own child welfare service. If it is another "
                       "district, or you do not know, choose the last option."),
        invalid_choice_message=_l("Select the district where the child lives, or that you do "
                                  "not know"),
    )

    def __init__(self, formdata: Any = None, context: Any = None) -> None:
        super().__init__(formdata, context)
        name, names = self.context.municipality_name, self.context.district_names
        self.district.choices = [
            Choice(number, names.get(number) or _l(
                "%(municipality)s, bydel %(number)s", municipality=name, number=number[4:]))
            for number in journey.districts(self.context.answers)
        ] + [Choice("unknown", _l("I do not know / another district"))]
        if journey.location_mode(self.context.answers) == "postal_code":
            self.intro = _l("The postal code alone does not tell which district it is.")


class AnonymityForm(StepForm):
    anonymity = RadioField(
        _l("Do you want to give your name?"),
        choices=[
            Choice("named", _l("Yes")),
            Choice("confidential", _l("Yes, but I do not want the family to know it was me")),
            Choice("anonymous", _l("No, I want to be anonymous")),
        ],
        invalid_choice_message=_l("Select whether you want to give your name"),
    )
    hints = {
        "confidential": _l("The child welfare service decides whether your name can be kept "
                           "from the family. It may become known if the case goes to the Child "
                           "Welfare Tribunal (barneverns- og helsenemnda)."),
        # Not "cannot tell you that they received it": the receipt's status code does.
        "anonymous": _l("The family may be able to read what you write, so leave out details "
                        "that reveal who you are. The service cannot ask you questions, so "
                        "write as fully as you can. Your receipt lets you check that they "
                        "received the report."),
    }
