"""The intake team's pages. Deny by default: every route but sign-in needs a signed-in user
(password, then a code from an authenticator app), and every envelope is looked up within that
user's service, in `own_envelope`. The administrators' pages are in `admin_views`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from database import utcnow
from extensions import db_session
from inbox import attempts, auth, envelopes, qr_code, second_factor, signin
from inbox.admin_views import blueprint as admin_blueprint
from inbox.forms import CodeForm, LoginForm
from inbox.models import IntakeUser
from routing.directory import NORWAY
from routing.envelope_file import to_file
from routing.models import Envelope, EnvelopeState, Service

blueprint = Blueprint("inbox", __name__)
# Nested, so its routes are inbox routes: behind require_sign_in and named "inbox.admin.*".
blueprint.register_blueprint(admin_blueprint, url_prefix="/admin")

# The only endpoints a stranger may reach. Anything added to the blueprint is closed until
# it is listed here; tests walk the url_map to keep it so.
PUBLIC_ENDPOINTS = frozenset({"inbox.login"})
# Reached only between a right password and the code: the user is not signed in yet.
SECOND_FACTOR_ENDPOINTS = frozenset({"inbox.code", "inbox.enrol"})
# The list's filters, in the order shown; the values are envelope states.
STATE_FILTERS = (EnvelopeState.DELIVERED, EnvelopeState.DOWNLOADED, EnvelopeState.ACKNOWLEDGED,
                 EnvelopeState.FAILED)


def clock() -> datetime:
    """The time for sign-in rules and due dates; tests replace it to move through time."""
    return utcnow()


@blueprint.before_request
def require_sign_in() -> Any:
    now = clock().timestamp()
    status = signin.check(session, now)
    user = db_session().get(IntakeUser, status.user_id) if status.user_id is not None else None
    if status.user_id is not None and (user is None or not user.active):
        signin.end(session)  # the user was deleted or deactivated since signing in
        user = None
    g.user = user
    g.service = db_session().get(Service, user.service_id) if user else None
    g.pending_user = None
    if user is not None or request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if request.endpoint in SECOND_FACTOR_ENDPOINTS:
        pending_id = signin.pending(session, now)
        pending = db_session().get(IntakeUser, pending_id) if pending_id is not None else None
        if pending is not None and pending.active:
            g.pending_user = pending
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
    now = clock()
    outcome = attempts.password_step(db_session(), current_app.config["SECRET_KEY"],
                                     form.username.data or "", form.password.data or "", now)
    db_session().commit()
    if outcome.locked_minutes is not None:
        return _locked_page(outcome.locked_minutes)
    if outcome.user is None:
        form.form_errors.append(_l("The username or password is wrong"))
        return _login_page(form), 401
    signin.start_pending(session, outcome.user.id, now.timestamp())
    second = "inbox.code" if second_factor.is_enrolled(outcome.user) else "inbox.enrol"
    return redirect(url_for(second), 303)


@blueprint.route("/login/code", methods=["GET", "POST"])
def code() -> Any:
    if g.user is not None:
        return redirect(url_for("inbox.index"))
    if not second_factor.is_enrolled(g.pending_user):
        return redirect(url_for("inbox.enrol"))
    return _second_factor_step("inbox/code.html")


@blueprint.route("/login/enrol", methods=["GET", "POST"])
def enrol() -> Any:
    """The first sign-in (or the first after a reset): the user adds the key to an app and
    proves it with a code before going on."""
    if g.user is not None:
        return redirect(url_for("inbox.index"))
    if second_factor.is_enrolled(g.pending_user):
        return redirect(url_for("inbox.code"))
    secret = second_factor.enrolment_secret(g.pending_user)
    db_session().commit()  # the same key on a reload, until it is confirmed
    uri = second_factor.provisioning_uri(g.pending_user)
    return _second_factor_step(
        "inbox/enrol.html",
        secret=" ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
        uri=uri,
        qr_code=qr_code.svg(uri, _l("QR code with the set-up link for your authenticator app. "
                                    "The same key is written out below.")),
    )


def _second_factor_step(template: str, **context: Any) -> Any:
    form = CodeForm()
    if not form.validate_on_submit():
        status = 422 if form.errors else 200
        return render_template(template, form=form, form_errors=bool(form.errors), **context), (
            status)
    now = clock()
    outcome = attempts.code_step(db_session(), current_app.config["SECRET_KEY"],
                                 g.pending_user, form.code.data or "", now)
    db_session().commit()
    if outcome.locked_minutes is not None:
        signin.end(session)
        return _locked_page(outcome.locked_minutes)
    if outcome.user is None:
        form.code.errors = [_l("The code is wrong or has been used. Wait for a new one.")]
        return render_template(template, form=form, form_errors=True, **context), 401
    signin.start(session, outcome.user.id, now.timestamp())
    return redirect(url_for("inbox.index"), 303)


def _login_page(form: LoginForm, expired: bool = False) -> str:
    return render_template(
        "inbox/login.html", form=form, expired=expired, form_errors=bool(form.errors)
    )


def _locked_page(minutes: int) -> tuple[str, int]:
    form = LoginForm(formdata=None)
    form.form_errors.append(ngettext(
        "Too many failed attempts. Try again in %(num)d minute.",
        "Too many failed attempts. Try again in %(num)d minutes.", minutes))
    return _login_page(form), 429


@blueprint.post("/logout")
def logout() -> Any:
    auth.audit(db_session(), "sign-out", user=g.user)
    db_session().commit()
    signin.end(session)
    return redirect(url_for("inbox.login"), 303)


@blueprint.get("/")
def index() -> str:
    # An unknown state is no filter rather than an error: the links are the only way in.
    state = request.args.get("state")
    state = state if state in STATE_FILTERS else None
    rows = envelopes.list_for_service(db_session(), g.user.service_id, clock(), state)
    not_downloaded = envelopes.count_not_downloaded(db_session(), g.user.service_id)
    return render_template("inbox/list.html", rows=rows, state=state, filters=STATE_FILTERS,
                           not_downloaded=not_downloaded)


@blueprint.get("/envelopes/<envelope_id>/download")
def download(envelope_id: str) -> Any:
    envelope = own_envelope(envelope_id)
    if envelope.sealed_deleted_at is not None:
        # Gone for good, and on purpose (routing/retention.py): 410, with when and why.
        return render_template("inbox/deleted.html", envelope=envelope,
                               deleted_on=oslo_time(envelope.sealed_deleted_at)), 410
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


from inbox import opening  # noqa: E402, F401  (its route is on this blueprint)
