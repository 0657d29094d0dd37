"""The intake team's pages. Deny by default: every route but sign-in needs a signed-in user,
and every envelope is looked up within that user's service."""

from __future__ import annotations

import time
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

from database import utcnow
from extensions import db_session
from inbox import auth, envelopes
from inbox.forms import LoginForm
from inbox.models import IntakeUser
from routing.acceptance import NORWAY
from routing.envelope_file import to_file
from routing.models import Envelope, Service

blueprint = Blueprint("inbox", __name__)

PUBLIC_ENDPOINTS = {"inbox.login"}
IDLE_TIMEOUT_SECONDS = 30 * 60


@blueprint.before_request
def require_sign_in() -> Any:
    g.user = None
    user_id = session.get("inbox_user")
    last_seen = session.get("inbox_seen", 0)
    if user_id is not None and time.time() - last_seen < IDLE_TIMEOUT_SECONDS:
        g.user = db_session().get(IntakeUser, user_id)
    if g.user is not None:
        session["inbox_seen"] = int(time.time())
        g.service = db_session().get(Service, g.user.service_id)
        return None
    if user_id is not None:
        session.pop("inbox_user", None)
        session.pop("inbox_seen", None)
        g.expired = True
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    return redirect(url_for("inbox.login", next_expired=1 if g.get("expired") else None))


@blueprint.after_request
def no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if g.user is not None:
        return redirect(url_for("inbox.index"))
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        user = auth.authenticate(db_session(), form.username.data, form.password.data)
        if user is not None:
            auth.audit(db_session(), "sign-in", user=user)
            db_session().commit()
            session.clear()
            session["inbox_user"] = user.id
            session["inbox_seen"] = int(time.time())
            return redirect(url_for("inbox.index"), 303)
        auth.audit(db_session(), "sign-in-failed")
        db_session().commit()
        failed = True
        form.form_errors.append(_l("The username or password is wrong"))
    status = 200
    if form.errors or failed:
        status = 401 if failed else 422
    expired = bool(request.args.get("next_expired"))
    return render_template("inbox/login.html", form=form, expired=expired,
                           form_errors=bool(form.errors) or failed), status


@blueprint.post("/logout")
def logout() -> Any:
    session.clear()
    return redirect(url_for("inbox.login"), 303)


@blueprint.get("/")
def index() -> str:
    items = envelopes.list_for_service(db_session(), g.user.service_id)
    return render_template("inbox/list.html", envelopes=items, now=utcnow())


@blueprint.get("/envelopes/<envelope_id>/download")
def download(envelope_id: str) -> Response:
    envelope = _own(envelope_id)
    envelopes.mark_downloaded(db_session(), envelope)
    auth.audit(db_session(), "download", user=g.user, envelope_id=envelope.id)
    db_session().commit()
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
    envelope = _own(envelope_id)
    envelopes.acknowledge(db_session(), envelope)
    auth.audit(db_session(), "acknowledge", user=g.user, envelope_id=envelope.id)
    db_session().commit()
    return redirect(url_for("inbox.index"), 303)


def _own(envelope_id: str) -> Envelope:
    envelope = envelopes.own_envelope(db_session(), g.user.service_id, envelope_id)
    if envelope is None:
        abort(404)
    return envelope


@blueprint.app_template_filter("oslo_time")
def oslo_time(value: Any) -> str:
    return value.astimezone(NORWAY).strftime("%d.%m.%Y %H:%M") if value else ""
