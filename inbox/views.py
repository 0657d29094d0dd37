"""The intake team's pages. Deny by default: every route but sign-in needs a signed-in user,
and every envelope is looked up within that user's service, in `own_envelope`."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import lazy_gettext as _l

from extensions import db_session
from inbox import auth, envelopes, signin
from inbox.forms import LoginForm
from inbox.models import IntakeUser
from routing.acceptance import NORWAY
from routing.envelope_file import to_file
from routing.models import Envelope, Service

blueprint = Blueprint("inbox", __name__)

# The only endpoints a stranger may reach. Anything added to the blueprint is closed until
# it is listed here; tests walk the url_map to keep it so.
PUBLIC_ENDPOINTS = frozenset({"inbox.login"})


@blueprint.before_request
def require_sign_in() -> Any:
    status = signin.check(session, time.time())
    user = db_session().get(IntakeUser, status.user_id) if status.user_id is not None else None
    if status.user_id is not None and user is None:
        signin.end(session)  # the user was deleted since signing in
    g.user = user
    g.service = db_session().get(Service, user.service_id) if user else None
    if user is not None or request.endpoint in PUBLIC_ENDPOINTS:
        return None
    return redirect(url_for("inbox.login", expired=1 if status.expired else None))


@blueprint.after_request
def no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if g.user is not None:
        return redirect(url_for("inbox.index"))
    form = LoginForm()
    if not form.validate_on_submit():
        status = 422 if form.errors else 200
        return _login_page(form, expired=bool(request.args.get("expired"))), status
    user = auth.authenticate(db_session(), form.username.data or "", form.password.data or "")
    auth.audit(db_session(), "sign-in" if user else "sign-in-failed", user=user)
    db_session().commit()
    if user is None:
        form.form_errors.append(_l("The username or password is wrong"))
        return _login_page(form), 401
    signin.start(session, user.id, time.time())
    return redirect(url_for("inbox.index"), 303)


def _login_page(form: LoginForm, expired: bool = False) -> str:
    return render_template(
        "inbox/login.html", form=form, expired=expired, form_errors=bool(form.errors)
    )


@blueprint.post("/logout")
def logout() -> Any:
    auth.audit(db_session(), "sign-out", user=g.user)
    db_session().commit()
    signin.end(session)
    return redirect(url_for("inbox.login"), 303)


@blueprint.get("/")
def index() -> str:
    rows = envelopes.list_for_service(db_session(), g.user.service_id)
    return render_template("inbox/list.html", rows=rows)


@blueprint.get("/envelopes/<envelope_id>/download")
def download(envelope_id: str) -> Response:
    envelope = own_envelope(envelope_id)
    envelopes.mark_downloaded(db_session(), envelope)
    auth.audit(db_session(), "download", user=g.user, envelope_id=envelope.id)
    db_session().commit()
    # The reference is eight characters of [A-Z0-9] by construction: safe in a header.
    return Response(
        to_file(envelope),
        mimetype="application/json",
        headers={
            "Content-Disposition":
                f'attachment; filename="{envelope.reference}.concern-envelope.json"',
        },
    )


@blueprint.post("/envelopes/<envelope_id>/acknowledge")
def acknowledge(envelope_id: str) -> Any:
    envelope = own_envelope(envelope_id)
    if envelopes.acknowledge(db_session(), envelope):
        auth.audit(db_session(), "acknowledge", user=g.user, envelope_id=envelope.id)
    db_session().commit()
    return redirect(url_for("inbox.index"), 303)


def own_envelope(envelope_id: str) -> Envelope:
    """The signed-in user's service's envelope, or 404: another service's envelope and one that
    does not exist look the same."""
    envelope = envelopes.own_envelope(db_session(), g.user.service_id, envelope_id)
    if envelope is None:
        abort(404)
    return envelope


@blueprint.app_template_filter("oslo_time")
def oslo_time(value: datetime | None) -> str:
    """Norwegian local time, as the team reads it (the law's week runs on it)."""
    return value.astimezone(NORWAY).strftime("%d.%m.%Y %H:%M") if value else ""
