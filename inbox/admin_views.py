"""The service administrator's pages: the users of their own service (with their open
sessions) and its audit log.

A blueprint nested in the inbox's, so the inbox's sign-in check runs first; its own check then
answers 404 to anyone who is not an administrator, for every route added here. Users are looked
up within the administrator's service only, in `own_user`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, g, redirect, render_template, url_for
from flask_babel import gettext as _

from extensions import db_session
from inbox import audit_log, auth, second_factor, signin, users
from inbox.forms import AddMemberForm
from inbox.models import IntakeUser

blueprint = Blueprint("admin", __name__)

# The page shows this many entries; the CSV export has them all.
AUDIT_PAGE_ROWS = 500


@blueprint.before_request
def require_admin() -> None:
    # 404, not 403: a member learns nothing about what administrators can reach.
    if not g.user.is_admin:
        abort(404)


@blueprint.get("/users")
def user_list() -> str:
    return _users_page(AddMemberForm(formdata=None))


@blueprint.post("/users")
def add_member() -> Any:
    form = AddMemberForm()
    if form.validate_on_submit() and users.username_taken(db_session(), form.username.data):
        form.username.errors = [*form.username.errors, _("That username is taken")]
    if form.errors:
        return _users_page(form), 422
    user, password = users.add_member(db_session(), g.user.service_id, form.username.data)
    auth.audit(db_session(), "user-added", user=g.user, subject=user)
    db_session().commit()
    # Shown in this response only (no-store): the password is not kept anywhere readable.
    return _users_page(AddMemberForm(formdata=None), new_user=user.username,
                       new_password=password), 201


@blueprint.post("/users/<int:user_id>/reset-authenticator")
def reset_authenticator(user_id: int) -> Any:
    user = own_user(user_id)
    second_factor.reset(user)
    # A session signed in with the old app is no proof of the new one.
    signin.end_all(db_session(), user.id)
    auth.audit(db_session(), "authenticator-reset", user=g.user, subject=user)
    db_session().commit()
    return redirect(url_for("inbox.admin.user_list"), 303)


@blueprint.post("/users/<int:user_id>/deactivate")
def deactivate(user_id: int) -> Any:
    user = own_user(user_id)
    if user.id == g.user.id:
        abort(400)  # the button is not offered: a service must not lose its last administrator
    if user.active:
        users.deactivate(db_session(), user)
        auth.audit(db_session(), "user-deactivated", user=g.user, subject=user)
    db_session().commit()
    return redirect(url_for("inbox.admin.user_list"), 303)


@blueprint.post("/users/<int:user_id>/end-sessions")
def end_sessions(user_id: int) -> Any:
    """Signs the user out everywhere at once (a lost laptop, a session they do not recognise)."""
    user = own_user(user_id)
    if signin.end_all(db_session(), user.id):
        auth.audit(db_session(), "sessions-ended", user=g.user, subject=user)
    db_session().commit()
    return redirect(url_for("inbox.admin.user_list"), 303)


@blueprint.get("/audit")
def audit() -> str:
    rows = audit_log.entries_for_service(db_session(), g.user.service_id, AUDIT_PAGE_ROWS)
    return render_template("inbox/audit.html", rows=rows)


@blueprint.get("/audit.csv")
def audit_csv() -> Response:
    rows = audit_log.entries_for_service(db_session(), g.user.service_id)
    return Response(
        audit_log.to_csv(rows).encode("utf-8"),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'},
    )


def own_user(user_id: int) -> IntakeUser:
    """A user of the administrator's service, or 404: another service's user and one that does
    not exist look the same."""
    user = users.own_user(db_session(), g.user.service_id, user_id)
    if user is None:
        abort(404)
    return user


def _users_page(form: AddMemberForm, **context: Any) -> str:
    return render_template(
        "inbox/users.html", form=form,
        rows=users.list_for_service(db_session(), g.user.service_id, g.now),
        form_errors=bool(form.errors), **context,
    )

