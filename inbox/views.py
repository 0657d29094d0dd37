"""The intake team's pages. Deny by default: every route but sign-in needs a signed-in user
(password, then a code from an authenticator app) whose session the server still holds
(inbox/signin.py), and every envelope is looked up within that user's service, in
`own_envelope`. The administrators' pages are in `admin_views`."""

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

import rate_limits
from database import utcnow
from extensions import db_session
from inbox import attempts, auth, envelopes, qr_code, second_factor, signin, totp
from inbox.admin_views import blueprint as admin_blueprint
from inbox.forms import CodeForm, EnrolWithNewPasswordForm, LoginForm
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
# In Flask's session, chosen by the person, not about them: survives signing in and out.
KEPT_KEYS = ("lang",)
# The list's filters, in the order shown; the values are envelope states.
STATE_FILTERS = (EnvelopeState.DELIVERED, EnvelopeState.DOWNLOADED, EnvelopeState.ACKNOWLEDGED,
                 EnvelopeState.FAILED)


def clock() -> datetime:
    """The time for sign-in rules and due dates; tests replace it to move through time."""
    return utcnow()


@blueprint.before_request
def require_sign_in() -> Any:
    """Who this browser is, from its session row on the server (inbox/signin.py); the cookie
    alone proves nothing. Everything but the sign-in pages needs an active session."""
    now = g.now = clock()
    db = db_session()
    token = session.get(signin.TOKEN_KEY)
    found = signin.find(db, token, now) if token is not None else signin.Found(None)
    row = found.row
    user = db.get(IntakeUser, row.user_id) if row is not None else None
    if row is not None and (user is None or not user.active):
        db.delete(row)  # the user was deleted or deactivated since signing in
        row = user = None
    if token is not None and row is None:
        session.pop(signin.TOKEN_KEY, None)
    g.inbox_session = row
    g.user = user if row is not None and row.stage == signin.ACTIVE else None
    g.service = db.get(Service, user.service_id) if g.user is not None else None
    g.pending_user = user if row is not None and row.stage == signin.PENDING else None
    if (row is not None and row.stage == signin.ACTIVE and signin.touch(row, now)) or (
            db.new or db.dirty or db.deleted):
        db.commit()
    if g.user is not None or request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if g.pending_user is not None and request.endpoint in SECOND_FACTOR_ENDPOINTS:
        return None
    return redirect(url_for("inbox.login", expired=1 if found.expired else None))


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
    outcome = attempts.password_step(db_session(), _attempt(), form.username.data or "",
                                     form.password.data or "", now)
    db_session().commit()
    if outcome.locked_minutes is not None:
        return _locked_page(outcome.locked_minutes)
    if outcome.user is None:
        form.form_errors.append(_l("The username or password is wrong"))
        return _login_page(form), 401
    _start_session(outcome.user, signin.PENDING, now)
    second = "inbox.code" if second_factor.is_enrolled(outcome.user) else "inbox.enrol"
    return redirect(url_for(second), 303)


@blueprint.route("/login/code", methods=["GET", "POST"])
def code() -> Any:
    if g.user is not None:
        return redirect(url_for("inbox.index"))
    if not second_factor.is_enrolled(g.pending_user):
        return redirect(url_for("inbox.enrol"))
    form = CodeForm()
    if not form.validate_on_submit():
        return _second_factor_page("inbox/code.html", form)
    now = clock()
    outcome = attempts.code_step(db_session(), _attempt(), g.pending_user, form.code.data or "",
                                 now)
    return _second_factor_outcome(outcome, "inbox/code.html", form, now, enrolled=False)


@blueprint.route("/login/enrol", methods=["GET", "POST"])
def enrol() -> Any:
    """The first sign-in (or the first after a reset): the user adds a key to an app and proves
    it with a code before going on, and replaces a password somebody else chose with their own.
    The key is this browser session's own until it is confirmed (second_factor.py)."""
    if g.user is not None:
        return redirect(url_for("inbox.index"))
    user = g.pending_user
    if second_factor.is_enrolled(user):
        return redirect(url_for("inbox.code"))
    token = session[signin.TOKEN_KEY]
    secret = signin.enrolment_secret(g.inbox_session, token)
    if secret is None:
        secret = totp.new_secret()
        signin.keep_enrolment_secret(g.inbox_session, token, secret)
        # Who was shown a key, and when: a key shown in a session the user does not recognise
        # is worth asking about. The key itself is in no log.
        auth.audit(db_session(), "authenticator-key-shown", user=user)
        db_session().commit()
    uri = second_factor.provisioning_uri(user, secret)
    context = {
        "secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
        "uri": uri,
        "qr_code": qr_code.svg(uri, _l("QR code with the set-up link for your authenticator "
                                       "app. The same key is written out below.")),
    }
    form = EnrolWithNewPasswordForm() if user.password_is_initial else CodeForm()
    valid = form.validate_on_submit()
    if valid and user.password_is_initial and auth.is_current_password(
            user, form.new_password.data or ""):
        form.new_password.errors = [_l("Choose a password other than the one you were given")]
        valid = False
    if not valid:
        return _second_factor_page("inbox/enrol.html", form, **context)
    now = clock()
    new_password = form.new_password.data if user.password_is_initial else None
    outcome = attempts.enrol_step(db_session(), _attempt(), user, secret, form.code.data or "",
                                  new_password, now)
    return _second_factor_outcome(outcome, "inbox/enrol.html", form, now, enrolled=True,
                                  **context)


def _second_factor_page(template: str, form: Any, status: int | None = None,
                        **context: Any) -> Any:
    if status is None:
        status = 422 if form.errors else 200
    return render_template(template, form=form, form_errors=bool(form.errors), **context), status


def _second_factor_outcome(outcome: attempts.Outcome, template: str, form: Any, now: datetime,
                           *, enrolled: bool, **context: Any) -> Any:
    db = db_session()
    if outcome.locked_minutes is not None:
        signin.end(db, session.get(signin.TOKEN_KEY))
        db.commit()
        _reset_browser_session()
        return _locked_page(outcome.locked_minutes)
    if outcome.user is None:
        db.commit()
        form.code.errors = [_l("The code is wrong or has been used. Wait for a new one.")]
        return _second_factor_page(template, form, 401, **context)
    # Signed in: a new token for the new stage. Once a key or a password has changed, every
    # other session of the user ends too (whoever saw another key, or the old password, is out).
    if enrolled:
        signin.end_all(db, outcome.user.id)
    else:
        signin.end(db, session.get(signin.TOKEN_KEY))
    _start_session(outcome.user, signin.ACTIVE, now)
    return redirect(url_for("inbox.index"), 303)


def _start_session(user: IntakeUser, stage: str, now: datetime) -> None:
    """A fresh browser session for the stage: whatever the browser had before is dropped (no
    fixation), and so is the session row behind it."""
    db = db_session()
    signin.end(db, session.get(signin.TOKEN_KEY))
    token = signin.start(db, user.id, stage, now)
    db.commit()
    _reset_browser_session()
    session[signin.TOKEN_KEY] = token


def _reset_browser_session() -> None:
    kept = {key: session[key] for key in KEPT_KEYS if key in session}
    session.clear()
    session.update(kept)


def _attempt() -> attempts.Attempt:
    return attempts.Attempt(current_app.config["SECRET_KEY"], rate_limits.request_client())


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
    """Ends this browser's session on the server: a copy of the cookie is worth nothing after."""
    auth.audit(db_session(), "sign-out", user=g.user)
    signin.end(db_session(), session.get(signin.TOKEN_KEY))
    db_session().commit()
    _reset_browser_session()
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


from inbox import feedback_views, opening  # noqa: E402, F401  (their routes are on this blueprint)
