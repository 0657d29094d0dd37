"""Feedback to the reporter, one page and one form per report: which steps the law owes this
reporter, by when, and what has been recorded (routing/feedback.py). Acknowledging the report in
the list is the confirmation of receipt; here the team records, for a professional reporter,
whether an investigation was opened and how it ended. Each step is audited."""

from __future__ import annotations

from typing import Any

from flask import g, redirect, render_template, request, url_for
from flask_babel import gettext

from extensions import db_session
from inbox import auth
from inbox.envelopes import days_left
from inbox.forms import DecisionForm, FeedbackStepForm, OutcomeForm
from inbox.views import blueprint, clock, own_envelope
from routing import feedback
from routing.models import Envelope, Service

FORMS: dict[str, type[FeedbackStepForm]] = {"decision": DecisionForm, "outcome": OutcomeForm}


@blueprint.route("/envelopes/<envelope_id>/feedback", methods=["GET", "POST"])
def feedback_page(envelope_id: str) -> Any:
    envelope = own_envelope(envelope_id)
    service = g.service
    steps = feedback.of(envelope, service)
    form_class = FORMS.get(steps.next_step or "")
    form = form_class() if form_class is not None else None
    if request.method == "GET":
        return _page(envelope, service, form)
    if form is None:
        # Nothing to record here: the law gives this reporter no such step, the service's own
        # system gives feedback, the receipt is not confirmed yet, or every step is recorded.
        return _page(envelope, service, None, refused=True), 409
    if not form.validate_on_submit():
        return _page(envelope, service, form), 422
    try:
        action = _record(envelope, service, form)
    except feedback.BadDate:
        form.on.errors = [_date_message()]  # type: ignore[attr-defined]
        return _page(envelope, service, form), 422
    except feedback.NotOwed:
        db_session().rollback()
        return _page(envelope, service, None, refused=True), 409
    auth.audit(db_session(), action, user=g.user, envelope_id=envelope.id)
    db_session().commit()
    return redirect(url_for("inbox.feedback_page", envelope_id=envelope.id), 303)


def _record(envelope: Envelope, service: Service, form: FeedbackStepForm) -> str:
    """Record the step; returns the audit log's name for it."""
    now = clock()
    if isinstance(form, DecisionForm):
        opened = form.opened.data == "yes"
        feedback.record_decision(db_session(), envelope, service, opened, form.day(), now)
        return "feedback-investigation-opened" if opened else "feedback-investigation-not-opened"
    assert isinstance(form, OutcomeForm)
    outcome = feedback.Outcome(form.outcome.data)
    feedback.record_outcome(db_session(), envelope, service, outcome, form.day(), now)
    return f"feedback-investigation-{outcome}"


def _date_message() -> str:
    return gettext("The date must be between the day the report arrived and today")


def _page(envelope: Envelope, service: Service, form: FeedbackStepForm | None,
          refused: bool = False) -> str:
    steps = feedback.of(envelope, service)
    deadline = steps.deadline
    return render_template(
        "inbox/feedback.html", envelope=envelope, steps=steps, form=form, refused=refused,
        days_left=days_left(deadline, clock()) if deadline is not None else None,
        form_errors=bool(form is not None and form.errors),
    )
