"""Forms of the inbox room."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length, Regexp

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
