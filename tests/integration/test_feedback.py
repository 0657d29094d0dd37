"""Feedback to reporters (routing/feedback.py): a professional's report walked through all three
steps the law gives them, a private one through the confirmation of receipt only, each read on
the status page in the reporter's language; the team records each step on one form per report,
audited, refused where the law gives the reporter no such step; overdue feedback is counted for
the operators and /health."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from database import utcnow
from routing import feedback, operations
from routing.models import Envelope, Service
from routing.working_days import OSLO
from tests.helpers import FlaskTransport, Wizard, csrf_token, walk_private, walk_professional
from tests.helpers.inbox import audit_actions, deliver_report, report_document, sign_in

CODE_RE = re.compile(r'class="reference-code" dir="ltr">([0-9A-Z]{4}(?:-[0-9A-Z]{1,4}){3})<')
PRO = {"name": "Åse Lærer", "role": "Kontaktlærer", "workplace": "Grünerløkka skole",
       "workplace_address": "Toftes gate 1", "phone": "22 33 44 55",
       "email": "ase@skole.example.no"}
CONCERN = "Blåmerker på armene flere dager på rad."


def text(html: str) -> str:
    html = re.sub(r'<span class="number" dir="ltr">([^<]*)</span>', r"\1", html)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def send(app, walk) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    """A reporter in a browser of their own sends a report: (reference, code, receipt text)."""
    reporter = app.test_client()
    reporter.get("/?lang=en")
    reference = walk(Wizard(FlaskTransport(reporter)))
    receipt = reporter.get("/report/receipt").get_data(as_text=True)
    code = CODE_RE.search(receipt)
    assert code, "the receipt shows no status code"
    return reference, code.group(1), text(receipt)


def status(app, reference: str, code: str, lang: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    """The status page as the reporter sees it later, on another device."""
    stranger = app.test_client()
    page = stranger.get(f"/status?lang={lang}").get_data(as_text=True)
    response = stranger.post(f"/status?lang={lang}", data={
        "reference": reference, "code": code, "csrf_token": csrf_token(page)})
    return response.status_code, text(response.get_data(as_text=True))


def envelope_of(database, reference: str) -> Envelope:  # type: ignore[no-untyped-def]
    with database.session() as session:
        return session.scalars(select(Envelope).where(Envelope.reference == reference)).one()


def delivered(database, reference: str) -> Envelope:  # type: ignore[no-untyped-def]
    from routing.delivery import deliver

    with database.session() as session:
        envelope = session.scalars(select(Envelope).where(Envelope.reference == reference)).one()
        deliver(session, envelope.id)
    return envelope_of(database, reference)


def record(client, envelope_id: str, **answers: str):  # type: ignore[no-untyped-def]
    url = f"/inbox/envelopes/{envelope_id}/feedback"
    page = client.get(url)
    assert page.status_code == 200
    return client.post(url, data={**answers, "csrf_token": csrf_token(page.get_data(as_text=True))})


def acknowledge(client, envelope_id: str) -> None:  # type: ignore[no-untyped-def]
    listing = client.get("/inbox/").get_data(as_text=True)
    response = client.post(f"/inbox/envelopes/{envelope_id}/acknowledge",
                           data={"csrf_token": csrf_token(listing)})
    assert response.status_code == 303


def today() -> str:
    return feedback.oslo_today(utcnow()).isoformat()


def test_a_professional_hears_of_receipt_the_investigation_and_its_outcome_in_nb_and_arabic(
        app, client, database, services):
    reference, code, receipt = send(app, lambda wizard: walk_professional(
        wizard, child={"name": "Per"}, concern=CONCERN, you=PRO))
    assert ("If they open an investigation, they will tell you within 3 weeks after it ends "
            "whether it was closed or the child is being followed up.") in receipt
    assert "If you hear nothing within 3 weeks, you can phone the service." in receipt
    envelope = delivered(database, reference)
    assert envelope.reporter_has_duty

    found, said = status(app, reference, code, "nb")
    assert found == 200
    deadline = (envelope.created_at.astimezone(OSLO).date() + timedelta(weeks=3))
    assert f"Barnevernet må bekrefte innen {deadline.day}. " in said
    assert "forteller de deg også her om de starter en undersøkelse" in said

    sign_in(client, "olsen")
    row = text(client.get("/inbox/").get_data(as_text=True))
    # Beside the review deadline, counting down like it: the step owed and its deadline.
    assert "Feedback by" in row and "Due in 7 days" in row
    assert f"Confirmation of receipt {deadline:%d.%m.%Y} 23:59 Due in 21 days" in row
    # Before the receipt is confirmed there is nothing to record: acknowledging comes first.
    early = record(client, envelope.id, opened="yes", on=today())
    assert early.status_code == 409
    acknowledge(client, envelope.id)
    row = text(client.get("/inbox/").get_data(as_text=True))
    assert f"Was an investigation opened? {deadline:%d.%m.%Y} 23:59" in row

    assert record(client, envelope.id, opened="yes", on=today()).status_code == 303
    assert "When the investigation ends" in text(client.get("/inbox/").get_data(as_text=True))
    _, said = status(app, reference, code, "nb")
    assert "bestemte barnevernet å starte en undersøkelse" in said
    assert "Når undersøkelsen er avsluttet, forteller de deg her innen 3 uker" in said
    _, said = status(app, reference, code, "ar")
    assert "قررت الخدمة بدء دراسة وضع الطفل" in said

    assert record(client, envelope.id, outcome="followed-up", on=today()).status_code == 303
    _, said = status(app, reference, code, "nb")
    assert "Undersøkelsen ble avsluttet" in said and "Barnet følges opp." in said
    _, said = status(app, reference, code, "ar")
    assert "انتهت دراسة وضع الطفل في" in said and "والطفل يحظى بالمتابعة." in said
    assert CONCERN not in said and "Per" not in said

    # Every step is recorded once, and the audit log says who recorded which.
    page = client.get(f"/inbox/envelopes/{envelope.id}/feedback").get_data(as_text=True)
    assert 'type="radio"' not in page
    assert record(client, envelope.id, outcome="closed", on=today()).status_code == 409
    actions = [(action, envelope_id) for action, user, envelope_id in audit_actions(database)
               if action.startswith("feedback-") and user is not None]
    assert actions == [("feedback-investigation-opened", envelope.id),
                       ("feedback-investigation-followed-up", envelope.id)]
    stored = envelope_of(database, reference)
    assert (stored.investigation_opened, stored.investigation_outcome) == (True, "followed-up")


def test_a_private_reporter_hears_only_that_the_report_was_received(
        app, client, database, services):
    reference, code, receipt = send(app, lambda wizard: walk_private(
        wizard, child={"name": "Ola"}, concern=CONCERN,
        you={"name": "Kari Nordmann", "phone": "912 34 567"}))
    assert "Within 3 weeks they will confirm that they received your report." in receipt
    envelope = delivered(database, reference)
    assert not envelope.reporter_has_duty

    _, said = status(app, reference, code, "nb")
    assert "Loven gir barnevernet bare lov til å fortelle deg at de har mottatt" in said
    assert "undersøkelse" not in said

    sign_in(client, "olsen")
    acknowledge(client, envelope.id)
    page = text(client.get(f"/inbox/envelopes/{envelope.id}/feedback").get_data(as_text=True))
    assert "The law gives this reporter confirmation of receipt only." in page
    refused = record(client, envelope.id, opened="yes", on=today())
    assert refused.status_code == 409
    assert "Nothing can be recorded for this report now." in text(refused.get_data(as_text=True))
    assert envelope_of(database, reference).investigation_opened is None
    assert not [a for a, _, _ in audit_actions(database) if a.startswith("feedback-")]

    _, said = status(app, reference, code, "ar")
    assert "أكدت" in said and "يسمح القانون للخدمة بأن تخبرك فقط بأنها استلمت بلاغك." in said
    assert "دراسة وضع الطفل" not in said


def test_an_anonymous_reporter_is_told_the_status_page_is_their_only_way(app, services):
    _, _, receipt = send(app, lambda wizard: walk_private(
        wizard, child={"name": "Ola"}, concern=CONCERN))
    assert ("You did not give your name, so the status page is the only way you will hear "
            "from the service.") in receipt


def test_a_wrong_code_gets_the_same_answer_as_an_unknown_reference_after_feedback(
        app, client, database, services):
    reference, code, _ = send(app, lambda wizard: walk_professional(
        wizard, child={"name": "Per"}, concern=CONCERN, you=PRO))
    envelope = delivered(database, reference)
    sign_in(client, "olsen")
    acknowledge(client, envelope.id)
    record(client, envelope.id, opened="no", on=today())
    _, said = status(app, reference, code, "nb")
    assert "bestemte barnevernet å ikke starte en undersøkelse. Meldingen er henlagt." in said

    wrong = "3478-9ABC-DEFG-H" if code != "3478-9ABC-DEFG-H" else "4444-4444-4444-4"
    wrong_status, wrong_said = status(app, reference, wrong, "nb")
    unknown_status, unknown_said = status(app, "ZZZZZZZZ", code, "nb")
    assert wrong_status == unknown_status == 404
    assert wrong_said == unknown_said
    assert "undersøkelse" not in wrong_said


def test_a_date_outside_the_reports_life_is_refused_with_a_message(app, client, database,
                                                                   services):
    reference, _, _ = send(app, lambda wizard: walk_professional(
        wizard, child={"name": "Per"}, concern=CONCERN, you=PRO))
    envelope = delivered(database, reference)
    sign_in(client, "olsen")
    acknowledge(client, envelope.id)
    tomorrow = (feedback.oslo_today(utcnow()) + timedelta(days=1)).isoformat()
    response = record(client, envelope.id, opened="yes", on=tomorrow)
    assert response.status_code == 422
    assert ("The date must be between the day the report arrived and today"
            in text(response.get_data(as_text=True)))
    response = record(client, envelope.id, on="31.02.2027")
    assert response.status_code == 422
    said = text(response.get_data(as_text=True))
    assert "Choose whether an investigation was opened" in said
    assert "Enter the date as day.month.year" in said
    assert envelope_of(database, reference).investigation_opened is None


def old_report(database, at: datetime, *, professional: bool = True) -> str:  # type: ignore[no-untyped-def]
    envelope = deliver_report(database, "0301", report_document("gammel"), now=at)
    with database.session() as session:
        session.get_one(Envelope, envelope.id).reporter_has_duty = professional
    return envelope.id


@pytest.mark.parametrize("handles_feedback", [False, True])
def test_overdue_feedback_is_counted_for_operators_and_health_unless_the_service_handles_it(
        app, database, services, handles_feedback):
    now = utcnow()
    old_report(database, now - timedelta(days=30))
    old_report(database, now - timedelta(days=30), professional=False)
    old_report(database, now - timedelta(days=2))
    with database.session() as session:
        session.get_one(Service, "oslo").handles_feedback = handles_feedback
    expected = 0 if handles_feedback else 2
    with database.session() as session:
        assert operations.health(session, timedelta(minutes=5), now)[
            "past_feedback_deadline"] == expected
        [oslo] = [s for s in operations.status_by_service(session, now) if s.service_id == "oslo"]
        assert oslo.feedback_overdue == expected
    body = app.test_client().get("/health").get_json()
    assert body["past_feedback_deadline"] == expected
    assert "oslo" not in str(body)  # whole-system figures only
    output = app.test_cli_runner().invoke(args=["routing", "status"]).output
    assert f"feedback to reporters overdue: {expected}" in output
    detail = app.test_client().get("/health/services").get_json()["services"]
    assert [s["past_feedback_deadline"] for s in detail if s["service_id"] == "oslo"] == [
        expected]


def test_past_the_deadline_the_status_page_says_they_should_have_confirmed_and_to_phone(
        app, database, services):
    """A promise whose date has gone ("must confirm by 1 March", read on 5 March) helps nobody;
    past the deadline the reporter is told it has passed and that they can phone."""
    reference, code, _ = send(app, lambda wizard: walk_professional(
        wizard, child={"name": "Per"}, concern=CONCERN, you=PRO))
    envelope = delivered(database, reference)
    _, said = status(app, reference, code, "nb")
    assert "Barnevernet må bekrefte innen" in said and "skulle ha bekreftet" not in said

    with database.session() as session:
        session.get_one(Envelope, envelope.id).created_at = utcnow() - timedelta(days=22)
        session.commit()
    _, said = status(app, reference, code, "nb")
    assert "Barnevernet skulle ha bekreftet innen" in said, said
    assert "Du kan ringe dem og spørre." in said
    assert "skulle de også ha fortalt deg her om de starter en undersøkelse" in said
    assert "Barnevernet må bekrefte innen" not in said
    _, said = status(app, reference, code, "ar")
    assert "كان على الخدمة أن تؤكد بحلول" in said
