"""The reporter can come back: the receipt shows a status code once, and with the reference
and that code the status page says when the report was sent, when it reached the service's
inbox and when the service confirmed receiving it (the inbox's acknowledgement). Nothing of the
report's content; the reference alone, or a wrong code, finds nothing, and says the same."""

from __future__ import annotations

import re

import pytest

from inbox import envelopes as inbox_envelopes
from routing import receipt_status
from routing.delivery import deliver
from routing.models import Envelope
from tests.helpers import REFERENCE_RE, FlaskTransport, Wizard, csrf_token, walk_private
from tests.helpers.services import add_service

CODE_RE = re.compile(r'class="reference-code" dir="ltr">([0-9A-Z]{4}(?:-[0-9A-Z]{1,4}){3})<')
CONCERN = "Naboens barn gråter ofte om kvelden."


def text(html: str) -> str:
    # Numbers are wrapped in their own left-to-right spans: read past them as a person does.
    html = re.sub(r'<span class="number" dir="ltr">([^<]*)</span>', r"\1", html)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def sent(app, client, database, tmp_path):  # type: ignore[no-untyped-def]
    add_service(database, "oslo", "0301", key_dir=tmp_path)
    client.get("/?lang=en")
    reference = walk_private(Wizard(FlaskTransport(client)), child={"name": "Ola", "age": "7"},
                             concern=CONCERN)
    receipt = client.get("/report/receipt").get_data(as_text=True)
    code = CODE_RE.search(receipt)
    assert code, "the receipt shows no status code"
    return reference, code.group(1), receipt


def look(client, reference: str, code: str):  # type: ignore[no-untyped-def]
    page = client.get("/status?lang=en").get_data(as_text=True)
    return client.post("/status?lang=en", data={"reference": reference, "code": code,
                                                "csrf_token": csrf_token(page)})


def test_the_status_page_follows_the_report_to_the_services_acknowledgement(
        app, client, database, sent):
    reference, code, receipt = sent
    assert "The code is shown only here." in text(receipt)
    stranger = app.test_client()  # later, on another device: only what was written down

    on_its_way = look(stranger, reference, code)
    assert on_its_way.status_code == 200
    said = text(on_its_way.get_data(as_text=True))
    assert f"Report {reference} was sent" in said and "Barneverntjenesten oslo" in said
    assert "It is on its way to their inbox." in said

    with database.session() as session:
        envelope = session.query(Envelope).filter_by(reference=reference).one()
        deliver(session, envelope.id)
    said = text(look(stranger, reference, code.lower().replace("-", " ")).get_data(as_text=True))
    assert "They have not yet confirmed that they have received it." in said

    with database.session() as session:
        envelope = session.query(Envelope).filter_by(reference=reference).one()
        inbox_envelopes.acknowledge(session, envelope)
    said = text(look(stranger, reference, code).get_data(as_text=True))
    assert "Barneverntjenesten oslo confirmed on" in said
    assert "that they have received it." in said
    # The same on the receipt, for as long as the reporter's browser keeps it.
    assert "confirmed on" in text(client.get("/report/receipt").get_data(as_text=True))
    # Times only: nothing the reporter wrote.
    assert CONCERN not in look(stranger, reference, code).get_data(as_text=True)


def test_a_wrong_code_or_an_unknown_reference_finds_nothing_and_says_the_same(client, sent):
    reference, code, _receipt = sent
    other = "3478-9ABC-DEFG-H" if code != "3478-9ABC-DEFG-H" else "4444-4444-4444-4"
    wrong_code = look(client, reference, other)
    unknown = look(client, "ZZZZZZZZ", code)
    assert wrong_code.status_code == unknown.status_code == 404
    message = "We found no report with that reference number and status code."
    assert message in text(wrong_code.get_data(as_text=True))
    assert message in text(unknown.get_data(as_text=True))
    assert reference not in text(wrong_code.get_data(as_text=True)).replace(
        f'value="{reference}"', "")


def test_an_empty_look_up_says_what_to_enter_and_keeps_what_was_typed(client, sent):
    reference, _code, _receipt = sent
    response = look(client, reference, "")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Enter the status code from your receipt" in text(html)
    assert f'value="{reference}"' in html and 'class="error-summary"' in html


def test_only_a_hash_of_the_code_is_stored(database, sent):
    reference, code, _receipt = sent
    with database.session() as session:
        envelope = session.query(Envelope).filter_by(reference=reference).one()
        stored = envelope.status_code_hash
    assert stored and len(stored) == 64
    assert receipt_status.normalise(code) not in stored and code not in stored


def test_status_look_ups_are_rate_limited_per_client(app_config, tmp_path, redis_client):
    from app import create_app

    app = create_app({**app_config, "SIGN_INS_PER_TEN_MINUTES": 2})
    client = app.test_client()
    statuses = [look(client, "ABCDEFGH", "3478-9ABC-DEFG-H").status_code for _ in range(3)]
    assert statuses == [404, 404, 429]
    app.extensions["database"].dispose()


def test_reference_and_code_alphabets_survive_reading_aloud():
    code = receipt_status.new_code().shown
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]", code)
    assert not set(receipt_status.normalise(code)) & set("01ILOSZ25")
    assert REFERENCE_RE.pattern


def test_the_receipt_and_the_status_page_write_times_alike_in_somali(
        app, client, database, tmp_path):
    """One format, to the minute: the review date and the times are the same long date, and
    the time of arrival reads the same on both pages."""
    from intake.dates import day, moment
    from routing.directory import NORWAY

    add_service(database, "oslo", "0301", key_dir=tmp_path)
    client.get("/?lang=so")
    reference = walk_private(Wizard(FlaskTransport(client)), child={"name": "Ola", "age": "7"},
                             concern=CONCERN)
    code = CODE_RE.search(client.get("/report/receipt").get_data(as_text=True))
    assert code
    with database.session() as session:
        envelope = session.query(Envelope).filter_by(reference=reference).one()
        deliver(session, envelope.id)
        session.commit()
        session.refresh(envelope)
        # As text() reads the page: any run of spaces (CLDR's narrow no-break one too) is one.
        delivered = " ".join(moment(envelope.delivered_at, "so").split())
        review_by = day(envelope.review_deadline.astimezone(NORWAY).date(), "so")
        sent_at = " ".join(moment(envelope.created_at, "so").split())
    receipt = text(client.get("/report/receipt").get_data(as_text=True))
    page = client.get("/status").get_data(as_text=True)
    status = text(client.post("/status", data={"reference": reference, "code": code.group(1),
                                               "csrf_token": csrf_token(page)}
                              ).get_data(as_text=True))
    assert review_by in receipt and delivered in receipt
    assert delivered in status and sent_at in status
    assert review_by.split()[0] in delivered  # the month written out, as in the review date
