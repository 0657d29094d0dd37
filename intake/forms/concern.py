"""Steps about the parents and the concern itself."""

from __future__ import annotations

from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, ValidationError

from i18n import lazy_gettext as _l
from intake.forms.base import (
    CheckboxesField,
    Choice,
    StepForm,
    limit,
    required_if_value,
    required_when,
    strip,
)
from intake.forms.reporter import PHONE_HINT, valid_phone

NAME_MAX = 200
TEXT_MAX = 5000
CONCERN_MAX = 20000


class ParentsForm(StepForm):
    heading = _l("The child's parents or guardians")
    parent1_name = StringField(
        _l("Name of parent or guardian 1"),
        filters=[strip],
        validators=[
            required_when(lambda form: form.context.reporter_type == "professional",
                          _l("Enter the name of at least one parent or guardian")),
            limit(NAME_MAX),
        ],
        render_kw={"spellcheck": "false"},
    )
    parent1_phone = StringField(
        _l("Phone number of parent or guardian 1 (optional)"),
        filters=[strip],
        validators=[limit(40, PHONE_HINT)],
        render_kw={"type": "tel", "dir": "ltr"},
    )
    parent2_name = StringField(
        _l("Name of parent or guardian 2 (optional)"),
        filters=[strip],
        validators=[limit(NAME_MAX)],
        render_kw={"spellcheck": "false"},
    )
    parent2_phone = StringField(
        _l("Phone number of parent or guardian 2 (optional)"),
        filters=[strip],
        validators=[limit(40, PHONE_HINT)],
        render_kw={"type": "tel", "dir": "ltr"},
    )
    lives_with = TextAreaField(
        _l("Do you know who the child lives with? (optional)"),
        filters=[strip],
        validators=[limit(TEXT_MAX)],
        render_kw={"rows": 3},
    )

    def adapt(self, reporter_type: str | None) -> None:
        if reporter_type == "professional":
            self.drop("lives_with")
        else:
            self.heading = None
            self.drop("parent1_name", "parent1_phone", "parent2_name", "parent2_phone")

    def validate_parent1_phone(self, field: StringField) -> None:
        if field.data and not valid_phone(field.data):
            raise ValidationError(PHONE_HINT)

    def validate_parent2_phone(self, field: StringField) -> None:
        if field.data and not valid_phone(field.data):
            raise ValidationError(PHONE_HINT)


class ParentsToldForm(StepForm):
    told = RadioField(
        _l("Do the parents know that you are sending this report?"),
        description=_l("If the concern is about violence or sexual abuse, do not tell the "
                       "parents. Call the child welfare service first."),
        choices=[Choice("yes", _l("Yes")), Choice("no", _l("No"))],
        invalid_choice_message=_l("Select yes if the parents know about the report"),
    )
    why_not = TextAreaField(
        _l("If no: why not?"),
        filters=[strip],
        validators=[
            required_if_value("told", "no", _l("Write why the parents have not been told")),
            limit(TEXT_MAX),
        ],
        render_kw={"rows": 3},
    )


TOPICS = [
    Choice("violence", _l("Violence against the child")),
    Choice("domestic-violence", _l("Violence between adults at home")),
    Choice("sexual-abuse", _l("Sexual abuse")),
    Choice("neglect", _l("The child does not get food, clothes, care or supervision")),
    Choice("parents-substances", _l("The parents use alcohol or drugs")),
    Choice("parents-mental-health", _l("The parents have mental health problems")),
    Choice("child-behaviour", _l("The child's own behaviour, alcohol or drug use")),
    Choice("honour", _l("Forced marriage, genital mutilation or honour-related violence")),
    Choice("trafficking", _l("Human trafficking")),
    Choice("other", _l("Something else")),
    Choice("unknown", _l("I do not know")),
]


class TopicsForm(StepForm):
    topics = CheckboxesField(
        _l("What are you worried about? (optional)"),
        description=_l("Select all that apply."),
        choices=TOPICS,
        invalid_choice_message=_l("Select from the list"),
    )


class ConcernForm(StepForm):
    intro = _l("Be concrete: what happened, when, and who was there. Use the child's own words "
               "if you can. What you saw or heard matters more than what you think about it.")
    description = TextAreaField(
        _l("What have you seen or heard?"),
        filters=[strip],
        validators=[
            DataRequired(_l("Write what you have seen or heard")),
            limit(CONCERN_MAX),
        ],
        render_kw={"rows": 12},
    )


SOURCES = [
    Choice("seen-heard", _l("I have seen or heard it myself")),
    Choice("child-told", _l("The child has told me")),
    Choice("others-told", _l("Others have told me")),
    Choice("other", _l("Other")),
]


class SourceForm(StepForm):
    sources = CheckboxesField(
        _l("How do you know this?"),
        description=_l("Select all that apply."),
        choices=SOURCES,
        invalid_choice_message=_l("Select from the list"),
        validators=[required_when(lambda form: form.context.reporter_type == "professional",
                                  _l("Select how you know this"))],
    )

    def adapt(self, reporter_type: str | None) -> None:
        if reporter_type != "professional":
            self.sources.label.text = _l("How do you know this? (optional)")


class TimingForm(StepForm):
    heading = _l("When did this happen?")
    frequency = RadioField(
        _l("Has it happened once or several times? (optional)"),
        choices=[
            Choice("once", _l("Once")),
            Choice("several", _l("Several times")),
            Choice("long", _l("Over a long time")),
            Choice("unknown", _l("I do not know")),
        ],
        validate_choice=False,
    )
    since = StringField(
        _l("When did you become worried? (optional)"),
        description=_l("A month and year is enough, for example March 2026."),
        filters=[strip],
        validators=[limit(100)],
    )

    def validate_frequency(self, field: RadioField) -> None:
        if field.data and field.data not in {"once", "several", "long", "unknown"}:
            raise ValidationError(_l("Select from the list"))


class BackgroundForm(StepForm):
    heading = _l("Background")
    background = TextAreaField(
        _l("Background and history"),
        description=_l("What you know of how things have developed for the child."),
        filters=[strip],
        validators=[
            DataRequired(_l("Write the background and history")),
            limit(TEXT_MAX),
        ],
        render_kw={"rows": 6},
    )
    measures = TextAreaField(
        _l("What have you done to help the child? (optional)"),
        filters=[strip],
        validators=[limit(TEXT_MAX)],
        render_kw={"rows": 4},
    )
    other_agencies = TextAreaField(
        _l("Other services involved (optional)"),
        filters=[strip],
        validators=[limit(TEXT_MAX)],
        render_kw={"rows": 3},
    )
    other_views = TextAreaField(
        _l("Anything else the service should know (optional)"),
        filters=[strip],
        validators=[limit(TEXT_MAX)],
        render_kw={"rows": 3},
    )


class ChildViewsForm(StepForm):
    views = TextAreaField(
        _l("Do you know what the child thinks or wants? (optional)"),
        filters=[strip],
        validators=[limit(TEXT_MAX)],
        render_kw={"rows": 5},
    )


class InterpreterForm(StepForm):
    heading = _l("Interpreter")
    needed = RadioField(
        _l("Does the child or the family need an interpreter? (optional)"),
        choices=[Choice("yes", _l("Yes")), Choice("no", _l("No")),
                 Choice("unknown", _l("I do not know"))],
        validate_choice=False,
    )
    language = StringField(
        _l("If yes: which language?"),
        filters=[strip],
        validators=[limit(100)],
    )

    def validate_needed(self, field: RadioField) -> None:
        if field.data and field.data not in {"yes", "no", "unknown"}:
            raise ValidationError(_l("Select from the list"))
