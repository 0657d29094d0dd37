"""The reporter's pages. Each view parses the request, calls one function in `intake.wizard`,
and renders or redirects."""

from __future__ import annotations

import functools
import logging
import re
from datetime import timedelta
from pathlib import Path
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
    url_for,
)
from flask_babel import format_number
from sqlalchemy.exc import SQLAlchemyError

import form_tokens
import i18n
from database import utcnow
from extensions import (
    commit,
    config,
    csrf,
    db_connection,
    db_session,
    db_session_when_used,
    redis_connection,
    request_state,
    this_request,
    without_transaction,
)
from i18n import lazy_gettext as _l
from i18n import ngettext
from intake import dates, drafts, journey, summary, wizard
from intake.bidi import ltr_numbers
from intake.drafts import DraftData, DraftKey, StaleDraft
from intake.forms.base import section_caption, shown_limit
from intake.forms.status import StatusForm
from routing import alerts, directory, jobs, receipt_status
from routing.acceptance import CannotAccept, NoKeyError
from routing.directory import NORWAY
from routing.models import Municipality

blueprint = Blueprint("intake", __name__)
# CSRF is checked in the views instead, so an expired token re-shows the page with what was
# typed instead of a bare 400.
csrf.exempt(blueprint)

DRAFT_COOKIE = "draft"
log = logging.getLogger(__name__)
blueprint.add_app_template_filter(ltr_numbers, "ltr_numbers")


@blueprint.before_request
def _steps_without_transaction() -> None:
    # A reporter's GET reads its draft and the directory, statement by statement; the one that
    # writes (/exit: one DELETE of the draft) needs no transaction around it either. Nor does a
    # step's POST: its one write is the draft's conditional UPDATE (or its INSERT), a statement
    # that stands alone, so no BEGIN and COMMIT round trips. Sending keeps its transaction: the
    # draft marked sent and the sealed report are written together or not at all.
    this = this_request()
    if this.method in ("GET", "HEAD") or this.endpoint == "intake.step":
        without_transaction()


def limit_hint(maximum: int) -> str:
    """"Up to 2,000 characters.", in the reporter's language, for a field's stated limit."""
    return _limit_hint(i18n.locale_code(), maximum)


@functools.lru_cache(maxsize=256)
def _limit_hint(locale: str, maximum: int) -> str:
    # Per language and limit: Babel's number formatting was a fortieth of a page's CPU.
    # `locale` is the request's, which ngettext and format_number use.
    return ngettext("Up to %(limit)s character.", "Up to %(limit)s characters.", maximum,
                    limit=format_number(maximum))


@blueprint.app_template_global()
def has_limits(form: Any) -> bool:
    """Whether the page needs the character counter's script."""
    return any(shown_limit(field) for field in form)


@blueprint.get("/")
def start() -> str:
    # The start page shows the whole language list and the whole translation notice.
    return render_template("intake/start.html", draft_hours=config().draft_ttl_seconds // 3600,
                           full_header=True)


@blueprint.get("/about-exit")
def about_exit() -> str:
    return render_template("intake/about_exit.html")


@blueprint.route("/report/<step>", methods=["GET", "POST"])
def step(step: str) -> Any:
    if not journey.is_step(step):
        abort(404)
    draft = _current_draft()
    if draft is None and step != journey.OPENING[0].name:
        return _no_draft()
    draft = draft or DraftData()
    if draft.sent:
        return redirect(url_for(".receipt"))
    if not journey.can_visit(step, draft.answers, draft.done):
        return redirect(url_for(".step", step=journey.next_step(draft.answers, draft.done)))

    session = db_session_when_used
    this = this_request()
    if this.method == "GET":
        return _render_step(step, draft, wizard.form_for(session, step, draft))
    if step == journey.NOT_RECEIVING:
        abort(405)

    if not _csrf_valid():
        # Before anything is stored, whichever button was pressed ("back" and the language
        # switch store too). Not a bare 400: the page again, with what was typed and what
        # happened, and a fresh token to send it with.
        form = wizard.form_for(session, step, draft, this.form)
        form.form_errors.append(_expired_message())
        return _render_step(step, draft, form), 422
    action = this.form.get("action", "")
    saved = wizard.save_step(session, draft, step, this.form)
    _save(draft)
    change = this.args.get("change")
    if action == "back":
        back = journey.previous(step, draft.answers) or step
        return redirect(url_for(".step", step=back), 303)
    if action == "language" or saved.stay:
        # The language switch on a form page submits the form, so nothing typed is lost.
        return redirect(url_for(".step", step=step, change=change), 303)
    if not saved.valid:
        return _render_step(step, draft, saved.form), 422
    if change:
        # A change from check-your-answers visits only what the change made newly required,
        # then goes back to the check page.
        target = journey.next_step(draft.answers, draft.done)
        if target != "check":
            return redirect(url_for(".step", step=target, change=1), 303)
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
        return _render_step("check", draft, saved.form), 422
    reporter_type = journey.reporter_type(draft.answers)
    # The receipt tells an anonymous reporter that the status page is their only way to hear.
    anonymous = reporter_type == "private" and journey.answer(
        draft.answers, "anonymity", "anonymity") == "anonymous"
    try:
        envelope = wizard.send(
            session, draft, language=i18n.locale_code(), review_days=config().review_days
        )
        draft.sent = {**(draft.sent or {}), "reporter_type": reporter_type or "",
                      "anonymous": anonymous}
        _save(draft)
        session.commit()
    except StaleDraft:
        # A second "Send" (double click, another tab) lost the race: the first one was sent.
        session.rollback()
        return redirect(url_for(".receipt"), 303)
    except NoKeyError as error:
        session.rollback()
        log.error("service %s has no key in force; a report could not be sealed", error.service.id)
        alerts.alert_no_key(session, error.service.id)
        session.commit()
        return render_template("intake/not-connected.html", service=error.service,
                               status="no-key", municipality=None), 503
    except CannotAccept:
        session.rollback()
        return render_template("intake/not-connected.html", service=None,
                               status="no-service", municipality=None), 503
    except SQLAlchemyError:
        session.rollback()
        return render_template("intake/not_sent.html"), 503
    _enqueue(envelope.id)
    return redirect(url_for(".receipt"), 303)


@blueprint.get("/report/receipt")
def receipt() -> Any:
    draft = _current_draft()
    if draft is None or not draft.sent:
        return _no_draft()
    sent = receipt_status.receipt(db_connection(), draft.sent["envelope_id"])
    if sent is None:
        abort(404)
    return render_template(
        "intake/receipt.html",
        sent=sent,
        review_by=dates.day(sent.review_deadline.astimezone(NORWAY).date(), i18n.locale_code()),
        sent_at=_when(sent.sent_at),
        professional=draft.sent.get("reporter_type") == "professional",
        child=draft.sent.get("reporter_type") == "child",
        anonymous=bool(draft.sent.get("anonymous")),
        status_code=draft.sent.get("status_code"),
        district=draft.sent.get("district"),
        delivered_at=_when(sent.delivered_at),
        acknowledged_at=_when(sent.acknowledged_at),
    )


def _when(moment: Any) -> str | None:
    """The receipt and the status page write every time alike (intake/dates.py)."""
    return dates.moment(moment, i18n.locale_code()) if moment is not None else None


@blueprint.route("/status", methods=["GET", "POST"])
def status() -> Any:
    """The reporter comes back with the reference and the code from the receipt."""
    form = StatusForm(request.form if request.method == "POST" else None)
    if request.method == "GET":
        return render_template("intake/status.html", form=form, status=None, not_found=False)
    if not _csrf_valid():
        form.form_errors.append(_expired_message())
        return render_template("intake/status.html", form=form, status=None, not_found=False,
                               form_errors=True), 422
    if not form.validate():
        return render_template("intake/status.html", form=form, status=None, not_found=False,
                               form_errors=True), 422
    found = receipt_status.look_up(db_session(), form.reference.data or "", form.code.data or "")
    times = {"sent": _when(found.sent_at), "delivered": _when(found.delivered_at),
             "acknowledged": _when(found.acknowledged_at),
             **_feedback_dates(found)} if found else {}
    # Past the law's deadline the page says so, instead of a promise whose date has gone.
    overdue = bool(found and found.feedback_deadline and found.feedback_deadline <= utcnow())
    return render_template("intake/status.html", form=form, status=found, times=times,
                           feedback_overdue=overdue, not_found=found is None), (
        200 if found else 404)


def _feedback_dates(found: receipt_status.ReportStatus) -> dict[str, str | None]:
    """The feedback's dates as the reporter reads them: days, in their language's long form."""
    def day(value: Any) -> str | None:
        return dates.day(value, i18n.locale_code()) if value is not None else None

    deadline = found.feedback_deadline
    return {"feedback_by": day(deadline.astimezone(NORWAY).date() if deadline else None),
            "decided": day(found.decided_on), "ended": day(found.ended_on)}


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
    key = DraftKey.from_cookie(this_request().cookies.get(DRAFT_COOKIE))
    if key is None:
        return None
    draft = drafts.load(db_connection(), key)
    if draft is not None:
        # Only a key that opens a draft is kept for saving; otherwise (expired, deleted, forged)
        # a new draft gets a new key instead of colliding with the row behind the old id.
        g.draft_key = key
    return draft


def _save(draft: DraftData) -> None:
    state = request_state()
    key = state.get("draft_key")
    if key is None:
        key = state.draft_key = DraftKey.new()
        state.new_draft_cookie = key.to_cookie()
    drafts.save(db_connection(), key, draft, timedelta(seconds=config().draft_ttl_seconds))
    if not draft.sent:
        commit()


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
        drafts.discard(db_connection(), key)
        commit()
    response.delete_cookie(DRAFT_COOKIE, httponly=True, samesite="Lax")


def _no_draft() -> Any:
    """No draft behind the cookie: it expired, was deleted, or was sent. Say so."""
    had_cookie = DRAFT_COOKIE in request.cookies
    return render_template("intake/no_draft.html", had_cookie=had_cookie), (
        410 if had_cookie else 200
    )


# itsdangerous drops what is not ASCII and base64 skips what is not in its alphabet, so a valid
# token with invisible characters appended would pass; only the token itself may.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_.\-]+")


def _csrf_valid() -> bool:
    token = request.form.get("csrf_token")
    if token is None or not _TOKEN_SHAPE.fullmatch(token):
        return False
    return form_tokens.is_valid(token)


def _expired_message() -> Any:
    return _l("This page had expired. Your answers are still here: check them and continue.")


def _render_step(step: str, draft: DraftData, form: Any) -> Any:
    session = db_session_when_used
    kind = journey.kind(step)
    extra: dict[str, Any] = {}
    if step == "location-confirm":
        number = journey.answer(draft.answers, "location", "suggested")
        extra["municipality"] = session.get(Municipality, number) if number else None
        extra["postal_code"] = journey.answer(draft.answers, "location", "postal_code_normalised")
    if step == "check":
        extra["sections"] = summary.build(session, draft)
        extra["destination"] = summary.destination(session, draft)
        extra["anonymous"] = journey.answer(draft.answers, "anonymity", "anonymity") == "anonymous"
    if step == "children":
        extra["children"] = _children(draft)
    if step == "emergency-call":
        extra["unsure"] = journey.answer(draft.answers, "emergency", "answer") == "unsure"
    if step == journey.NOT_RECEIVING:
        number = journey.municipality_number(draft.answers)
        extra["municipality"] = session.get(Municipality, number) if number else None
        extra["service"] = (
            directory.service_for(session, number, utcnow().astimezone(NORWAY).date(),
                                  journey.district(draft.answers))
            if number
            else None
        )
        extra["status"] = journey.receiving(draft.answers)
    parsed = journey.parse_child_step(step)
    return render_template(
        _template_for(kind),
        step=step,
        kind=kind,
        form=form,
        form_errors=bool(form.errors) or bool(getattr(form, "form_errors", [])),
        previous=journey.previous(step, draft.answers),
        reporter_type=journey.reporter_type(draft.answers),
        child_number=parsed[0] if parsed else None,
        caption=_caption(step, draft),
        **extra,
    )


@functools.cache
def _template_for(kind: str) -> str:
    """A step kind's own template if it has one, else the general one (looked up once)."""
    template = f"intake/{kind}.html"
    if not (Path(current_app.root_path) / "templates" / template).exists():
        template = "intake/step.html"
    return template


def _caption(step: str, draft: DraftData) -> Any:
    parsed = journey.parse_child_step(step)
    if parsed and journey.child_count(draft.answers) > 1:
        return _l("Child %(number)d", number=parsed[0])
    return section_caption(journey.section_of(step), journey.reporter_type(draft.answers))


def _children(draft: DraftData) -> list[dict[str, Any]]:
    return [
        {"index": index,
         "name": journey.answer(draft.answers, journey.child_step(index, "name"), "name")}
        for index in range(1, journey.child_count(draft.answers) + 1)
    ]


def _enqueue(envelope_id: str) -> None:
    """Ring the doorbell. If Redis is down the envelope is safe in the database, and the
    reconciler enqueues it later: the reporter's receipt is true either way."""
    try:
        jobs.enqueue_delivery(redis_connection(), config().queue_name, envelope_id)
    except Exception as error:  # noqa: BLE001 - any queue failure is recoverable; say so loudly
        log.error("could not enqueue delivery of %s (%s); the reconciler will", envelope_id,
                  type(error).__name__)
