"""The receipt promises feedback only to a reporter the service can reach.

"Within 3 weeks they will confirm that they received it" is shown to professionals, who always
give their contact details. An anonymous reporter hears only through the status page (their
receipt says so, tests/integration/test_feedback.py); the receipt must not promise them, a child
or a private reporter whose contact details are optional, a confirmation sent to them.
"""

from __future__ import annotations

import re

import pytest

from tests.helpers import FlaskTransport, Wizard, walk_private, walk_professional
from tests.helpers.services import add_service

PROMISE = "Within 3 weeks they will confirm that they received it"
PRO = {"name": "Åse Lærer", "role": "Kontaktlærer", "workplace": "Grünerløkka skole",
       "workplace_address": "Toftes gate 1", "phone": "22 33 44 55",
       "email": "ase@skole.example.no"}


@pytest.fixture
def wizard(client, database, tmp_path) -> Wizard:
    add_service(database, "oslo", "0301", key_dir=tmp_path, phone="+47 55 00 00 00")
    client.get("/?lang=en")
    return Wizard(FlaskTransport(client))


def receipt(client) -> str:
    """The receipt's text as a reader sees it (numbers are wrapped in spans of their own)."""
    return re.sub(r"<[^>]+>", "", client.get("/report/receipt").get_data(as_text=True))


def test_a_professional_is_promised_confirmation_within_three_weeks(client, wizard):
    walk_professional(wizard, child={"name": "Per"}, concern="Blåmerker.", you=PRO)
    assert PROMISE in receipt(client)


def test_an_anonymous_reporter_is_not_promised_a_confirmation(client, wizard):
    walk_private(wizard, child={"name": "Ola"}, concern="Bekymret for Ola.")
    page = receipt(client)
    assert "Your report has been sent" in page and PROMISE not in page


def test_a_child_is_not_promised_a_confirmation(client, wizard):
    wizard.answer("emergency", {"answer": "no"})
    wizard.answer("reporter-type", {"reporter_type": "child"})
    wizard.answer("location", {"postal_code": "0150"})
    wizard.answer("location-confirm", {"confirmed": "yes"})
    wizard.answer("child-1-name", {})
    wizard.answer("child-1-age", {})
    wizard.answer("topics", {})
    wizard.answer("concern", {"description": "Det er mye krangling hjemme."})
    wizard.answer("timing", {})
    wizard.answer("child-views", {})
    wizard.answer("about-you", {})
    wizard.send()
    page = receipt(client)
    assert "116 111" in page and PROMISE not in page
