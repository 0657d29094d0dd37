"""Forms of the inbox room."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice as Choice
from wtforms.validators import EqualTo, InputRequired, Length, Regexp, ValidationError

from inbox.auth import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, USERNAME_RE, normalise_username


class LoginForm(FlaskForm):
    username = StringField(
        _l("Username"),
        validators=[InputRequired(_l("Enter your username")), Length(max=100)],
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_l("Enter your password")), Length(max=1000)],
    )


class CodeForm(FlaskForm):
    """The six digits from the authenticator app, at sign-in and when enrolling."""

    code = StringField(
        _l("Sign-in code"),
        description=_l("The 6 digits your authenticator app shows."),
        validators=[InputRequired(_l("Enter the sign-in code")), Length(max=20)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "dir": "ltr"},
    )


class EnrolWithNewPasswordForm(CodeForm):
    """Enrolling with a password somebody else chose: the code, and the user's own password,
    which replaces the one they were given (that one works for this sign-in only)."""

    new_password = PasswordField(
        _l("New password"),
        description=_l("At least 12 characters. The password you were given works only this "
                       "once."),
        validators=[InputRequired(_l("Enter a new password")),
                    Length(min=MIN_PASSWORD_LENGTH, message=_l("Use at least 12 characters")),
                    Length(max=MAX_PASSWORD_LENGTH)],
    )
    new_password_again = PasswordField(
        _l("New password again"),
        validators=[InputRequired(_l("Enter the new password again")),
                    EqualTo("new_password", message=_l("The two passwords are not the same"))],
    )


class AddMemberForm(FlaskForm):
    username = StringField(
        _l("Username"),
        filters=[lambda value: normalise_username(value) if value else value],
        validators=[
            InputRequired(_l("Enter a username")),
            Regexp(USERNAME_RE.pattern + r"\Z", message=_l("Use only a-z, 0-9 and . _ @ -")),
        ],
        render_kw={"autocomplete": "off", "spellcheck": "false", "dir": "ltr"},
    )


def _parse_date(value: str) -> date | None:
    """A browser's date input sends 2027-01-31; a person typing may write 31.01.2027."""
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(value.strip(), pattern).date()
        except ValueError:
            continue
    return None


class _DateOf:
    def __call__(self, form: FlaskForm, field: StringField) -> None:
        if _parse_date(field.data or "") is None:
            raise ValidationError(_l("Enter the date as day.month.year, for example 31.01.2027"))


def _date_field(label: LazyString) -> StringField:
    return StringField(
        label,
        validators=[InputRequired(_l("Enter the date")), Length(max=20), _DateOf()],
        render_kw={"type": "date", "dir": "ltr"},
    )


class FeedbackStepForm(FlaskForm):
    """Shared by the two steps the team records: the answer and the date it happened."""

    def day(self) -> date:
        parsed = _parse_date(self.on.data or "")  # type: ignore[attr-defined]
        assert parsed is not None  # validated
        return parsed


class DecisionForm(FeedbackStepForm):
    """Whether an investigation was opened: told to a reporter with the duty to report."""

    opened = RadioField(
        _l("Was an investigation opened?"),
        choices=[Choice("yes", _l("Yes, an investigation was opened")),
                 Choice("no", _l("No, the report was closed without one (henlagt)"))],
        validators=[InputRequired(_l("Choose whether an investigation was opened"))],
    )
    on = _date_field(_l("Date of the decision"))


class OutcomeForm(FeedbackStepForm):
    """How the investigation ended, in the law's two words."""

    outcome = RadioField(
        _l("How did the investigation end?"),
        choices=[Choice("closed", _l("Closed (henlagt)")),
                 Choice("followed-up", _l("The child is followed up"))],
        validators=[InputRequired(_l("Choose how the investigation ended"))],
    )
    on = _date_field(_l("Date the investigation ended"))
