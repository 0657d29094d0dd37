"""The reporter's pages. Each view parses the request, calls one function in `intake.wizard`,
and renders or redirects."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_wtf.csrf import CSRFError, validate_csrf
from sqlalchemy.exc import SQLAlchemyError
from wtforms.validators import ValidationError

from extensions import config, csrf, db_session, redis_connection
from intake import drafts, journey, wizard
from intake.drafts import DraftData, DraftKey, StaleDraft
from routing import jobs
from routing.acceptance import CannotAccept, NoKeyError
from routing.models import Envelope, Municipality, Service

blueprint = Blueprint("intake", __name__)
# CSRF is checked in the views instead, so an expired token re-shows the page with what was
# typed instead of a bare 400.
csrf.exempt(blueprint)

DRAFT_COOKIE = "draft"
log = logging.getLogger(__name__)


@blueprint.get("/")
def start() -> str:
    return render_template("intake/start.html", draft_hours=config().draft_ttl_seconds // 3600)


@blueprint.route("/report/<step>", methods=["GET", "POST"])
def step(step: str) -> Any:
    if step not in journey.STEP_NAMES:
        abort(404)
    draft = _current_draft()
    if draft is None and step != journey.STEPS[0].name:
        return _no_draft()
    draft = draft or DraftData()
    if draft.sent:
        return redirect(url_for(".receipt"))
    if not journey.can_visit(step, draft.answers, draft.done):
        return redirect(url_for(".step", step=journey.next_step(draft.answers, draft.done)))

    session = db_session()
    if request.method == "GET":
        form = wizard.form_for(step, draft, wizard.context_for(session, draft))
        return _render_step(step, draft, form)

    token_valid = _csrf_valid()
    saved = wizard.save_step(session, draft, step, request.form)
    _save(draft)
    if request.form.get("action") == "back":
        back = journey.previous(step, draft.answers) or step
        return redirect(url_for(".step", step=back), 303)
    if not token_valid:
        saved.form.form_errors.append(
            _expired_message()
        )
        return _render_step(step, draft, saved.form), 400
    if not saved.valid:
        return _render_step(step, draft, saved.form), 422
    if step == "check":
        return redirect(url_for(".step", step="check"), 303)
    if request.args.get("change"):
        target = journey.next_step(draft.answers, draft.done)
    else:
        target = journey.following(step, draft.answers)
        if not journey.can_visit(target, draft.answers, draft.done):
            target = journey.next_step(draft.answers, draft.done)
    return redirect(url_for(".step", step=target), 303)


@blueprint.post("/report/send")
def send() -> Any:
    draft = _current_draft()
    if draft is None:
        return _no_draft()
    if draft.sent:
        return redirect(url_for(".receipt"), 303)
    session = db_session()
    token_valid = _csrf_valid()
    saved = wizard.save_step(session, draft, "check", request.form)
    if not journey.is_complete(draft.answers, draft.done):
        _save(draft)
        return redirect(url_for(".step", step=journey.next_step(draft.answers, draft.done)), 303)
    if not (token_valid and saved.valid):
        _save(draft)
        if not token_valid:
            saved.form.form_errors.append(_expired_message())
        return _render_step("check", draft, saved.form), 400 if not token_valid else 422
    settings = config()
    try:
        sent = wizard.send(
            session, draft, language=str(get_locale()), review_days=settings.review_days
        )
        _save(draft)
        session.commit()
    except StaleDraft:
        # A second "Send" (double click, another tab) lost the race: the first one was sent.
        session.rollback()
        return redirect(url_for(".receipt"), 303)
    except NoKeyError as error:
        session.rollback()
        log.error("service %s has no key in force; a report could not be sealed", error.service.id)
        return render_template("intake/cannot_send.html", service=error.service), 503
    except CannotAccept:
        session.rollback()
        return render_template("intake/cannot_send.html", service=None), 503
    except SQLAlchemyError:
        session.rollback()
        return render_template("intake/not_sent.html"), 503
    _enqueue(sent.envelope.id)
    return redirect(url_for(".receipt"), 303)


@blueprint.get("/report/receipt")
def receipt() -> Any:
    draft = _current_draft()
    if draft is None or not draft.sent:
        return _no_draft()
    session = db_session()
    envelope = session.get(Envelope, draft.sent["envelope_id"])
    if envelope is None:
        abort(404)
    service = session.get(Service, envelope.service_id)
    return render_template(
        "intake/receipt.html",
        envelope=envelope,
        service=service,
        review_days=config().review_days,
    )


@blueprint.post("/report/delete")
def delete() -> Any:
    _csrf_valid()  # deleting is always safe to do, token or not
    response = Response(render_template("intake/deleted.html"))
    _forget_draft(response)
    return response


@blueprint.get("/exit")
def exit_page() -> Any:
    response = redirect(config().exit_url, 303)
    _forget_draft(response)
    return response


# --- helpers -------------------------------------------------------------------------------


def _current_draft() -> DraftData | None:
    key = DraftKey.from_cookie(request.cookies.get(DRAFT_COOKIE))
    if key is None:
        return None
    g.draft_key = key
    return drafts.load(db_session(), key)


def _save(draft: DraftData) -> None:
    session = db_session()
    key = g.get("draft_key")
    if key is None:
        key = g.draft_key = DraftKey.new()
        g.new_draft_cookie = key.to_cookie()
    drafts.save(session, key, draft, timedelta(seconds=config().draft_ttl_seconds))
    if not draft.sent:
        session.commit()


@blueprint.after_app_request
def _set_draft_cookie(response: Response) -> Response:
    cookie = g.pop("new_draft_cookie", None)
    if cookie:
        # No Max-Age: the cookie, and with it the only key to the draft, goes when the browser
        # closes.
        response.set_cookie(
            DRAFT_COOKIE,
            cookie,
            httponly=True,
            secure=config().session_cookie_secure,
            samesite="Lax",
        )
    return response


def _forget_draft(response: Response) -> None:
    key = DraftKey.from_cookie(request.cookies.get(DRAFT_COOKIE))
    if key is not None:
        session = db_session()
        drafts.discard(session, key.draft_id)
        session.commit()
    response.delete_cookie(DRAFT_COOKIE, httponly=True, samesite="Lax")


def _no_draft() -> Any:
    """No draft behind the cookie: it expired, was deleted, or was sent. Say so."""
    had_cookie = DRAFT_COOKIE in request.cookies
    return render_template("intake/no_draft.html", had_cookie=had_cookie), (
        410 if had_cookie else 200
    )


def _csrf_valid() -> bool:
    try:
        validate_csrf(request.form.get("csrf_token"))
    except (ValidationError, CSRFError):
        return False
    return True


def _expired_message() -> Any:
    from flask_babel import lazy_gettext as _l

    return _l("This page had expired. Your answers are still here: check them and continue.")


def _render_step(step: str, draft: DraftData, form: Any) -> str:
    session = db_session()
    extra: dict[str, Any] = {}
    if step == "location-confirm":
        number = journey.answer(draft.answers, "location", "suggested")
        extra["municipality"] = session.get(Municipality, number) if number else None
        extra["postal_code"] = journey.answer(draft.answers, "location", "postal_code_normalised")
    if step == "check":
        extra["summary"] = _summary(draft)
    return render_template(
        f"intake/{step}.html",
        step=step,
        form=form,
        form_errors=bool(form.errors) or bool(getattr(form, "form_errors", [])),
        previous=journey.previous(step, draft.answers),
        reporter_type=journey.answer(draft.answers, "reporter-type", "reporter_type"),
        **extra,
    )


def _summary(draft: DraftData) -> dict[str, Any]:
    counted = journey.counted(draft.answers, draft.done)
    number = journey.municipality_number(counted)
    municipality = db_session().get(Municipality, number) if number else None
    return {"answers": counted, "municipality": municipality}


def _enqueue(envelope_id: str) -> None:
    """Ring the doorbell. If Redis is down the envelope is safe in the database, and the
    reconciler enqueues it later: the reporter's receipt is true either way."""
    try:
        jobs.enqueue_delivery(redis_connection(), config().queue_name, envelope_id)
    except Exception as error:  # noqa: BLE001 - any queue failure is recoverable; say so loudly
        log.error("could not enqueue delivery of %s (%s); the reconciler will", envelope_id,
                  type(error).__name__)
